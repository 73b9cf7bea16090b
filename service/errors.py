"""One error shape for every failure: {"detail": str, "status": int, "errors"?: {field: [msg]}}.

The body, and the mapping of failures to it: HTTP exceptions by their status, database errors
by class (a unique violation is a 409, an unusable database a 503 with Retry-After, ...).
"""

import logging

import psycopg
from flask import jsonify
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from service import db
from service.config import settings

log = logging.getLogger(__name__)

# A unique constraint's name → what a person should read when it is violated.
CONFLICT_MESSAGES = {
    "users_username_key": "Username already registered",
    "users_username_lower_key": "Username already registered",
    "users_email_key": "Email already registered",
    "courses_active_title_key": "An active course with this title already exists",
}

DEFAULT_DETAILS = {
    400: "The request could not be processed.",
    401: "Not authenticated",
    403: "You do not have permission to do this",
    404: "Not found",
    405: "Method not allowed for this URL",
    409: "This conflicts with existing data",
    413: "Request body is too large",
    415: "Request body must be JSON (Content-Type: application/json)",
    422: "Validation failed",
    429: "Too many requests; try again later",
    500: "Internal server error",
    503: "The database is unavailable; try again shortly",
}


class ApiError(HTTPException):
    """An HTTP error with a detail for people, optional per-field errors and headers."""

    def __init__(self, status, detail=None, errors=None, headers=None):
        super().__init__(description=detail)
        self.code = status
        self.detail = detail or DEFAULT_DETAILS.get(status, "Error")
        self.errors = errors
        self.extra_headers = headers or {}


def abort(status, detail=None, errors=None, headers=None):
    raise ApiError(status, detail, errors, headers)


def unauthorized(detail="Could not validate credentials"):
    abort(401, detail, headers={"WWW-Authenticate": "Bearer"})


def _flatten(messages):
    """webargs nests errors by location ({"json": {...}}); clients want {field: [msg]}."""
    flat = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            for field, field_errors in location_errors.items():
                flat[str(field)] = _as_strings(field_errors)
        else:
            flat["_schema"] = _as_strings(location_errors)
    return flat


def _as_strings(value):
    if isinstance(value, dict):
        return [f"{key}: {msg}" for key, msgs in value.items() for msg in _as_strings(msgs)]
    if isinstance(value, (list, tuple)):
        return [msg for item in value for msg in _as_strings(item)]
    return [str(value)]


def _summary(errors):
    field, messages = next(iter(errors.items()))
    first = messages[0] if messages else "invalid"
    if field == "_schema":
        return first
    more = len(errors) - 1
    return f"{field}: {first}" + (f" (and {more} more field{'s' if more > 1 else ''})" if more else "")


def error_response(status, detail=None, errors=None, headers=None):
    body = {"detail": detail or DEFAULT_DETAILS.get(status, "Error"), "status": status}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def retry_after_header():
    return {"Retry-After": str(settings().RETRY_AFTER_SECONDS)}


def http_exception_response(error):
    """Any HTTP exception (ours, werkzeug's, webargs' validation errors) in the one error body."""
    headers = {}
    if hasattr(error, "get_headers"):
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if isinstance(error, ApiError):
        headers.update(error.extra_headers)
        return error_response(error.code, error.detail, error.errors, headers)
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = None
    detail = data.get("message")
    if "messages" in data:
        errors = _flatten(data["messages"])
        detail = _summary(errors) if errors else None
    elif error.code in (401,):
        headers.setdefault("WWW-Authenticate", "Bearer")
    return error_response(error.code or 500, detail, errors, headers)


def register_error_handlers(app):
    @app.errorhandler(psycopg.errors.UniqueViolation)
    def unique_violation(exc):
        name = getattr(exc.diag, "constraint_name", None)
        return error_response(409, CONFLICT_MESSAGES.get(name, DEFAULT_DETAILS[409]))

    @app.errorhandler(pg_errors.CheckViolation)
    @app.errorhandler(pg_errors.StringDataRightTruncation)
    @app.errorhandler(pg_errors.NumericValueOutOfRange)
    def invalid_value(exc):
        name = getattr(exc.diag, "constraint_name", None) or "value"
        return error_response(422, f"The database refused a value ({name})")

    @app.errorhandler(psycopg.DataError)
    def unstorable_value(exc):
        # psycopg refuses a NUL character in text before sending it: PostgreSQL text cannot hold one.
        if "NUL" in str(exc):
            return error_response(422, "Text must not contain NUL (\\u0000) characters")
        return error_response(422, "The database refused a value")

    @app.errorhandler(PoolTimeout)
    @app.errorhandler(psycopg.OperationalError)
    def database_unavailable(exc):
        log.warning("database unavailable: %s", type(exc).__name__)
        db.sweep_pool_after_failure()
        return error_response(503, headers=retry_after_header())

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error")
        return error_response(500)
