# The two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint lint-migrations lint-migrations-unavailable install migrate fuzz bench soak clean-db schema-doc check-sql reload

# The project itself is installed too (editable), so that `yoyo` finds its backend (yoyo.ini).
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Serve on http://$${HOST:-127.0.0.1}:$${PORT:-8000} (embedded PostgreSQL unless DATABASE_URL is set)
run: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## Apply edited sql/ files to the running `make run` server (SIGHUP): served only if every file is good
RUN_DIR ?= .run
reload:
	kill -HUP "$$(cat $(RUN_DIR)/gunicorn.pid)"

# xdist workers: one runs the server tests one after another, the other the in-process tests.
# On this 2-core machine 2 was fastest (81 s; 3 workers 128 s, 4 workers 97 s; README, "Tests").
PYTEST_WORKERS ?= 2
FAST_MARKERS := not (server or browser or fuzz or slow)
# Each worker imports hypothesis and schemathesis, whose ~400 modules pytest rewrites for its
# assertions: with bytecode caching switched off every run rewrites them again (8.3 instead of
# 4.7 CPU-seconds per collection), so the test targets write Python's cache (git ignores it).
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

## Lint, then the whole suite in parallel (embedded PostgreSQL unless TEST_DATABASE_URL is set)
test: lint
	$(PYTEST) -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## The in-process tests only: no gunicorn/nginx/pgbouncer, browser, fuzzing or 100k-row fills
test-fast: $(STAMP)
	$(PYTEST) -n $(PYTEST_WORKERS) -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# squawk needs node and npm. On a machine with only Python and make, `make lint` says it skips
# squawk and goes on; CI (CI=true) installs them and never skips.
ifeq ($(shell command -v npm 2>/dev/null)$(CI),)
LINT_MIGRATIONS := lint-migrations-unavailable
else
LINT_MIGRATIONS := lint-migrations
endif

lint: $(STAMP) $(LINT_MIGRATIONS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint sql migrations tests/queries.sql tests/queries_ops.sql

# squawk (npm, its exact version pinned in package.json), installed on first use. No lock file:
# the package's only dependencies are its per-platform binaries, pinned to its own version.
SQUAWK := node_modules/.bin/squawk
$(SQUAWK): package.json
	npm install --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

## squawk over the migrations (.squawk.toml): refuses those that would lock or rewrite a big table
MIGRATIONS_DIR ?= migrations
lint-migrations: $(SQUAWK)
	$(SQUAWK) $(MIGRATIONS_DIR)/*.sql

lint-migrations-unavailable:
	@echo "lint: squawk (migrations) skipped: npm is not installed (apt-get install nodejs npm)"

## Apply migrations only (DATABASE_URL, or the embedded server)
migrate: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/python init_db.py --no-seed

## Every named query of sql/ (or SQL_DIR) against a scratch database migrated on DATABASE_URL's server (or the embedded one)
check-sql: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/python -m service.sqlcheck

## docs/SCHEMA.md and docs/schema.svg from a scratch database migrated on DATABASE_URL's server (or the embedded one); needs Graphviz
schema-doc: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/python -m service.schema_doc

## Property-based API tests with many more examples (FUZZ_MAX_EXAMPLES per operation, as user and as admin)
fuzz: $(STAMP)
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} $(BIN)/python -m pytest tests/test_fuzz.py -k every_operation $(PYTEST_ARGS)

## Load benchmark → bench/RESULTS.md (e.g. BENCH_ARGS="--scale 1k --reuse"; see bench/README.md)
$(VENV)/.bench-stamp: $(STAMP) requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-stamp
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.admin --reuse $(BENCH_ADMIN_ARGS)

## Soak: ~60 s of mixed wrk traffic; fails on any 5xx, socket error or worker RSS growth > 10% (SOAK_ARGS="--seconds 60")
soak: $(STAMP)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean-db:
	rm -rf .pgdata .pgdata-test
