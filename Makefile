# stochgrad: `make notebooks` is the main job, `make test` runs every test.
# Both install what is missing first (scripts/setup.sh), so they work on a
# fresh Debian machine with Go and are safe to re-run.

SHELL := /bin/bash
export STOCHGRAD_ROOT := $(CURDIR)
# The OpenBLAS back end (cgo, Debian libopenblas-dev) is what notebooks,
# tests and benchmarks use; plain `go build` uses gonum's pure Go BLAS.
export GOFLAGS := -tags=openblas
export CGO_ENABLED := 1

NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
TIMEOUT ?= 30m
OUT ?= out

.PHONY: setup notebooks test bench

setup:
	@bash scripts/setup.sh

# Quick mode unless FULL=1; executed copies and HTML land in $(OUT). With
# CACHE=dir, results the notebooks cache (each method's run in the long
# comparisons) persist there, so that a stopped full run resumes.
# The runner is built and exec'd, not run with `go run`, which does not
# pass SIGTERM on: make sends it to nbrun, which stops its kernels.
notebooks: setup
	go build -o .deps/bin/nbrun ./kernel/cmd/nbrun
	exec .deps/bin/nbrun $(if $(FULL),,-quick) $(if $(CACHE),-cache $(CACHE)) -timeout $(TIMEOUT) -out $(OUT) -html $(NOTEBOOKS)

test: setup
	@STOCHGRAD_REQUIRE_SETUP=1 bash scripts/test.sh

bench:
	@bash scripts/setup.sh bench
	@bash scripts/bench.sh

# The notebooks in full mode (the papers' settings), each RESULT checked
# against tests/expectations_full.go; executed copies land in out/. Takes a
# quarter of an hour or more; not part of CI.
.PHONY: reproduce
REPRODUCE_TIMEOUT ?= 4h
reproduce: setup
	STOCHGRAD_FULL=1 STOCHGRAD_REQUIRE_SETUP=1 go test -count=1 -v -run '^TestNotebooks$$' -timeout $(REPRODUCE_TIMEOUT) ./tests/
