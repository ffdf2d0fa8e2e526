# Two commands on a fresh clone: `make demo` and `make test`.
# Both create the local virtualenv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test check screenshots bench readme-keys clean

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

# Two workers: the suite waits mostly on the simulator and the pilot, so both cores help.
test: check
	$(BIN)/python -m pytest -q -n 2

screenshots: $(VENV)/.installed
	$(BIN)/python scripts/export_screenshots.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/scale.py

# After adding or changing a key: rewrite the README's key table from the code.
readme-keys: $(VENV)/.installed
	$(BIN)/python scripts/readme_keys.py

clean:
	rm -rf $(VENV) .pytest_cache
