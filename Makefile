# shared-data: `make run` (demo service) and `make test` are the two commands a fresh clone needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SIM_PORT ?= $(shell expr $(PORT) + 1)
export PORT SIM_PORT

.PHONY: run test test-postgres browser lint typecheck openapi check-openapi bench bench-scaleout clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/shared-data demo --port $(PORT) --sim-port $(SIM_PORT)

test: $(VENV)/.installed browser
	$(BIN)/pytest -q

# The tests whose outcome depends on the service's database, again with PostgreSQL as that
# database: those marked `service_backend` (tests/conftest.py marks every test using the
# `service_backend` fixture: the API tests, the schemathesis run). Every other test would run
# exactly as in `make test`, which already runs the database tests on both backends.
test-postgres: $(VENV)/.installed browser
	SHARED_DATA_TEST_BACKEND=postgresql $(BIN)/pytest -q -m service_backend \
	  tests/api tests/integration tests/e2e

# The status page's end-to-end test drives Debian's chromium (tests/e2e/browser.py). Installed
# with apt-get when missing (CI runs as root on Debian); a no-op when present. Without root it
# only says so: the test then skips locally (and fails under CI).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the e2e tests (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "chromium missing and not root: the status page e2e test will be skipped" >&2; \
	  fi; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(VENV)/.installed
	$(BIN)/mypy

openapi: $(VENV)/.installed
	$(BIN)/shared-data openapi --output openapi.yaml

check-openapi: $(VENV)/.installed
	$(BIN)/shared-data openapi --output openapi.yaml --check

# The benchmark of issue 8 (bench/run.py; docs/PERFORMANCE.md): the service against a bare
# FastAPI baseline, loaded with wrk. Installs wrk with apt-get when missing (as root). About
# five minutes; writes docs/PERFORMANCE.md. BENCH_ARGS passes options (e.g. --db postgresql).
BENCH_ARGS ?=
bench: $(VENV)/.installed
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing wrk (apt-get)"; \
	    apt-get install -y --no-install-recommends wrk >/dev/null 2>&1 || \
	      (apt-get update -qq && apt-get install -y --no-install-recommends wrk >/dev/null); \
	  else \
	    echo "wrk is missing and not root: apt-get install wrk" >&2; exit 1; \
	  fi; \
	fi
	BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	  $(BIN)/python bench/run.py $(BENCH_ARGS)

# Two API processes (gunicorn) on PostgreSQL and Redis behind nginx, ~30 s (docs/DEPLOY.md).
bench-scaleout: $(VENV)/.installed
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing nginx (apt-get)"; \
	    apt-get install -y --no-install-recommends nginx-light >/dev/null 2>&1 || \
	      (apt-get update -qq && apt-get install -y --no-install-recommends nginx-light >/dev/null); \
	  else \
	    echo "nginx missing and not root: the run goes without the reverse proxy" >&2; \
	  fi; \
	fi
	$(BIN)/pip install --quiet -e '.[deploy]'
	$(BIN)/python bench/scaleout.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
