# A thin front over CMake (the build itself is CMakePresets.json's).
#   make demo   install missing Debian packages, build, run the default scenario
#   make check  install missing Debian packages, build, run every test
#   make bench  benchmarks (tests/bench)
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CONFLUX = $(BUILD)/conflux

.PHONY: all deps build demo check check-sanitize bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@mkdir -p results
	$(CONFLUX) run scenarios/kachin-2025.yaml --force
	@echo "result: results/kachin-2025.h5 (open it with xarray, ncdump -h, Panoply; see analysis/README.md)"

check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) build-debug build-sanitize
