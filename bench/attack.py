"""What an attacker can do to a running service: a registration burst, and slow clients.

    .venv/bin/python -m bench.attack burst         # 32 registrations at once: a taken name, then new names
    .venv/bin/python -m bench.attack slow          # 64 slow sockets against gunicorn directly
    .venv/bin/python -m bench.attack slow --nginx  # the same through deploy/nginx (Debian's nginx)
    .venv/bin/python -m bench.attack timing        # how long a failed login takes, by what is stored

Each run creates its own database on BENCH_DATABASE_URL's server (a URL of its maintenance
database; default the machine's postgresql://postgres@127.0.0.1:5432/postgres), serves it with
gunicorn.conf.py at the production password-hash cost, and drops the database at the end. While
the attack runs, a probe asks GET /ping (and GET /auth/me) once every PROBE_INTERVAL seconds on a
fresh connection and records how long each answer took. Figures go to stdout as one JSON object
per scenario (bench/RESULTS.md, section "Under attack", quotes them).
"""

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import aiosql
import psycopg
from psycopg.rows import dict_row
from werkzeug.security import generate_password_hash

from service.devdb import drop_database, ensure_database
from service.migrations import apply_migrations
from tests.live_server import PROJECT_DIR, live_server

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PRODUCTION_HASH = "scrypt:131072:8:1"
PROBE_INTERVAL = 0.25
PROBE_TIMEOUT = 30.0
PASSWORD = "bench-password-1"  # noqa: S105 - the known password of the bench's own accounts


@contextmanager
def bench_database():
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    name = f"urtraining_attack_{uuid.uuid4().hex[:10]}"
    url = ensure_database(server, name)
    try:
        apply_migrations(url)
        yield url
    finally:
        drop_database(server, name)


@contextmanager
def service(url, **env):
    settings = {
        "PASSWORD_HASH_METHOD": PRODUCTION_HASH,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "8",
        "SEED_SAMPLE_DATA": "false",
        **env,
    }
    with (
        tempfile.TemporaryDirectory(prefix="urtraining-attack-") as logs,
        live_server(url, Path(logs), **settings) as server,
    ):
        yield server


def call(base, method, path, body=None, token=None, timeout=PROBE_TIMEOUT):
    """(status, seconds); status 0 when the request timed out or failed at the socket."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


class Probe(threading.Thread):
    """Asks one path every PROBE_INTERVAL seconds (each on a new connection) until stopped."""

    def __init__(self, base, path, token=None, timeout=PROBE_TIMEOUT):
        super().__init__(daemon=True)
        self.base, self.path, self.token, self.timeout = base, path, token, timeout
        self.samples = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.samples.append(call(self.base, "GET", self.path, token=self.token, timeout=self.timeout))
            self.stopping.wait(PROBE_INTERVAL)

    def stop(self):
        self.stopping.set()
        self.join()
        return summary(self.samples)


def summary(samples):
    seconds = sorted(duration for _, duration in samples)
    if not seconds:
        return {"probes": 0}
    return {
        "probes": len(samples),
        "failed": sum(1 for status, _ in samples if status != 200),
        "p50_s": round(statistics.median(seconds), 3),
        "max_s": round(seconds[-1], 3),
    }


def statuses(results):
    counts = {}
    for status, _ in results:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return dict(sorted(counts.items()))


def register(base, username, email, timeout=PROBE_TIMEOUT):
    body = {"username": username, "password": PASSWORD, "email": email, "full_name": "Bench Person"}
    return call(base, "POST", "/auth/register", body, timeout=timeout)


def burst(server, label, bodies):
    """Send every registration at once (one thread each) while probing /ping and /auth/me."""
    token = server.login("owner", PASSWORD)
    ping, me = Probe(server.base, "/ping"), Probe(server.base, "/auth/me", token=token)
    ping.start()
    me.start()
    time.sleep(1.0)  # a few quiet probes first
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        results = list(pool.map(lambda body: register(server.base, *body), bodies))
    elapsed = time.monotonic() - started
    time.sleep(1.0)
    return {
        "scenario": label,
        "requests": len(bodies),
        "answers": statuses(results),
        "burst_seconds": round(elapsed, 2),
        "slowest_answer_s": round(max(duration for _, duration in results), 2),
        "ping": ping.stop(),
        "auth_me": me.stop(),
    }


def run_burst(args):
    with bench_database() as url, service(url) as server:
        status, _ = register(server.base, "owner", "owner@example.org")
        assert status == 201, status
        taken = [("owner", f"other{i}@example.org") for i in range(args.clients)]
        result = burst(server, f"{args.clients} registrations of a taken username", taken)
        print(json.dumps(result), flush=True)
        fresh = [(f"new{i}", f"new{i}@example.org") for i in range(args.clients)]
        print(json.dumps(burst(server, f"{args.clients} registrations of new usernames", fresh)), flush=True)


# --- slow clients ------------------------------------------------------------------------------


class SlowClient(threading.Thread):
    """A socket that sends its request very slowly: a header line, or one body byte, per interval."""

    def __init__(self, port, kind, interval, stop):
        super().__init__(daemon=True)
        self.port, self.kind, self.interval, self.stop_event = port, kind, interval, stop
        self.closed_by_server = False

    def run(self):
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            return
        with sock:
            if self.kind == "headers":
                sock.sendall(b"GET /ping HTTP/1.1\r\nHost: bench\r\n")
                chunk = b"X-Slow: 1\r\n"
            else:
                sock.sendall(
                    b"POST /auth/login HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 60000\r\n\r\n"
                )
                chunk = b" "
            while not self.stop_event.wait(self.interval):
                try:
                    sock.sendall(chunk)
                except OSError:
                    self.closed_by_server = True
                    return


def slow_clients(base, port, count, seconds, interval):
    stop = threading.Event()
    clients = [SlowClient(port, "headers" if i % 2 == 0 else "body", interval, stop) for i in range(count)]
    ping = Probe(base, "/ping", timeout=5.0)
    for client in clients:
        client.start()
    time.sleep(1.0)
    ping.start()
    time.sleep(seconds)
    result = ping.stop()
    stop.set()
    for client in clients:
        client.join(timeout=5)
    result["slow_sockets"] = count
    result["closed_by_server"] = sum(client.closed_by_server for client in clients)
    return result


def run_slow(args):
    with bench_database() as url, service(url) as server:
        if args.nginx:
            from tests.live_nginx import live_nginx

            with (
                tempfile.TemporaryDirectory(prefix="urtraining-nginx-") as tmp,
                live_nginx(Path(tmp), server.port) as proxy,
            ):
                result = slow_clients(proxy.base, proxy.port, args.sockets, args.seconds, args.interval)
                result["entry"] = "nginx (deploy/nginx) in front of gunicorn"
        else:
            result = slow_clients(server.base, server.port, args.sockets, args.seconds, args.interval)
            result["entry"] = "gunicorn directly"
        print(json.dumps(result), flush=True)


# --- timing of failed logins --------------------------------------------------------------------

STALE_HASH = "scrypt:32768:8:1"  # the sample accounts' method, and werkzeug's default


def run_timing(args):
    """Failed logins, interleaved: an unknown name, a wrong password for an account with a hash of
    the configured method, and for one with a stale (cheaper) hash. Each attempt comes from its
    own X-Forwarded-For address (the server trusts one proxy) and the account-wide limit is
    raised, so no throttle interferes."""

    kinds = {"unknown name": "nobody-here", "current hash": "current", "stale hash": "stale"}
    samples = {kind: [] for kind in kinds}
    # Timing, not throttling, is measured: the account-wide limit is raised out of the way.
    throttle = {"TRUSTED_PROXY_COUNT": "1", "LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000"}
    with bench_database() as url, service(url, **throttle) as server:
        for name in ("current", "stale"):
            status, _ = register(server.base, name, f"{name}@example.org")
            assert status == 201, status
        arrange = aiosql.from_path(PROJECT_DIR / "tests" / "queries.sql", "psycopg")
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            stale_id = arrange.get_user_row(conn, username="stale")["id"]
            arrange.set_password_hash(
                conn, id=stale_id, hashed_password=generate_password_hash(PASSWORD, STALE_HASH)
            )
        for n in range(args.rounds + 1):
            for kind, name in kinds.items():
                request = urllib.request.Request(
                    server.base + "/auth/login",
                    data=json.dumps({"username": name, "password": "not-the-password"}).encode(),
                    headers={"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{n}"},
                    method="POST",
                )
                started = time.monotonic()
                try:
                    urllib.request.urlopen(request, timeout=PROBE_TIMEOUT)
                    status = 200
                except urllib.error.HTTPError as error:
                    status = error.code
                elapsed = time.monotonic() - started
                assert status == 401, (kind, status)
                if n:  # the first round warms each worker up
                    samples[kind].append(elapsed)
    result = {"hash": PRODUCTION_HASH, "stale": STALE_HASH, "rounds": args.rounds}
    for kind, seconds in samples.items():
        seconds.sort()
        result[kind] = {
            "median_s": round(statistics.median(seconds), 3),
            "min_s": round(seconds[0], 3),
            "max_s": round(seconds[-1], 3),
        }
    print(json.dumps(result), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    burst_parser = commands.add_parser("burst")
    burst_parser.add_argument("--clients", type=int, default=32)
    slow_parser = commands.add_parser("slow")
    slow_parser.add_argument("--nginx", action="store_true")
    slow_parser.add_argument("--sockets", type=int, default=64)
    slow_parser.add_argument("--seconds", type=float, default=20.0)
    slow_parser.add_argument("--interval", type=float, default=2.0)
    timing_parser = commands.add_parser("timing")
    timing_parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args(argv)
    {"burst": run_burst, "slow": run_slow, "timing": run_timing}[args.command](args)


if __name__ == "__main__":
    main()
