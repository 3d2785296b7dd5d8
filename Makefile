# Two entry points, the same for people and CI:
#   make serve   create .venv, install everything, build the release, run the main job
#   make test    create .venv, install everything, run every check (scripts/check)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser build serve test clean

# Reinstall whenever pyproject.toml or the npm lock file changes, so nothing is ever missing.
# npm ci installs YASGUI and copies it into the package's static folder (never a CDN).
$(STAMP): pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	npm ci --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium through Playwright; no browser is downloaded.
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

build: install
	$(BIN)/idmgraph build

# serve builds the release first when it is missing or older than its sources.
serve: install
	$(BIN)/idmgraph serve

test: install browser
	PATH="$(abspath $(BIN)):$$PATH" scripts/check

clean:
	rm -rf dist
