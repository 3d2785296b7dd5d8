# Two entry points, the same for people and CI:
#   make serve   create .venv, install everything, build the release, run the main job
#   make test    create .venv, install everything, run every check (scripts/check)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser balancer virtuoso build serve test clean

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

# The replica test puts Debian's nginx in front of two servers; it runs nginx itself (in the
# foreground, from a configuration of its own), so the service the package starts is stopped.
balancer:
	@PATH="$$PATH:/usr/sbin:/sbin" command -v nginx >/dev/null || (apt-get update \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
		&& (service nginx stop >/dev/null 2>&1 || true))

# The HTTP suite also runs on OpenLink Virtuoso (Debian's virtuoso-opensource, 7.2): the test
# fixtures start and stop servers of their own, so the service the package starts is stopped
# and disabled (its DBA password question is answered with the package's default).
virtuoso:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource && \
		{ service virtuoso-opensource-7 stop >/dev/null 2>&1 || true; } && \
		{ update-rc.d virtuoso-opensource-7 disable >/dev/null 2>&1 || true; }; }

build: install
	$(BIN)/idmgraph build

# serve builds the release first when it is missing or older than its sources.
serve: install
	$(BIN)/idmgraph serve

test: install browser balancer virtuoso
	PATH="$(abspath $(BIN)):$$PATH" scripts/check

clean:
	rm -rf dist
