"""The Blueprint class every resource shares: our JSON body parser, and its errors documented.

A view marked by service.security's login_required / admin_required (`requires_sign_in`) is
documented here with the bearer token and its 401 (and 403) answers.
"""

import json

import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from service.api.spec import BEARER_SECURITY, ERROR_RESPONSES
from service.errors import abort
from service.security import check_pending_session

# Errors any operation with a JSON body can give, and endpoints that never touch the database
# (every other operation may answer 503).
BODY_ERRORS = (400, 413, 415, 422)
NO_DATABASE = {"health.ping", "health.liveness"}


class JsonBodyParser(FlaskParser):
    """Answer 415 for a non-JSON body and 400 for JSON that is not an object.

    webargs would treat both as a missing body and report misleading "Missing data" errors.
    Only routes that take a JSON body read it, so an empty body is a 400 here as well (routes
    without a body never get this far and ignore one, whatever its Content-Type).
    Unknown query parameters are refused (422 naming them), like unknown body fields: a
    misspelt filter must not silently return everything.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas = {}

    def _get_schema(self, argmap, req):
        """One instance per schema class, made once: webargs would build one on every request
        (~50 µs). A marshmallow schema keeps no state between loads, so threads can share it."""
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def parse(self, *args, **kwargs):
        try:
            return super().parse(*args, **kwargs)
        except HTTPException:
            # A view whose read checks the session (login_required_with_read) has not run it
            # yet: check it now, so that 401 (and 403) still come before a validation error.
            check_pending_session()
            raise

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if not raw.strip():
            abort(400, "Request body is required: send a JSON object")
        if not is_json_request(req):
            abort(415, "Request body must be JSON: send Content-Type: application/json")
        try:
            data = core.parse_json(raw)
        except json.JSONDecodeError:
            raise  # webargs answers it through _handle_invalid_json_error
        except (RecursionError, ValueError):  # nesting too deep, or an integer of thousands of digits
            abort(
                400, "Request body is JSON this service cannot read: too deeply nested or too long a number"
            )
        if not isinstance(data, dict):
            abort(400, "Request body must be a JSON object")
        try:  # JSON may escape a lone surrogate ("\\ud800"): no UTF-8 text, so unstorable and unhashable
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            abort(400, "Request body has text that is not valid Unicode (an unpaired surrogate escape)")
        return data

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, "Request body is not valid JSON")


def _add_error_docs(apidoc, statuses):
    """Document named error responses (service/errors.py) in a view's apidoc, keeping any given."""
    responses = apidoc.setdefault("response", {}).setdefault("responses", {})
    for status in statuses:
        responses.setdefault(status, [ERROR_RESPONSES[status][0]])
    apidoc["response"]["responses"] = dict(sorted(responses.items(), key=lambda item: int(item[0])))


def _has_json_body(apidoc):
    parameters = apidoc.get("arguments", {}).get("parameters", [])
    return any(parameter["in"] == "json" for parameter in parameters)


class Blueprint(flask_smorest.Blueprint):
    """Our JSON body parser, and the errors each operation can give documented in one place.

    An operation with a JSON body can answer 400/413/415/422, one with a path parameter 404,
    one that uses the database 503, one that needs a token 401 (and 403 for admins only); other
    errors (409, 429, a semantic 400) are declared per view with @blp.alt_response.
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, **kwargs):
        super().add_url_rule(rule, endpoint, view_func, **kwargs)
        endpoint = self._endpoints[-1]
        sign_in = getattr(view_func, "requires_sign_in", None)
        for method, apidoc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            statuses = [*BODY_ERRORS] if _has_json_body(apidoc) else []
            if sign_in:
                statuses += [401, 403] if sign_in == "admin" else [401]
                apidoc.setdefault("manual_doc", {}).setdefault("security", BEARER_SECURITY)
            if "<" in rule:
                statuses.append(404)
            if f"{self.name}.{endpoint}" not in NO_DATABASE:
                statuses.append(503)
            _add_error_docs(apidoc, statuses)
