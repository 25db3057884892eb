# A thin front over CMake (the build itself is CMakePresets.json's).
#   make demo   install the missing Debian packages conflux runs with, build the command,
#               run the default scenario and its counterfactual as ensembles, and write
#               their effect, figures and a briefing page (results/demo)
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

# The demo: the offensive as an ensemble of 200 seeds and its counterfactual over the same
# seeds (scenarios/sweeps/kachin-2025-seeds.yaml), their effect with intervals (conflux
# compare), figures and a briefing page. conflux never overwrites a result: an earlier demo
# (results/demo) is moved aside with a timestamp first.
DEMO = results/demo
DEMO_SEEDS = scenarios/sweeps/kachin-2025-seeds.yaml
demo: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target conflux-cli -- --no-print-directory
	@mkdir -p results
	@if [ -e $(DEMO) ]; then old=$(DEMO).$$(date +%Y%m%dT%H%M%S); \
	  mv $(DEMO) $$old && echo "kept the previous demo as $$old"; fi; mkdir -p $(DEMO)
	@echo "the offensive (kachin-2025) and its counterfactual, 200 seeds each ..."
	@$(CONFLUX) sweep scenarios/kachin-2025.yaml $(DEMO_SEEDS) -o $(DEMO)/offensive --quiet
	@$(CONFLUX) sweep scenarios/kachin-2025-no-offensive.yaml $(DEMO_SEEDS) -o $(DEMO)/counterfactual --quiet
	@echo
	$(CONFLUX) compare $(DEMO)/offensive/sweep.h5 $(DEMO)/counterfactual/sweep.h5 -o $(DEMO)/effect.h5
	@CONFLUX=$(CONFLUX) analysis/conflux-plot $(DEMO)/offensive/sweep.h5 \
	  --against $(DEMO)/counterfactual/sweep.h5 -o $(DEMO)/figures --geojson >/dev/null
	@$(CONFLUX) report $(DEMO)/offensive/sweep.h5 --against $(DEMO)/counterfactual/sweep.h5 \
	  -o $(DEMO)/report.html
	@echo
	@echo "briefing page: $(DEMO)/report.html (one file; opens offline in any browser)"
	@echo "figures: $(DEMO)/figures/ (compare_price.png, compare_effect.png, price_shortfall.png,"
	@echo "         network.png, gates.png, revenue.png; nodes.geojson and roads.geojson for QGIS)"
	@echo "files: $(DEMO)/offensive/sweep.h5, $(DEMO)/counterfactual/sweep.h5 (every member),"
	@echo "       $(DEMO)/effect.h5 (A - B day by day, member by member); see analysis/README.md"

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
