"""Soak: ~60 s of mixed traffic from wrk against gunicorn on a fresh embedded PostgreSQL.

    python -m bench.soak [--seconds 60] [--warmup 15] [--connections 16] [--no-write]

It starts its own embedded PostgreSQL in a temporary folder (deleted at the end) and the
service under gunicorn.conf.py with the production settings, signs in a few accounts enrolled in
every sample course, warms up with the same mix, then drives the mix of bench/soak.lua (reads,
questionnaire saves, enrolments, progress, registrations, logins) for --seconds.

It fails (exit 1) on any 5xx answer, any wrk socket error (connect, read, write, timeout), a
gunicorn worker that died and was replaced, or a worker whose memory (RSS, from /proc) at the
end is more than 10% above its value after the warm-up. The figures go under "## Soak" in
bench/RESULTS.md (the rest of that file belongs to bench/run.py).

Sign-ins use PASSWORD_HASH_METHOD=pbkdf2:sha256:1000 (unless --hash says otherwise): at the
production scrypt cost two cores hash about three passwords a second, and the soak would measure
only that. bench/run.py measures the login cost itself.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "soak.lua"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "soak-password-1"  # noqa: S105 - the known password of the soak's own accounts
MEMORY_TOLERANCE = 0.10


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the measured run")
    parser.add_argument(
        "--warmup", type=int, default=15, help="length of the warm-up run before the baseline"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", default="2", help="WEB_CONCURRENCY (gunicorn.conf.py's default: 2)")
    parser.add_argument("--threads", default="8", help="GUNICORN_THREADS (gunicorn.conf.py's default: 8)")
    parser.add_argument("--accounts", type=int, default=32, help="signed-in accounts the mix uses")
    parser.add_argument("--hash", default="pbkdf2:sha256:1000", help="PASSWORD_HASH_METHOD")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    return parser.parse_args(argv)


def say(message):
    print(f"soak: {message}", flush=True)


def find_wrk():
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "soak: wrk is not installed. On Debian/Ubuntu: `sudo apt-get install -y wrk` "
            "(or build it from its sources), then run `make soak` again."
        )
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the database and the server ------------------------------------------------------------------


def start_database(folder):
    """A fresh embedded PostgreSQL in `folder`; returns its handle and a database URL on it."""
    sys.path.insert(0, str(PROJECT_DIR))
    from service.devdb import ensure_database, start_server

    server = start_server(folder / "pgdata")
    return server, ensure_database(server.get_uri(), "urtraining_soak")


def start_gunicorn(database_url, args, log_path):
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": args.workers,
        "GUNICORN_THREADS": args.threads,
        "PASSWORD_HASH_METHOD": args.hash,
        "SEED_SAMPLE_DATA": "true",  # the sample courses; their accounts are never used here
        "ALLOW_SAMPLE_DATA_IN_PRODUCTION": "true",
    }
    for name in ("DEBUG", "TESTING"):
        env.pop(name, None)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"soak: gunicorn exited with {process.returncode}; see {log_path}")
        try:
            if call(base, "GET", "/ping")[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"soak: gunicorn did not answer; see {log_path}")


def stop_gunicorn(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _expect(answer, *statuses):
    if answer[0] not in statuses:
        raise SystemExit(f"soak: set-up request answered {answer[0]}: {answer[1]}")
    return answer[1]


def prepare_accounts(base, count, folder):
    """Sign in `count` new accounts, enrolled in every course; write the wrk input files."""
    courses = _expect(call(base, "GET", "/api/courses?limit=100"), 200)["courses"]
    course_ids = [course["id"] for course in courses]
    if not course_ids:
        raise SystemExit("soak: the database has no courses to enrol in")
    lines = []
    for number in range(1, count + 1):
        username = f"soakuser{number}"
        body = {
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.org",
            "full_name": "Soak",
        }
        _expect(call(base, "POST", "/auth/register", body), 201)
        token = _expect(call(base, "POST", "/auth/login", {"username": username, "password": PASSWORD}), 200)[
            "access_token"
        ]
        for course_id in course_ids:
            _expect(call(base, "POST", f"/api/courses/{course_id}/enroll", token=token), 201)
        lines.append(f"{username} {token}")
    tokens_file = folder / "accounts.txt"
    tokens_file.write_text("\n".join(lines) + "\n")
    courses_file = folder / "courses.txt"
    courses_file.write_text("\n".join(map(str, course_ids)) + "\n")
    return tokens_file, courses_file


# --- load and memory ------------------------------------------------------------------------------


def run_wrk(wrk, base, args, seconds, tokens_file, courses_file, label):
    command = [
        wrk, "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{seconds}s",
        "--timeout", "10s", "-s", str(LUA_SCRIPT), base, "--",
        str(tokens_file), str(courses_file), PASSWORD, label,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("SOAK_JSON "):
            figures = json.loads(line[len("SOAK_JSON ") :])
            figures["statuses"] = {int(code): count for code, count in figures["statuses"].items()}
            return figures
    raise SystemExit(f"soak: wrk failed ({result.returncode}): {result.stderr or result.stdout}")


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return sorted(int(pid) for pid in children.read_text().split())


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def memory(master_pid):
    return {pid: rss_kib(pid) for pid in worker_pids(master_pid)}


# --- verdict and report ---------------------------------------------------------------------------


def traffic_problems(figures, run):
    problems = []
    server_errors = {code: n for code, n in figures["statuses"].items() if code >= 500}
    if server_errors:
        problems.append(f"{run}: 5xx answers {server_errors}")
    socket_errors = {kind: n for kind, n in figures["socket_errors"].items() if n}
    if socket_errors:
        problems.append(f"{run}: wrk socket errors {socket_errors}")
    return problems


def memory_problems(warm, end):
    problems = []
    if sorted(warm) != sorted(end):
        problems.append(f"workers changed during the run: {sorted(warm)} -> {sorted(end)}")
    for pid in set(warm) & set(end):
        if end[pid] > warm[pid] * (1 + MEMORY_TOLERANCE):
            problems.append(f"worker {pid} grew from {warm[pid]} KiB to {end[pid]} KiB (> 10%)")
    return problems


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    free_program = shutil.which("free")
    free = "(free is not installed)"
    if free_program:
        free = subprocess.run(
            [free_program, "-h"], capture_output=True, text=True, check=False
        ).stdout.rstrip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "free": free}


def render(args, figures, warm, end, problems, info):
    rps = figures["requests"] / figures["seconds"] if figures["seconds"] else 0
    non_2xx = {code: n for code, n in sorted(figures["statuses"].items()) if not 200 <= code < 300}
    ok = sum(n for code, n in figures["statuses"].items() if 200 <= code < 300)
    rows = "\n".join(
        f"| {pid} | {warm[pid] / 1024:.1f} | {end[pid] / 1024:.1f} | {end[pid] / warm[pid] - 1:+.1%} |"
        for pid in sorted(set(warm) & set(end))
    )
    command = f"python -m bench.soak {' '.join(sys.argv[1:])}" if sys.argv[1:] else "make soak"
    lines = [
        BEGIN,
        "## Soak",
        "",
        f"**{'PASS' if not problems else 'FAIL'}** — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command}`",
        "",
        f"- Machine: {info['nproc']} CPUs (`nproc`), {info['cpu']}, Linux {info['kernel']}",
        f"- Service: gunicorn.conf.py, {args.workers} workers x {args.threads} threads, APP_ENV=production, "
        f"PASSWORD_HASH_METHOD={args.hash}, fresh embedded PostgreSQL on a Unix socket",
        f"- Load: wrk {args.wrk_threads} threads, {args.connections} connections, bench/soak.lua's mix "
        "(25% /auth/me, 25% course list and pages, 10% questionnaire saves, 5% each enrol, progress, "
        "progress list, register, login, verify-token, /health, /ping), "
        f"{args.warmup} s warm-up, then {args.seconds} s measured",
        "",
        "| requests | req/s | 2xx | other statuses | socket errors | p50 ms | p99 ms | max ms |",
        "|---:|---:|---:|---|---|---:|---:|---:|",
        f"| {figures['requests']:,} | {rps:,.0f} | {ok:,} | {non_2xx or 'none'} | "
        f"{sum(figures['socket_errors'].values())} | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | "
        f"{figures['max_ms']:.1f} |",
        "",
        "Worker memory (RSS from /proc/<pid>/status), after the warm-up and at the end (limit +10%):",
        "",
        "| worker pid | after warm-up MiB | at the end MiB | change |",
        "|---:|---:|---:|---:|",
        rows,
        "",
    ]
    if problems:
        lines += ["Problems:", "", *[f"- {problem}" for problem in problems], ""]
    lines += ["`free -h` before the run:", "", "```", info["free"], "```", END]
    return "\n".join(lines)


def write_results(section):
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n"
    if BEGIN in text and END in text:
        text = text.split(BEGIN, 1)[0] + section + text.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS_MD.write_text(text)


def main(argv=None):
    args = parse_args(argv)
    wrk = find_wrk()
    info = machine()
    folder = Path(tempfile.mkdtemp(prefix="urtraining-soak-"))
    process = database = None
    try:
        say(f"embedded PostgreSQL in {folder}")
        database, database_url = start_database(folder)
        process, base = start_gunicorn(database_url, args, folder / "gunicorn.log")
        say(f"gunicorn on {base}; signing in {args.accounts} accounts")
        tokens_file, courses_file = prepare_accounts(base, args.accounts, folder)

        say(f"warm-up: {args.warmup} s")
        warmup = run_wrk(wrk, base, args, args.warmup, tokens_file, courses_file, "w")
        warm = memory(process.pid)
        say(f"warm-up done: {warmup['requests']:,} requests, statuses {warmup['statuses']}; RSS KiB {warm}")

        say(f"soak: {args.seconds} s")
        figures = run_wrk(wrk, base, args, args.seconds, tokens_file, courses_file, "m")
        end = memory(process.pid)
        problems = [
            *traffic_problems(warmup, "warm-up"),
            *traffic_problems(figures, "soak"),
            *memory_problems(warm, end),
        ]
    finally:
        if process is not None:
            stop_gunicorn(process)
        if database is not None:
            database.cleanup()  # stops the embedded server
        log = folder / "gunicorn.log"
        if log.exists() and '"level": "ERROR"' in log.read_text(errors="replace"):
            say(f"gunicorn logged errors; its log is kept: {log}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    section = render(args, figures, warm, end, problems, info)
    print(section)
    if not args.no_write:
        write_results(section)
        say(f"figures written to {RESULTS_MD.relative_to(PROJECT_DIR)}")
    if problems:
        say("FAIL: " + "; ".join(problems))
        return 1
    say("PASS: no 5xx, no socket errors, no worker restarted, worker memory within 10% of the warm-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
