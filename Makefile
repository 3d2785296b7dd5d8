# Two entry points, the same for people and CI:
#   make serve   create .venv, install everything, build the release, run the main job
#   make test    create .venv, install everything, run every check (scripts/check)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install build serve test clean

# Reinstall whenever pyproject.toml changes, so a new dependency is never missing.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/idmgraph build

# The server is the main job once 'idmgraph serve' exists; until then the build is.
serve: build
	@if $(BIN)/idmgraph serve --help >/dev/null 2>&1; then \
		exec $(BIN)/idmgraph serve; \
	else \
		echo "idmgraph has no 'serve' command yet: the release is in dist/"; \
	fi

test: install
	PATH="$(abspath $(BIN)):$$PATH" scripts/check

clean:
	rm -rf dist
