# Two commands on a fresh clone: `make demo` and `make test`.
# Both create the local virtualenv on first use and install into it exactly the versions
# (and hashes) pinned in requirements/: `make demo` only what the app needs (app.txt),
# `make test` the test tools as well (test.txt). After changing the dependencies in
# pyproject.toml: `make lock`, then commit requirements/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv, itself from PyPI at a pinned version, in a folder of its own (installing the project
# never touches it). It installs in a second or two what pip took a minute and a half for.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
LOCKS := requirements/app.txt requirements/test.txt requirements/build.txt
# Pinned versions with their hashes. The project itself goes in editable, without deps (all
# pinned) and built by the pinned setuptools installed beside them (no build env to make).
# Compiled to bytecode at install, the project's own modules too: where Python may not write
# it (PYTHONDONTWRITEBYTECODE, set on this machine), every start compiled the app
# and its libraries anew: importing the app took 2.0-2.4 s, 0.75-0.8 s compiled (~5 s once).
INSTALL = $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements/build.txt -r
PROJECT = $(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e . \
	&& $(BIN)/python -m compileall -q cca_tui
# A dependency added to pyproject.toml but not to the pins fails here, with its name: `make lock`.
CHECK_PINS = $(UV) pip check --quiet --python $(BIN)/python
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: demo test check lock screenshots bench readme-keys clean

# pip only fetches uv (no venv for it: making one costs more than the rest of the setup).
$(UV):
	$(PYTHON) -m pip install --quiet --no-deps --root-user-action=ignore --target $(TOOLS) uv==$(UV_VERSION)

$(BIN)/python: | $(UV)
	$(UV) venv --quiet --seed --python $(PYTHON) $(VENV)

# The app alone: what `make demo` needs.
$(VENV)/.installed-app: pyproject.toml $(LOCKS) | $(BIN)/python
	$(INSTALL) requirements/app.txt
	$(PROJECT)
	$(CHECK_PINS)
	touch $@

# The app and the test tools: what `make test` (and CI) needs.
$(VENV)/.installed: pyproject.toml $(LOCKS) | $(BIN)/python
	$(INSTALL) requirements/test.txt
	$(PROJECT)
	$(CHECK_PINS)
	touch $@ $(VENV)/.installed-app

# Pin again from pyproject.toml: the app's set first, then the test set constrained to
# the same versions, so `make demo` and `make test` run the app on the same libraries.
# Keeps the pins it can; `make lock UPGRADE=--upgrade` moves everything to the newest.
lock: | $(UV)
	$(COMPILE) $(UPGRADE) pyproject.toml -o requirements/app.txt
	$(COMPILE) $(UPGRADE) --extra test -c requirements/app.txt pyproject.toml -o requirements/test.txt
	echo 'setuptools>=77' | $(COMPILE) $(UPGRADE) - -o requirements/build.txt

demo: $(VENV)/.installed-app
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
	rm -rf $(VENV) $(TOOLS) .pytest_cache
