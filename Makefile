# The two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint install migrate fuzz bench soak clean-db

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Serve on http://$${HOST:-127.0.0.1}:$${PORT:-8000} (embedded PostgreSQL unless DATABASE_URL is set)
run: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

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

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint sql migrations tests/queries.sql

## Apply migrations only (DATABASE_URL, or the embedded server)
migrate: $(STAMP)
	$(BIN)/python -m service.devdb -- $(BIN)/python init_db.py --no-seed

## Property-based API tests with many more examples (FUZZ_MAX_EXAMPLES per operation, as user and as admin)
fuzz: $(STAMP)
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} $(BIN)/python -m pytest tests/test_fuzz.py -k every_operation $(PYTEST_ARGS)

## Load benchmark → bench/RESULTS.md (e.g. BENCH_ARGS="--scale 1k --reuse"; see bench/README.md)
$(VENV)/.bench-stamp: $(STAMP) requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-stamp
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Soak: ~60 s of mixed wrk traffic; fails on any 5xx, socket error or worker RSS growth > 10% (SOAK_ARGS="--seconds 60")
soak: $(STAMP)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean-db:
	rm -rf .pgdata .pgdata-test
