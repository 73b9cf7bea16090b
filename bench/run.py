"""Benchmark the service: fill a database, serve it under gunicorn, drive it with wrk.

    python -m bench.run [--scale 1k] [--scale 1m] [--reuse] [--seconds 5] [--repeat 3] ...

Each scale gets its own database (an embedded server under bench/.data, or the server of
BENCH_DATABASE_URL), filled once and reused with --reuse. The service runs with the production
configuration (APP_ENV=production, gunicorn.conf.py); figures land in bench/results/*.json and,
rendered, in bench/RESULTS.md and bench/results/chart.png. See bench/README.md.
"""

import argparse
import json
import os
import platform
import secrets
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
from dotenv import dotenv_values
from werkzeug.exceptions import MethodNotAllowed, NotFound

from bench import database, inprocess, load, report
from bench.routes import ROUTES, bodies, id_range, nth_request, resolve_path

BENCH_DIR = Path(__file__).resolve().parent
RUN_DIR = database.DATA_DIR / "run"
RESULTS_DIR = BENCH_DIR / "results"
ME = "GET /auth/me"
LOGIN = "POST /auth/login"
SWEEP_CONNECTIONS = (1, 2, 4, 8, 16, 32)
IDLE_BEFORE_RSS_SECONDS = 6


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", action="append", choices=sorted(database.SCALES), help="repeatable; default both"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse a database already filled to the scale")
    parser.add_argument("--seconds", type=int, default=5, help="length of each measured wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over all routes; medians are reported")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (login uses 4)")
    parser.add_argument("--workers", help="WEB_CONCURRENCY for gunicorn (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", help="GUNICORN_THREADS (default: gunicorn.conf.py's)")
    parser.add_argument("--worker-class", help="gunicorn worker class, e.g. sync (default: the conf's)")
    parser.add_argument("--wsgi", default="wsgi:app", help="the app gunicorn serves (bench/variants.py: A/B)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="extra service setting"
    )
    parser.add_argument("--only", action="append", help="run only routes whose name contains this text")
    parser.add_argument("--no-extras", action="store_true", help="skip the concurrency sweep and login mix")
    parser.add_argument("--no-sweep", action="store_true", help="skip the concurrency sweep")
    parser.add_argument("--fill-only", action="store_true", help="prepare the databases, measure nothing")
    parser.add_argument("--tag", default="main", help="name of this result set (results/<tag>-<scale>.json)")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite RESULTS.md and the chart")
    return parser.parse_args(argv)


def service_env(url, args, secret_key):
    """The production configuration, plus what the command line sets."""
    env = {key: value for key, value in dotenv_values(BENCH_DIR.parent / ".env").items() if value is not None}
    env.update(os.environ)
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secret_key,
            "SEED_SAMPLE_DATA": "false",
            "AUTO_MIGRATE": "true",
            "DATABASE_URL": url,
            # The fill leaves 95% of the sessions expired: the scheduled cleanup would be
            # deleting them in the background of the measurements.
            "CLEANUP_INTERVAL_SECONDS": "0",
        }
    )
    env.pop("DEBUG", None)
    env.pop("TESTING", None)
    if args.workers:
        env["WEB_CONCURRENCY"] = args.workers
    if args.threads:
        env["GUNICORN_THREADS"] = args.threads
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def route_exists(app, route, scale):
    path = resolve_path(route, scale).replace("{id}", "1").split("?", 1)[0]
    try:
        app.url_map.bind("localhost").match(path, method=route.method)
    except (NotFound, MethodNotAllowed):
        return False
    return True


def in_process_caller(route, scale, tokens):
    def call(client, n):
        method, path, headers, body = nth_request(route, scale, tokens, n)
        return client.open(path, method=method, headers=headers, data=body).status_code

    return call


def write_lines(path, lines):
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def wrk_for(wrk, server, route, scale, files, seconds, connections):
    return load.wrk_command(
        wrk,
        server.base,
        route.method,
        resolve_path(route, scale),
        files.get(route.auth),
        files.get(route.bodies),
        id_range(route, scale),
        seconds,
        connections,
    )


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def summarise(per_route, ping_name):
    """Medians over the rounds, and each route's ratio to /ping's rps in the same round."""
    summary = {}
    pings = per_route.get(ping_name, [])
    for name, runs in per_route.items():
        ratios = [run["rps"] / ping["rps"] for run, ping in zip(runs, pings, strict=False) if ping["rps"]]
        cpu_ratios = [
            _cpu(ping) / _cpu(run) for run, ping in zip(runs, pings, strict=False) if _cpu(run) and _cpu(ping)
        ]
        summary[name] = {
            "rps": median_of(runs, "rps"),
            "p50_ms": median_of(runs, "p50_ms"),
            "p99_ms": median_of(runs, "p99_ms"),
            "non2xx": sum(run["non2xx"] for run in runs),
            "requests": sum(run["requests"] for run in runs),
            "statuses": _merge_statuses(runs),
            "ratio_to_ping": statistics.median(ratios) if ratios else None,
            "app_cpu_ms": _median_or_none(runs, "app_cpu_ms"),
            "db_cpu_ms": _median_or_none(runs, "db_cpu_ms"),
            "cpu_ratio_to_ping": statistics.median(cpu_ratios) if cpu_ratios else None,
            "rounds": len(runs),
        }
    return summary


def _cpu(run):
    """CPU ms per request, app and database together (None when not measured)."""
    if "app_cpu_ms" not in run:
        return None
    return run["app_cpu_ms"] + run["db_cpu_ms"]


def _median_or_none(runs, key):
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def _merge_statuses(runs):
    merged = {}
    for run in runs:
        for code, count in run.get("statuses", {}).items():
            merged[code] = merged.get(code, 0) + count
    return merged


def drive(wrk, server, routes, scale, files, args):
    """Rounds over every route (warm-up first), then the /auth/me sweep and the login mix."""
    per_route = {route.name: [] for route in routes}
    for route in routes:  # warm-up: prepared statements, pools, caches
        load.run_wrk(wrk_for(wrk, server, route, scale, files, 1, route.connections or args.connections))
    for round_number in range(1, args.repeat + 1):
        for route in routes:
            connections = route.connections or args.connections
            result = load.run_wrk(
                wrk_for(wrk, server, route, scale, files, args.seconds, connections), server.cpu
            )
            result["connections"] = connections
            per_route[route.name].append(result)
            print(
                f"  [{round_number}/{args.repeat}] {route.name:<36} {result['rps']:8.1f} req/s  "
                f"p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms  non-2xx {result['non2xx']}"
                f"  cpu/req app {result.get('app_cpu_ms', 0):.2f} ms db {result.get('db_cpu_ms', 0):.2f} ms",
                flush=True,
            )
    extras = {}
    by_name = {route.name: route for route in routes}
    if not args.no_extras and ME in by_name:
        if not args.no_sweep:
            extras["me_sweep"] = sweep(wrk, server, by_name[ME], scale, files, args)
        if LOGIN in by_name:
            extras["login_mix"] = login_mix(wrk, server, by_name[ME], by_name[LOGIN], scale, files, args)
    return per_route, extras


def sweep(wrk, server, route, scale, files, args):
    rows = []
    for connections in SWEEP_CONNECTIONS:
        result = load.run_wrk(wrk_for(wrk, server, route, scale, files, args.seconds, connections))
        result["connections"] = connections
        rows.append(result)
        print(
            f"  sweep {route.name} c={connections:<3} {result['rps']:8.1f} req/s  "
            f"p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms",
            flush=True,
        )
    return rows


def login_mix(wrk, server, me, login, scale, files, args):
    """/auth/me alone, then while 4 clients log in back to back."""
    alone = load.run_wrk(wrk_for(wrk, server, me, scale, files, args.seconds, args.connections))
    logins = load.start_wrk(wrk_for(wrk, server, login, scale, files, args.seconds + 2, 4))
    time.sleep(1)
    during = load.run_wrk(wrk_for(wrk, server, me, scale, files, args.seconds, args.connections))
    login_result = load.finish_wrk(logins)
    print(
        f"  mix: /auth/me alone {alone['rps']:.1f} req/s p99 {alone['p99_ms']:.1f} ms; with 4 logins "
        f"{during['rps']:.1f} req/s p99 {during['p99_ms']:.1f} ms; logins {login_result['rps']:.1f}/s",
        flush=True,
    )
    return {"me_alone": alone, "me_during_logins": during, "logins": login_result}


def bench_scale(wrk, server_uri, scale, args, postmaster_pid=None):
    print(f"scale {scale.name}: database", flush=True)
    url, counts, fill_seconds = database.prepare(server_uri, scale, args.reuse)
    print(f"  rows: {counts}", flush=True)
    if args.fill_only:
        return None
    env = service_env(url, args, secrets.token_urlsafe(48))

    app = inprocess.make_app(env, args.wsgi)
    try:
        tokens = {
            "user": inprocess.mint_tokens(app, database.TOKEN_USERS),
            "admin": inprocess.mint_tokens(app, [1] * 8),
        }
        wanted = [r for r in ROUTES if not args.only or any(text in r.name for text in args.only)]
        routes = [r for r in wanted if route_exists(app, r, scale)]
        skipped = [r.name for r in wanted if r not in routes]
        for name in skipped:
            print(f"  skipped (no such route yet; re-run when it lands): {name}", flush=True)
        print("  counting round trips (in-process, libpq trace) ...", flush=True)
        round_trips = inprocess.count_round_trips(
            app, [(r.name, in_process_caller(r, scale, tokens)) for r in routes], per_route_counts(routes)
        )
    finally:
        app.extensions["pool"].close()

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    files = {
        "user": write_lines(RUN_DIR / "user-tokens.txt", tokens["user"]),
        "admin": write_lines(RUN_DIR / "admin-tokens.txt", tokens["admin"]),
    }
    for kind in ("profile", "progress", "login"):
        files[kind] = write_lines(RUN_DIR / f"{kind}-bodies.txt", bodies(kind))

    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    log_path = RUN_DIR / f"gunicorn-{scale.name}.log"
    with load.gunicorn(env, log_path, args.worker_class, args.wsgi, postmaster_pid) as server:
        workers = server.workers()
        print(f"  gunicorn on {server.base}, workers {workers}", flush=True)
        per_route, extras = drive(wrk, server, routes, scale, files, args)
        time.sleep(IDLE_BEFORE_RSS_SECONDS)  # let in-flight logins finish: "after" means idle
    return {
        "scale": scale.name,
        "rows": counts,
        "fill_seconds": fill_seconds,
        "started_at": started_at.isoformat(timespec="seconds"),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "config": run_config(env, args, len(workers)),
        "database": database.server_settings(url),
        "skipped": skipped,
        "round_trips": round_trips,
        "kinds": {route.name: route.kind for route in routes},
        "routes": summarise(per_route, "GET /ping"),
        "runs": per_route,
        "extras": extras,
        "rss_peak_mb": [round(v / 2**20, 1) for v in server.rss.peak.values()],
        "rss_after_mb": [round(v / 2**20, 1) for v in server.rss.last.values()],
    }


def per_route_counts(routes):
    return {route.name: route.rt_requests for route in routes}


def run_config(env, args, worker_count):
    keys = (
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "DB_POOL_MIN_SIZE",
        "DB_POOL_MAX_SIZE",
        "PASSWORD_HASH_METHOD",
    )
    return {
        "worker_class": args.worker_class or "gunicorn.conf.py default",
        "wsgi": args.wsgi,
        "workers": worker_count,
        "settings": {key: env[key] for key in keys if key in env},
        "extra_env": args.env,
        "wrk_connections": args.connections,
        "seconds": args.seconds,
        "repeat": args.repeat,
    }


def machine():
    return {
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    scales = [database.SCALES[name] for name in (args.scale or ["1k", "1m"])]
    wrk = load.ensure_wrk()
    server_uri, server = database.server_url()
    RESULTS_DIR.mkdir(exist_ok=True)
    command = shlex.join(["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)])
    for scale in scales:
        result = bench_scale(wrk, server_uri, scale, args, database.postmaster_pid(server))
        if result is None:
            continue
        result["machine"] = machine()
        result["command"] = command
        result["tag"] = args.tag
        path = RESULTS_DIR / f"{args.tag}-{scale.name}.json"
        path.write_text(json.dumps(result, indent=1, default=str) + "\n")
        print(f"  wrote {path.relative_to(BENCH_DIR.parent)}", flush=True)
    if not args.no_report and not args.fill_only:
        report.write(RESULTS_DIR, BENCH_DIR / "RESULTS.md")
        print("wrote bench/RESULTS.md and bench/results/chart.png", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
