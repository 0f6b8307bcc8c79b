# Each target creates or reuses .venv; PYTHON picks the interpreter that builds it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean bytecode

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; run 'make PYTHON=python3 ...'"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP) bytecode
	$(BIN)/edigate demo

# pytest-xdist workers: one per core and two more, since a good part of the suite's time is
# spent waiting on the processes and servers tests start (on 2 cores, the same tree: 0.59 s
# wall per CPU second with 3 workers, 0.565 with 4; the CPU a run takes varies by a third
# between runs on this machine). PYTEST_ARGS='-n 0' runs in one process.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 2 )))
test: $(STAMP) bytecode
	$(BIN)/python -m pytest -q -n $(WORKERS) $(PYTEST_ARGS)

# Compiled modules for the package and the tests' helpers, written even where
# PYTHONDONTWRITEBYTECODE is set (as on the CI machine): every process the tests start would
# otherwise compile edigate's ~250 modules again (0.3 s each start), and every test worker
# tests/support. A module changed since is recompiled in memory, as usual. (Test modules are
# cached by pytest itself, with their asserts rewritten: see tests/conftest.py.)
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -x node_modules edigate tests

bench: $(STAMP) bytecode
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) benchmarks/out .pytest_cache .hypothesis
