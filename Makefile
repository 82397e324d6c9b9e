# The whole set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The example datasets (airports, countries) are a distribution of their own, installed editable
# beside the library so that library users never get them on their graphs.
EXAMPLES := examples/reference_data

.PHONY: demo datasets test clean

$(STAMP): setup.cfg pyproject.toml $(EXAMPLES)/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11+ or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -e $(EXAMPLES)
	touch $(STAMP)

# Rebuild both example artifacts from datasets/sources/ (with progress) and verify them.
datasets: $(STAMP)
	$(BIN)/python build_scripts/build_all.py

# Then read them back read-only through the entry points and print streamed store queries.
demo: datasets
	$(BIN)/python -m reference_data.demo

test: $(STAMP)
	$(BIN)/mypy microcosm_sqlite
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build dist *.egg-info $(EXAMPLES)/*.egg-info .pytest_cache .hypothesis
