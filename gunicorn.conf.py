"""gunicorn settings. Every value can be overridden on the command line or by GUNICORN_* env."""

import importlib.util
import os
import subprocess
import sys

from dotenv import load_dotenv
from gunicorn import glogging

load_dotenv()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# 8 threads: logins wait for their worker's one password-hash thread (service/hashing.py); with
# 4, four logins on one worker left it no thread and /auth/me stalled (bench/RESULTS.md).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
control_socket_disable = True  # gunicorn 27 would otherwise open a socket under ~/.gunicorn
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


def _truthy(name, default):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def on_starting(server):
    """Migrate (and seed) once, in the master, before any worker forks.

    It runs init_db.py in a child process so the master never imports the app: after a
    reload (SIGHUP) the new workers must load new code, not the master's copy.
    """
    if not _truthy("AUTO_MIGRATE", "true"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    wait = os.environ.get("DB_STARTUP_WAIT_SECONDS", "30")
    result = subprocess.run(
        [sys.executable, os.path.join(here, "init_db.py"), "--wait", wait],
        cwd=here,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():  # through gunicorn's log, so these lines are JSON too
        server.log.info(line)
    if result.stderr.strip():
        server.log.error(result.stderr.rstrip())
    if result.returncode != 0:
        raise SystemExit(f"init_db.py failed with exit code {result.returncode}: not starting")


def worker_exit(server, worker):
    """Close the worker's pool so PostgreSQL sees clean disconnects."""
    app = getattr(worker, "wsgi", None)
    pool = getattr(app, "extensions", {}).get("pool") if app is not None else None
    if pool is not None:
        pool.close(timeout=5)
        server.log.info("worker %s closed its database pool", worker.pid)
