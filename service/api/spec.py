"""The OpenAPI side of the API: flask-smorest's Api, the documented error responses, /docs.

What the document says beyond what apispec derives from the marshmallow schemas lives here:
the error body and its named response components, a schema's OPENAPI_EXTRA, the description,
and Swagger UI's files served from the installed flask-swagger-ui package (so /docs works offline).
"""

import os

import flask_swagger_ui
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from flask import send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from service.errors import http_exception_response

SWAGGER_UI_DIST = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
BEARER_SECURITY = [{"bearerAuth": []}]

API_DESCRIPTION = """Accounts, training questionnaires, courses and progress for UrTraining.

**Sign in** with `POST /auth/login`, then send `Authorization: Bearer <access_token>` (in these docs:
*Authorize*). Bodies are JSON (`Content-Type: application/json`); unknown body fields and unknown
query parameters are refused with 422 naming them, and so is text containing NUL (`\\u0000`).
Emails and full names are NFKC-normalised and refused (422) when they hold invisible characters
or mix letters of different scripts within a word (look-alikes such as a Cyrillic a, U+0430, among Latin
letters). Ids in paths and integers in query strings are ASCII digits only.

**Every error** has the same JSON body: `{"detail": "<one sentence>", "status": <code>, "errors"?:
{"<field>": ["<message>"]}}` — also 404 for an unknown path, 405 for a wrong method (with `Allow`)
and 413 for any request body over the size limit, on every route. 401 carries
`WWW-Authenticate: Bearer`; 429 and 503 carry `Retry-After`.
"""

# Tags of routes grouped by job rather than by blueprint (they live on the /auth blueprint).
EXTRA_TAGS = (
    {"name": "sessions", "description": "The caller's sessions"},
    {"name": "profiles", "description": "The caller's training questionnaire"},
)

SPEC_OPTIONS = {
    "info": {"description": API_DESCRIPTION},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
}


class ErrorSchema(ma.Schema):
    detail = ma.fields.String(required=True, metadata={"description": "One sentence for a person"})
    status = ma.fields.Integer(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Problems per field"},
    )


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
    429: (
        "TOO_MANY_REQUESTS",
        "Too many failed attempts (or registrations from this address); wait `Retry-After` seconds",
        RETRY_AFTER,
    ),
    503: (
        "SERVICE_UNAVAILABLE",
        "The database is unavailable, or (routes that check or set a password) too many password "
        "checks are in progress; retry after `Retry-After` seconds",
        RETRY_AFTER,
    ),
}


class _Converter(OpenAPIConverter):
    def schema2jsonschema(self, schema):
        """A schema's OPENAPI_EXTRA (e.g. {"minProperties": 1}) is added to its JSON Schema."""
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(resolve_schema_instance(schema), "OPENAPI_EXTRA", {}))
        return jsonschema


class ServiceMarshmallowPlugin(MarshmallowPlugin):
    Converter = _Converter


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
        return http_exception_response(error)


def init_api(app, blueprints):
    """The Api with every blueprint registered, and Swagger UI's files for /docs."""
    app.config["API_SPEC_OPTIONS"] = SPEC_OPTIONS
    api = ServiceApi(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    for tag in EXTRA_TAGS:
        api.spec.tag(tag)

    @app.get("/docs/assets/<path:filename>")
    def swagger_asset(filename):
        return send_from_directory(SWAGGER_UI_DIST, filename, max_age=3600)

    return api
