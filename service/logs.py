"""JSON log lines for the app and for gunicorn, and one line per request with a request id.

`logging_config()` is the one logging configuration: the app applies it with dictConfig, and
gunicorn.conf.py hands it to gunicorn as `logconfig_dict`, so gunicorn's own lines (start,
workers, signals) and the app's come out alike. Each line is one JSON object written by
python-json-logger: time, level, logger, pid, message, then the record's extra fields
(`extra=`). A request's line adds request_id, method, path (never the query string), status,
duration_ms, remote_addr and, when signed in, user_id. No header but X-Request-ID is read and no
body is logged, so tokens and passwords cannot reach the log.

gunicorn's master loads this file by its path and must not import the app package (after a
SIGHUP reload the workers must get new code, not the master's copy): so it imports nothing from
`service`, and Flask only inside the functions that run in a request.
"""

import logging
import logging.config
import re
import time
import uuid
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a client or proxy is kept when it is short and plain; otherwise a new one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_log = logging.getLogger("service.request")


class JsonFormatter(_LibraryJsonFormatter):
    """time, level, logger, pid and message first, then the record's extra fields."""

    def __init__(self, **kwargs):
        super().__init__(
            fmt=["asctime", "levelname", "name", "process", "message"],
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "process": "pid",
                "exc_info": "exception",
            },
            **kwargs,
        )

    def formatTime(self, record, datefmt=None):  # overrides logging.Formatter.formatTime
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class RequestIdFilter(logging.Filter):
    """Any line logged while serving a request carries that request's id."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            from flask import g, has_request_context

            if has_request_context() and "request_id" in g:
                record.request_id = g.request_id
        return True


def logging_config(level="INFO"):
    """The dictConfig of every process: JSON lines on stderr from the root logger.

    Classes are given as objects, not dotted names, so the dictionary works however this module
    was loaded (by gunicorn.conf.py from its path, or as service.logs).
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # gunicorn adds a plain-text handler of its own; without it its lines reach the
            # root's JSON handler. No level here: gunicorn's --log-level sets it.
            "gunicorn.error": {"handlers": [], "propagate": True},
            # Off unless gunicorn's accesslog is set (gunicorn.conf.py): the app's request line,
            # with its request id and never the query string, replaces it.
            "gunicorn.access": {"handlers": [], "propagate": True},
            "psycopg.pool": {"level": "WARNING"},  # it logs every checkout at INFO
        },
    }


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
    if not app.testing:  # under tests, pytest's own handlers collect the records
        logging.config.dictConfig(logging_config("DEBUG" if debug else "INFO"))
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)  # first: others may log
    app.after_request(_finish_request)
