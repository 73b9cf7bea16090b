"""gunicorn settings. Every value can be overridden on the command line or by GUNICORN_* env."""

import importlib.util
import json
import os
import subprocess
import sys

import gunicorn.util
from dotenv import load_dotenv
from gunicorn.glogging import Logger

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
# What gunicorn reads before the app sees a request. Behind nginx (deploy/nginx) nginx refuses
# more first (request line or a header over 8 KiB); these are the limits when gunicorn is
# reached directly: a request line up to 8190 bytes (gunicorn's maximum, so whatever nginx
# passes is read), at most 100 header fields of at most 8190 bytes each.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs one JSON line per request (service/logging.py: request id, method, path without
# the query string, status, duration; never a header or a body), so gunicorn's access log is off
# and its own lines (start, workers, signals) are JSON too.
accesslog = None
errorlog = "-"


def _json_formatter():
    """service/logging.py's formatter, loaded by path: the master must not import the app."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "service", "logging.py")
    spec = importlib.util.spec_from_file_location("_urtraining_log_format", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.JsonFormatter()


class JsonLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        formatter = _json_formatter()
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)


logger_class = JsonLogger

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
