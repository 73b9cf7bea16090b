"""The app in this process, with the bench's configuration: mint tokens, count round trips.

Round trips are counted on the driver side from libpq's protocol trace of every connection
the app uses: one ReadyForQuery from the server ends one round trip (a pipeline of several
statements ends in one). Statements are the Execute and simple Query messages sent; the
pool's connection check (an empty query) is counted apart.
"""

import ctypes
import logging
import os
import re
from collections import Counter
from pathlib import Path

from psycopg import pq

from service import create_app, db, security
from service.config import Config

BENCH_USER_AGENT = "urtraining-bench"
_libc = ctypes.CDLL(None)


def make_app(env, wsgi="wsgi:app"):
    """The app as gunicorn would serve it; a bench.variants spec builds that variant."""
    config = Config(environ=env, load_env_file=False)
    variant = re.fullmatch(r"""bench\.variants:create\(["']([\w+]+)["']\)""", wsgi)
    if variant:
        from bench import variants

        return variants.create(variant.group(1), config)
    return create_app(config)


def mint_tokens(app, user_ids):
    """A fresh session and token for each user, made by the service's own code."""
    tokens = []
    with app.test_request_context(headers={"User-Agent": BENCH_USER_AGENT}):
        try:
            for user_id in user_ids:
                token, _session = security.open_session(user_id)
                tokens.append(token)
        finally:
            db.release_connection()
    return tokens


class RoundTripCounter:
    """Trace every connection the app takes from its pool; count protocol messages."""

    def __init__(self, trace_dir):
        self.trace_dir = Path(trace_dir)
        self.trace_dir.mkdir(parents=True, exist_ok=True)
        for old in self.trace_dir.glob("conn-*.trace"):
            old.unlink()
        self.traced = {}
        self._original = None

    def install(self):
        self._original = db.connection

        def traced_connection():
            conn = self._original()
            if id(conn) not in self.traced:
                path = self.trace_dir / f"conn-{len(self.traced)}.trace"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                conn.pgconn.trace(fd)
                conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
                self.traced[id(conn)] = conn
            return conn

        db.connection = traced_connection

    def uninstall(self):
        if self._original is not None:
            db.connection = self._original
        for conn in self.traced.values():
            if not conn.closed:
                conn.pgconn.untrace()

    def totals(self):
        _libc.fflush(None)  # libpq writes its trace through stdio buffers
        counts = Counter()
        for path in self.trace_dir.glob("conn-*.trace"):
            with open(path, errors="replace") as trace:
                for line in trace:
                    parts = line.split("\t", 3)
                    if len(parts) < 3:
                        continue
                    direction, message = parts[0], parts[2]
                    if direction == "B" and message.startswith("ReadyForQuery"):
                        counts["round_trips"] += 1
                    elif direction == "B" and message.startswith("EmptyQueryResponse"):
                        counts["checks"] += 1
                    elif direction == "F" and message in ("Execute", "Query"):
                        counts["messages"] += 1
                    elif direction == "F" and message == "Parse":
                        counts["parses"] += 1
        counts["statements"] = counts["messages"] - counts["checks"]
        return counts


def count_round_trips(app, requests, sizes):
    """{route name: per-request averages} for [(name, callable(client, i) -> status)];
    sizes[name] is (warm-up requests, measured requests)."""
    logging.disable(logging.INFO)  # the per-request log lines would bury the bench's output
    client = app.test_client()
    counter = RoundTripCounter(Path(os.environ.get("TMPDIR", "/tmp")) / "urtraining-bench-trace")
    counter.install()
    results = {}
    try:
        for name, call in requests:
            warmup, measured = sizes[name]
            statuses = Counter()
            for i in range(warmup):
                call(client, i)
            before = counter.totals()
            for i in range(warmup, warmup + measured):
                statuses[call(client, i)] += 1
            after = counter.totals()
            per = {
                key: (after[key] - before[key]) / measured for key in ("round_trips", "statements", "checks")
            }
            per["parses"] = after["parses"] - before["parses"]
            per["statuses"] = dict(statuses)
            results[name] = per
    finally:
        counter.uninstall()
        logging.disable(logging.NOTSET)
    return results
