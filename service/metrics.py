"""Prometheus metrics: requests, the connection pool, named queries, logins and the cleanup.

Under gunicorn every worker is a process of its own, so prometheus_client runs in its
multiprocess mode: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before any process imports
the library, empties that folder when the master starts, and marks a dead worker's files in
its child_exit hook; GET /metrics then adds up the files of every worker. Without that
variable (tests, `flask` commands) the library keeps its values in this process.

What is measured, and where:
- requests by route template (the Flask URL rule, never the raw path), method and status, with
  a latency histogram: a hook around every request (init_app);
- the pool: size, connections in use, requests waiting (psycopg_pool's get_stats()), taken at
  the end of a request at most once a second per worker, and at each scrape;
- each named query's calls and duration: db.py times every call of `queries.<file>.<query>`;
- login outcomes: count_login(), called where the sign-in code knows the outcome;
- cleanup runs and the rows they deleted: service/housekeeping.py.

GET /metrics itself is service/api/metrics.py.
"""

import os
import threading
import time

from flask import current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
UNMATCHED_ROUTE = "<unmatched>"  # 404s: a raw path would give every mistyped URL its own series
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
POOL_SAMPLE_SECONDS = 1.0

REQUESTS = Counter(
    "urtraining_http_requests_total",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "urtraining_http_request_duration_seconds",
    "Time to the response (a streamed body is not included), by route template and method",
    ["route", "method"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUERY_SECONDS = Histogram(
    "urtraining_db_query_duration_seconds",
    "Time spent in each named query of sql/ (its _count is the number of calls)",
    ["query"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
QUERY_ERRORS = Counter(
    "urtraining_db_query_errors_total", "Named query calls that raised a database error", ["query"]
)
POOL_SIZE = Gauge(
    "urtraining_db_pool_size", "Connections open in the pools (all workers)", multiprocess_mode="livesum"
)
POOL_MAX = Gauge(
    "urtraining_db_pool_max_size", "Most connections the pools may open", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "urtraining_db_pool_connections_in_use", "Connections lent to requests now", multiprocess_mode="livesum"
)
POOL_WAITING = Gauge(
    "urtraining_db_pool_requests_waiting",
    "Requests waiting for a connection now",
    multiprocess_mode="livesum",
)
POOL_WAIT_SECONDS = Counter(
    "urtraining_db_pool_wait_seconds_total", "Time requests spent waiting for a pooled connection"
)
POOL_WAITS = Counter(
    "urtraining_db_pool_queued_requests_total", "Requests that had to wait for a pooled connection"
)
POOL_ERRORS = Counter(
    "urtraining_db_pool_request_errors_total", "Requests that got no connection (timeout, pool closed)"
)
LOGINS = Counter("urtraining_logins_total", "Sign-in attempts by outcome", ["outcome"])
CLEANUP_RUNS = Counter(
    "urtraining_cleanup_runs_total",
    "Cleanup runs by outcome: ran, skipped (another process held the lock) or failed",
    ["outcome"],
)
CLEANUP_ROWS = Counter("urtraining_cleanup_rows_total", "Rows deleted by cleanup runs, by kind", ["kind"])

# Every known label value has a series from the start (at 0), so rate() and alerts work at once.
for _outcome in ("success", "failure", "throttled", "busy", "error"):
    LOGINS.labels(_outcome)
for _outcome in ("ran", "skipped", "failed"):
    CLEANUP_RUNS.labels(_outcome)
for _kind in ("sessions", "login_counters", "counter_deltas"):
    CLEANUP_ROWS.labels(_kind)


def count_login(outcome):
    """One sign-in attempt: "success", "failure" (wrong name or password), "throttled" (429),
    "busy" (503: the hash queue is full) or "error"."""
    LOGINS.labels(outcome).inc()


def observe_query(name, seconds, failed=False):
    QUERY_SECONDS.labels(name).observe(seconds)
    if failed:
        QUERY_ERRORS.labels(name).inc()


def observe_cleanup(outcome, deleted=None):
    CLEANUP_RUNS.labels(outcome).inc()
    for kind, rows in (deleted or {}).items():
        if rows:
            CLEANUP_ROWS.labels(kind).inc(rows)


class _PoolSampler:
    """Copies a pool's get_stats() into the gauges, at most once per POOL_SAMPLE_SECONDS."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next = 0.0

    def sample(self, pool, force=False):
        now = time.monotonic()
        with self._lock:
            if not force and now < self._next:
                return
            self._next = now + POOL_SAMPLE_SECONDS
            stats = pool.pop_stats()  # counters since the last call, gauges as they are now
        POOL_SIZE.set(stats.get("pool_size", 0))
        POOL_MAX.set(stats.get("pool_max", 0))
        POOL_IN_USE.set(stats.get("pool_size", 0) - stats.get("pool_available", 0))
        POOL_WAITING.set(stats.get("requests_waiting", 0))
        POOL_WAIT_SECONDS.inc(stats.get("requests_wait_ms", 0) / 1000)
        POOL_WAITS.inc(stats.get("requests_queued", 0))
        POOL_ERRORS.inc(stats.get("requests_errors", 0))


def _start_request():
    g.metrics_started = time.perf_counter()


def _finish_request(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        route = rule.rule if rule is not None else UNMATCHED_ROUTE
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)
    return response


def _sample_pool(exc=None):
    pool = current_app.extensions.get("pool")
    if pool is not None:
        current_app.extensions["pool_sampler"].sample(pool)


def exposition():
    """(body, content type) of every worker's metrics, this worker's pool sampled now."""
    pool = current_app.extensions.get("pool")
    if pool is not None:
        current_app.extensions["pool_sampler"].sample(pool, force=True)
    registry = REGISTRY
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def init_app(app):
    app.extensions["pool_sampler"] = _PoolSampler()
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    # Teardown functions run last-registered first: init_app runs before db.init_app, so the
    # pool is sampled after the request has given its connection back.
    app.teardown_appcontext(_sample_pool)
