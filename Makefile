# A thin front over CMake (the build itself is CMakePresets.json's).
#   make demo   install the missing Debian packages conflux runs with, build the command,
#               run the default scenario, analyse it and draw its figures (results/figures)
#   make check  install the missing packages the tests need too, build, run every test
#   make check-sanitize  the tests again under AddressSanitizer and UBSan (make check runs it)
#   make check-mpi  the sweep tests with the MPI build: mpirun and a real Slurm cluster (make check runs it)
#   make bench  the performance workloads of tests/bench/README.md (minutes; not a test)
#   make check-fuzz  build the libFuzzer harnesses (clang), replay their corpus, fuzz each
#                    for FUZZ_SECONDS (make check runs it)
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CONFLUX = $(BUILD)/conflux
FUZZ_SECONDS ?= 15

.PHONY: all deps deps-test build build-tests demo check check-sanitize check-fuzz check-mpi bench clean

all: build

# What running scenarios needs, and what the tests need besides (scripts/install-deps.sh).
deps:
	@scripts/install-deps.sh run
deps-test:
	@scripts/install-deps.sh test

# conflux and its library; the tests too when cmocka is installed (CONFLUX_TESTS=AUTO)
build: deps
	@cmake --preset default -B $(BUILD) -DCONFLUX_TESTS=AUTO >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

build-tests: deps-test
	@cmake --preset default -B $(BUILD) -DCONFLUX_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# conflux never overwrites a result; the demo moves an earlier demo result aside first.
# The same for its figures: results/figures moves to results/figures.<time> first.
DEMO_OUT = results/kachin-2025.h5
DEMO_FIGS = results/figures
demo: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target conflux-cli -- --no-print-directory
	@mkdir -p results
	@stamp=$$(date +%Y%m%dT%H%M%S); \
	if [ -e $(DEMO_OUT) ]; then old=results/kachin-2025.$$stamp.h5; \
	  mv $(DEMO_OUT) $$old && echo "kept the previous result as $$old"; fi; \
	if [ -e $(DEMO_FIGS) ]; then old=$(DEMO_FIGS).$$stamp; \
	  mv $(DEMO_FIGS) $$old && echo "kept the previous figures as $$old"; fi
	$(CONFLUX) run scenarios/kachin-2025.yaml -o $(DEMO_OUT)
	@echo "result: results/kachin-2025.h5 (open it with xarray, ncdump -h, Panoply; see analysis/README.md)"
	@echo
	$(CONFLUX) analyze $(DEMO_OUT)
	@CONFLUX=$(CONFLUX) analysis/conflux-plot $(DEMO_OUT) -o $(DEMO_FIGS) --geojson >/dev/null
	@echo
	@echo "figures: $(DEMO_FIGS)/ (price_shortfall.png, network.png, gates.png, revenue.png;"
	@echo "         nodes.geojson and roads.geojson, a feature per day, for QGIS or kepler.gl)"

check: build-tests
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory check-sanitize
	@$(MAKE) --no-print-directory check-fuzz
	@$(MAKE) --no-print-directory check-mpi

# The sweep tests again with CONFLUX_MPI=ON: mpirun -n 2 and a real one-node Slurm cluster.
check-mpi: deps-test
	@cmake --preset mpi >/dev/null
	@cmake --build build-mpi -j $(JOBS) -- --no-print-directory
	@cd build-mpi && ctest --output-on-failure -R 'sweep'

check-sanitize: deps-test
	@cmake --preset sanitize >/dev/null
	@cmake --build build-sanitize -j $(JOBS) -- --no-print-directory
	@cd build-sanitize && ctest --output-on-failure -j $(JOBS)

check-fuzz: deps-test
	@cmake --preset fuzz >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzzers -- --no-print-directory
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-debug build-sanitize build-mpi build-fuzz
