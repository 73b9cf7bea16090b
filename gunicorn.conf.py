"""gunicorn settings. Every value can be overridden on the command line or by GUNICORN_* env."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import gunicorn.util
from dotenv import load_dotenv
from gunicorn import glogging

load_dotenv()

HERE = os.path.dirname(os.path.abspath(__file__))
# gunicorn.pid (for `make reload`: kill -HUP "$(cat .run/gunicorn.pid)") and the query snapshots.
RUN_DIR = os.path.abspath(os.environ.get("RUN_DIR") or os.path.join(HERE, ".run"))
os.makedirs(RUN_DIR, exist_ok=True)
pidfile = os.path.join(RUN_DIR, "gunicorn.pid")
SQL_SNAPSHOTS = os.path.join(RUN_DIR, "sql-snapshots")

# prometheus_client's multiprocess mode (service/metrics.py): every worker writes its metrics
# to files in this folder, and GET /metrics adds them up. It must be in the environment before
# any process imports the library, so it is set here, when the master reads this file; the
# workers inherit it. Each master gets a folder of its own unless one is given.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="urtraining-metrics-")
    os.environ["URTRAINING_METRICS_DIR_IS_TEMPORARY"] = "1"

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# 8 threads: logins wait for their worker's hash threads (service/hashing.py, one per core); with
# 4, four logins on one worker left it no thread and /auth/me stalled (bench/RESULTS.md).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
control_socket_disable = True  # gunicorn 27 would otherwise open a socket under ~/.gunicorn
# What gunicorn reads before the app sees a request. Behind nginx (deploy/nginx) nginx refuses
# more first (request line or a header over 8 KiB); these are the limits when gunicorn is
# reached directly: a request line up to 8190 bytes (gunicorn's maximum, so whatever nginx
# passes is read), at most 100 header fields of at most 8190 bytes each.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs one JSON line per request (service/logs.py: request id, method, path without
# the query string, status, duration; never a header or a body), so gunicorn's access log is off
# and its own lines (start, workers, signals) go through the same JSON configuration.
accesslog = None
errorlog = "-"


def _logs_module():
    """service/logs.py loaded by its path: the master must not import the app package."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "service", "logs.py")
    spec = importlib.util.spec_from_file_location("_urtraining_logs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


logconfig_dict = _logs_module().logging_config()


class Logger(glogging.Logger):
    """gunicorn's logger, building access lines only when asked to (`accesslog`).

    With a logconfig_dict gunicorn would build one for every request (about 40 microseconds of
    CPU here), only for the line to be dropped: the app's request line replaces it.
    """

    @property
    def access_log_enabled(self):
        return bool(self.cfg.accesslog)


logger_class = Logger

# gunicorn answers a request it cannot read (bad request line, too long a line, too many or too
# large headers, a broken chunk) itself, before the app: in HTML by default. These answers get
# the service's JSON error body instead. Set here, in the master, so every worker has it.
GUNICORN_ERROR_DETAILS = {
    400: "The request could not be read as HTTP",
    414: "Request line is too long (at most 8190 bytes)",
    431: "Too many or too large request header fields",
    500: "Internal server error",
}


def _write_json_error(sock, status_int, reason, mesg):
    detail = GUNICORN_ERROR_DETAILS.get(status_int, reason)
    body = json.dumps({"detail": detail, "status": status_int}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin1") + body)


gunicorn.util.write_error = _write_json_error


def _truthy(name, default):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _child_env():
    """The environment of the master's helper processes, without the metrics folder: they import
    the app but serve nothing, and files of theirs would be counted in /metrics until restart."""
    return {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}


class QueryFilesRefused(Exception):
    """The sql/ folder has a problem; the message names each file and query."""


def _start_snapshot():
    """Validate SQL_DIR and copy it to a new snapshot (service/sqlfiles.py) in a child process:
    the master never imports the app. Returns the running child."""
    return subprocess.Popen(
        [
            sys.executable,
            *("-m", "service.sqlfiles", "snapshot", "--into", SQL_SNAPSHOTS),
            *("--keep", os.environ.get("SQL_SNAPSHOT_DIR", "")),
        ],
        cwd=HERE,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _snapshot_path(child):
    """The new snapshot's path, once the child is done; QueryFilesRefused naming file and query."""
    try:
        stdout, stderr = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise QueryFilesRefused("checking the query files took more than 120 s") from None
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        raise QueryFilesRefused("; ".join(lines) or stderr.strip()[-2000:])
    return lines[-1]


def on_starting(server):
    """Before any worker forks: empty the metrics folder, check and snapshot the query files, and
    migrate (and seed) once.

    Both run in child processes (side by side, to start sooner) so the master never imports the
    app: after a reload (SIGHUP) the new workers must load new code, not the master's copy. A
    query file that does not load (or parse, or no longer has a query the code calls) stops the
    start, naming file and query.
    """
    _empty_metrics_folder()
    snapshot = _start_snapshot()
    try:
        _migrate(server)
    finally:
        try:
            os.environ["SQL_SNAPSHOT_DIR"] = _snapshot_path(snapshot)
        except QueryFilesRefused as refused:
            raise SystemExit(f"sql: not starting, the query files have a problem: {refused}") from None
    server.log.info("sql: workers load the queries from %s", os.environ["SQL_SNAPSHOT_DIR"])


def _migrate(server):
    """Apply pending migrations (and the sample data) with init_db.py, unless AUTO_MIGRATE=false."""
    if not _truthy("AUTO_MIGRATE", "true"):
        return
    here = HERE
    wait = os.environ.get("DB_STARTUP_WAIT_SECONDS", "30")
    result = subprocess.run(
        [sys.executable, os.path.join(here, "init_db.py"), "--wait", wait],
        cwd=here,
        env=_child_env(),
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():  # through gunicorn's log, so these lines are JSON too
        server.log.info(line)
    if result.stderr.strip():
        server.log.error(result.stderr.rstrip())
    if result.returncode != 0:
        raise SystemExit(f"init_db.py failed with exit code {result.returncode}: not starting")


def on_reload(server):
    """SIGHUP (`make reload`), before the new workers fork: a good SQL_DIR becomes their snapshot;
    a bad one is logged, naming file and query, and the last good snapshot stays in use, by these
    workers and by every worker started later (after a timeout, a crash or a kill)."""
    try:
        os.environ["SQL_SNAPSHOT_DIR"] = _snapshot_path(_start_snapshot())
    except QueryFilesRefused as refused:
        server.log.error(
            "sql: reload refused, still serving the last good queries (%s): %s",
            os.environ.get("SQL_SNAPSHOT_DIR"),
            refused,
        )
        return
    server.log.info("sql: reloaded; new workers load the queries from %s", os.environ["SQL_SNAPSHOT_DIR"])


def _empty_metrics_folder():
    """Metrics of an earlier run (pids that may be reused) must not be added to this one's."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db"):
        path.unlink(missing_ok=True)


def _extensions(worker):
    app = getattr(worker, "wsgi", None)
    return getattr(app, "extensions", None) or {}


def post_worker_init(worker):
    """Start the worker's cleanup scheduler (service/housekeeping.py) once the app is loaded."""
    scheduler = _extensions(worker).get("cleanup_scheduler")
    if scheduler is not None:
        scheduler.start()


def worker_exit(server, worker):
    """Stop the cleanup scheduler, then close the worker's pool so PostgreSQL sees clean disconnects."""
    scheduler = _extensions(worker).get("cleanup_scheduler")
    if scheduler is not None:
        scheduler.stop(timeout=5)
    pool = _extensions(worker).get("pool")
    if pool is not None:
        pool.close(timeout=5)
        server.log.info("worker %s closed its database pool", worker.pid)


def child_exit(server, worker):
    """A worker is gone: its live gauges (pool in use, waiting) no longer count in /metrics."""
    from prometheus_client import multiprocess  # here, in the master, only after the variable is set

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("URTRAINING_METRICS_DIR_IS_TEMPORARY"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
