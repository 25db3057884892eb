# A thin front over CMake (the build itself is CMakePresets.json's).
#   make demo   install missing Debian packages, build, run the default scenario
#   make check  install missing Debian packages, build, run every test
#   make check-sanitize  the tests again under AddressSanitizer and UBSan (make check runs it)
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CONFLUX = $(BUILD)/conflux

.PHONY: all deps build demo check check-sanitize clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# conflux never overwrites a result; the demo moves an earlier demo result aside first.
DEMO_OUT = results/kachin-2025.h5
demo: build
	@mkdir -p results
	@if [ -e $(DEMO_OUT) ]; then old=results/kachin-2025.$$(date +%Y%m%dT%H%M%S).h5; \
	  mv $(DEMO_OUT) $$old && echo "kept the previous result as $$old"; fi
	$(CONFLUX) run scenarios/kachin-2025.yaml -o $(DEMO_OUT)
	@echo "result: results/kachin-2025.h5 (open it with xarray, ncdump -h, Panoply; see analysis/README.md)"

check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory check-sanitize

check-sanitize: deps
	@cmake --preset sanitize >/dev/null
	@cmake --build build-sanitize -j $(JOBS) -- --no-print-directory
	@cd build-sanitize && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) build-debug build-sanitize
