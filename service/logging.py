"""JSON log lines, and one line per request with a request id.

Every line is one JSON object: time, level, logger, message, plus fields of the record
(`extra=`). A request's line adds request_id, method, path (never the query string), status,
duration_ms, remote_addr and, when signed in, user_id. No header but X-Request-ID is read,
and no body is logged, so tokens and passwords cannot reach the log.

gunicorn.conf.py loads this file by its path for gunicorn's own lines (the master must not
import the app package), so the formatter part uses only the standard library.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a client or proxy is kept when it is short and plain; otherwise a new one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_log = logging.getLogger("service.request")

_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StderrHandler(logging.Handler):
    """Writes to the current sys.stderr (test runners swap it), one JSON line per record."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(_add_request_id)

    def emit(self, record):
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _add_request_id(record):
    """Any line logged while serving a request carries that request's id."""
    if not hasattr(record, "request_id"):
        from flask import g, has_request_context

        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
    return True


def configure_logging(debug=False):
    """JSON lines on stderr from the root logger; installed once per process."""
    root = logging.getLogger()
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        root.addHandler(StderrHandler())
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)  # it logs every checkout at INFO


def incoming_request_id(value):
    """The client's X-Request-ID when it is sane, else a fresh one."""
    if value and SAFE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _start_request():
    from flask import g, request

    g.request_started = time.perf_counter()
    g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))


def _finish_request(response):
    from flask import g, request

    if "request_id" not in g:  # a request that failed before the first hook ran
        _start_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    fields = {
        "request_id": g.request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "remote_addr": request.remote_addr,
    }
    user = g.get("current_user")
    if user:
        fields["user_id"] = user["id"]
    request_log.info("request", extra=fields)
    return response


def init_app(app, debug=False):
    if not app.testing:  # under tests, pytest collects the records itself
        configure_logging(debug)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)  # first: others may log
    app.after_request(_finish_request)
