# Two commands on a fresh clone: `make demo` and `make test`.
# Both create the local virtualenv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test check screenshots benchmark readme-keys clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/cca-tui --demo

# Lint, format and type checks first: a red check fails the run before the tests start.
check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest -q

screenshots: $(VENV)/.installed
	$(BIN)/python scripts/export_screenshots.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache
