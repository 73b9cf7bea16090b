"""One error shape for every failure: {"detail": str, "status": int, "errors"?: {field: [msg]}}."""

import logging

import marshmallow as ma
import psycopg
from flask import current_app, jsonify, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from service import db
from service.openapi import ServiceMarshmallowPlugin

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


class ErrorSchema(ma.Schema):
    detail = ma.fields.String(required=True, metadata={"description": "One sentence for a person"})
    status = ma.fields.Integer(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Problems per field"},
    )


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
    return {"Retry-After": str(current_app.config["SERVICE_CONFIG"].RETRY_AFTER_SECONDS)}


def _header(description):
    return {"description": description, "required": True, "schema": {"type": "string"}}


RETRY_AFTER = {"Retry-After": _header("Seconds to wait before trying again")}

# The OpenAPI response components errors are documented with: status → (name, description, headers).
# Views refer to them by name, e.g. @blp.alt_response(409, response="CONFLICT").
ERROR_RESPONSES = {
    400: ("BAD_REQUEST", "The body is not valid JSON or not a JSON object, or the request was refused", None),
    401: (
        "UNAUTHORIZED",
        "Missing, invalid, expired or revoked token (or wrong credentials at login)",
        {"WWW-Authenticate": _header("Always `Bearer`")},
    ),
    403: ("FORBIDDEN", "Authenticated, but not allowed (e.g. admins only)", None),
    404: ("NOT_FOUND", "No such resource, or one the caller may not see", None),
    409: ("CONFLICT", "Conflicts with existing data (e.g. a username, email or title already taken)", None),
    413: ("PAYLOAD_TOO_LARGE", "The request body is larger than the service accepts", None),
    415: ("UNSUPPORTED_MEDIA_TYPE", "The body is not sent as application/json", None),
    422: ("UNPROCESSABLE_ENTITY", "Validation failed; `errors` names each field's problems", None),
    429: ("TOO_MANY_REQUESTS", "Too many failed attempts; wait `Retry-After` seconds", RETRY_AFTER),
    503: (
        "SERVICE_UNAVAILABLE",
        "The database is unavailable; retry after `Retry-After` seconds",
        RETRY_AFTER,
    ),
}


class ServiceApi(Api):
    """flask-smorest's Api with our error body for every HTTP exception."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *, marshmallow_plugin=None, **kwargs):
        super()._init_spec(marshmallow_plugin=marshmallow_plugin or ServiceMarshmallowPlugin(), **kwargs)

    def _register_responses(self):
        """flask-smorest's response components, with ours (error body, headers) for the errors we give."""
        super()._register_responses()
        named = {name: (description, headers) for name, description, headers in ERROR_RESPONSES.values()}
        named["DEFAULT_ERROR"] = ("Any other error, in the same shape", None)
        for name, (description, headers) in named.items():
            response = {"description": description, "schema": self.ERROR_SCHEMA}
            if headers:
                response["headers"] = headers
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(name, response, lazy=True)

    def handle_http_exception(self, error):
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
    @app.before_request
    def refuse_oversized_bodies():
        """413 from the declared length, also on routes that never read their body."""
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            abort(413, f"Request body is too large (at most {limit} bytes)")

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
