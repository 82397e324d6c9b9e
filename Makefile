# The whole set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The example datasets (airports, countries) are a distribution of their own, installed editable
# beside the library so that library users never get them on their graphs.
EXAMPLES := examples/reference_data

.PHONY: demo datasets test test-oldest clean bench bench-full pgserver-abi3

$(STAMP): setup.cfg pyproject.toml $(EXAMPLES)/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11+ or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -e $(EXAMPLES)
	$(BIN)/python -c 'import pgserver' 2>/dev/null || $(MAKE) --no-print-directory pgserver-abi3 BIN=$(BIN)
	touch $(STAMP)

# The suite's private PostgreSQL server. pgserver 0.1.4 publishes wheels for CPython up to 3.12
# only, tagged cp312-cp312 although their one extension is built for the stable ABI
# (_postgresql.abi3.so): on a newer Python (3.13), install that wheel under the abi3 tag it has.
pgserver-abi3:
	rm -rf .pgserver-wheel && mkdir .pgserver-wheel
	$(BIN)/pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 -d .pgserver-wheel 'pgserver==0.1.4'
	for wheel in .pgserver-wheel/*.whl; do mv "$$wheel" "$$(echo "$$wheel" | sed 's/-cp312-cp312-/-cp312-abi3-/')"; done
	$(BIN)/pip install --quiet .pgserver-wheel/*.whl
	rm -rf .pgserver-wheel

# Rebuild both example artifacts from datasets/sources/ (with progress) and verify them.
datasets: $(STAMP)
	$(BIN)/python build_scripts/build_all.py

# Then read them back read-only through the entry points and print streamed store queries.
demo: datasets
	$(BIN)/python -m reference_data.demo

# One pytest worker per core (pytest-xdist); PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= logical

test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy microcosm_sqlite
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS)

# The other end of the supported range: the whole suite with the lowest version setup.cfg claims of
# every dependency (constraints/minimum.txt), on the oldest Python it claims, in a venv of its own.
# The test tools themselves (pytest, hypothesis, mypy) stay at their newest.
PYTHON_OLDEST ?= python3.11
VENV_OLDEST := .venv-oldest
STAMP_OLDEST := $(VENV_OLDEST)/.installed

$(STAMP_OLDEST): setup.cfg pyproject.toml $(EXAMPLES)/pyproject.toml constraints/minimum.txt
	@command -v $(PYTHON_OLDEST) >/dev/null || { echo "$(PYTHON_OLDEST) not found: install Python 3.11"; exit 1; }
	rm -rf $(VENV_OLDEST)
	$(PYTHON_OLDEST) -m venv $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/pip install --quiet --upgrade pip
	$(VENV_OLDEST)/bin/pip install --quiet -c constraints/minimum.txt -e '.[test]' -e $(EXAMPLES)
	touch $@

test-oldest: $(STAMP_OLDEST)
	$(VENV_OLDEST)/bin/python -m pytest -q -n $(PYTEST_WORKERS)

# Benchmarks (not part of `make test`): their own venvs, so the original 2.0 never meets this library.
BENCH_VENVS := benchmarks/.venvs
BENCH_CURRENT := $(BENCH_VENVS)/current
BENCH_ORIGINAL := $(BENCH_VENVS)/original
BENCH_RUNS ?= 5
BENCH_ARGS = --python $(BENCH_CURRENT)/bin/python --original-python $(BENCH_ORIGINAL)/bin/python --runs $(BENCH_RUNS)

# The example package too: the service workload queries the shipped airports artifact through it.
$(BENCH_CURRENT)/.installed: setup.cfg pyproject.toml $(EXAMPLES)/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11+ or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(BENCH_CURRENT)
	$(BENCH_CURRENT)/bin/pip install --quiet --upgrade pip
	$(BENCH_CURRENT)/bin/pip install --quiet -e '.[postgres]' -e $(EXAMPLES) sqlite-utils 'pgserver>=0.1.4'
	touch $@

# The original imports pkg_resources, which setuptools 81 removed.
$(BENCH_ORIGINAL)/.installed:
	$(PYTHON) -m venv $(BENCH_ORIGINAL)
	$(BENCH_ORIGINAL)/bin/pip install --quiet 'microcosm-sqlite==2.0.0' 'setuptools<81'
	touch $@

# Search by words always runs on the 1M-row table (its targets are set there); it adds its own
# section to RESULTS.md after the harness has written the rest.
SEARCH_BENCH = $(BENCH_CURRENT)/bin/python -m benchmarks.search --rows 1000000 --runs $(BENCH_RUNS)

bench: $(BENCH_CURRENT)/.installed $(BENCH_ORIGINAL)/.installed
	$(BENCH_CURRENT)/bin/python -m benchmarks.harness --sizes 100000 $(BENCH_ARGS)
	$(SEARCH_BENCH)
	$(BENCH_CURRENT)/bin/python -m benchmarks.publish --rows 1000000 --runs 3
	$(BENCH_CURRENT)/bin/python -m benchmarks.server_search

bench-full: $(BENCH_CURRENT)/.installed $(BENCH_ORIGINAL)/.installed
	$(BENCH_CURRENT)/bin/python -m benchmarks.harness --sizes 100000,1000000 $(BENCH_ARGS)
	$(SEARCH_BENCH)

clean:
	rm -rf $(VENV) $(VENV_OLDEST) .venv-py* $(BENCH_VENVS) benchmarks/.data build dist *.egg-info $(EXAMPLES)/*.egg-info .pytest_cache .hypothesis
