# ward5s: `make run` starts the whole stack on this machine; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO ?= full

.DEFAULT_GOAL := help
.PHONY: help venv run test test-fast lint format typecheck pytest browser charts icu report-tools schemas bench soak clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml | icu report-tools
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the project with its development tools

run: $(STAMP) charts ## Start NATS, the services, the web pages and the demo ward (DEMO=org: the org chart only)
	$(BIN)/python -m tools.devstack --demo $(DEMO)

test: lint typecheck pytest ## Lint, type-check and run the whole test suite

# The fast tier uses no schemathesis: its pytest plugin is not loaded (a quarter of a second).
# Its tests run in FAST_WORKERS processes (pytest-xdist; FAST_WORKERS=0: in this one), one a core
# of a 2-core machine: each of them collects only the fast modules, so two finish sooner than one
# even while other work keeps the cores busy.
FAST_WORKERS ?= 2
test-fast: $(STAMP) ## The fast tier alone: every service's rules, no servers, in seconds
	$(BIN)/pytest -m fast --hypothesis-profile=fast -p no:schemathesis -n $(FAST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff: lint and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy over contracts/ and services/
	$(BIN)/mypy contracts services

pytest: $(STAMP) browser charts ## The test suite (real NATS, PostgreSQL and SMTP started by the fixtures)
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests (tests/web) drive Debian's Chromium through Playwright: installed from the
# distribution's packages when missing (as root, or with sudo), never downloaded by Playwright.
browser: ## Install Debian's chromium for the browser tests when it is missing
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

# The unit board's charting library (Chart.js) is installed with npm from the committed
# services/web/charts/package-lock.json and served by the web service from this origin; npm is
# installed from the distribution's packages when missing.
CHARTS := services/web/charts/node_modules/chart.js/dist/chart.umd.min.js
$(CHARTS): services/web/charts/package-lock.json
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; \
	fi
	cd services/web/charts && npm ci --ignore-scripts --no-audit --no-fund
	@touch $(CHARTS)

charts: $(CHARTS) ## Install the web pages' charting library (npm ci from the lock file)

# PyICU (the Vietnamese collation of people's names) is built against the system's ICU:
# its headers and a C++ compiler are installed from the distribution's packages when missing.
icu: ## Install ICU's headers and a compiler for PyICU when they are missing
	@if ! pkg-config --exists icu-i18n 2>/dev/null || ! command -v g++ >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libicu-dev pkg-config g++; \
	fi

# The period report's PDF (WeasyPrint) lays out text with Pango in DejaVu Sans, whose glyphs cover
# Vietnamese; its test reads the PDF back with poppler's pdftotext. From the distribution's
# packages when missing.
report-tools: ## Install Pango, the DejaVu fonts and pdftotext for the period report when missing
	@if ! ldconfig -p | grep -q libpango-1.0 || [ ! -d /usr/share/fonts/truetype/dejavu ] \
		|| ! command -v pdftotext >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; \
	fi

schemas: $(STAMP) ## Regenerate the JSON Schemas and AsyncAPI documents from the code
	$(BIN)/python -m tools.schemas

bench: $(STAMP) ## Run the benchmarks and print their figures
	$(BIN)/python -m bench

# The crash suite of make test at full size: 20 kills per service, two instances of scoring and
# notifications (QUICK=1: the same table in under five minutes; SEED=n replays a run).
soak: $(STAMP) ## Kill every service again and again under load; print what was lost or doubled
	WARD5S_SOAK=$(if $(QUICK),quick,full) WARD5S_SOAK_SEED=$(or $(SEED),21) \
		$(BIN)/pytest -p no:cacheprovider -q -s --timeout=0 tests/e2e/test_crash.py $(PYTEST_ARGS)

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
