"""UrTraining service: create_app() builds one app from a Config."""

import os

import flask_swagger_ui
from flask import send_from_directory
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from service import cli, db, errors
from service import logging as request_logging
from service.api import admin, auth, courses, health, profiles, progress, sessions, users
from service.config import Config
from service.http_semantics import ServiceFlask

# Swagger UI ships in the flask-swagger-ui package: served from there, /docs needs no network.
SWAGGER_UI_DIST = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")


BLUEPRINTS = (
    health.blp,
    auth.blp,
    sessions.blp,
    users.blp,
    profiles.blp,
    courses.blp,
    progress.blp,
    admin.blp,
)

API_DESCRIPTION = """Accounts, training questionnaires, courses and progress for UrTraining.

**Sign in** with `POST /auth/login`, then send `Authorization: Bearer <access_token>` (in these docs:
*Authorize*). Bodies are JSON (`Content-Type: application/json`); unknown body fields and unknown
query parameters are refused with 422 naming them, and so is text containing NUL (`\\u0000`).

**Every error** has the same JSON body: `{"detail": "<one sentence>", "status": <code>, "errors"?:
{"<field>": ["<message>"]}}` — also 404 for an unknown path, 405 for a wrong method (with `Allow`)
and 413 for any request body over the size limit, on every route. 401 carries
`WWW-Authenticate: Bearer`; 429 and 503 carry `Retry-After`.
"""


def create_app(config=None):
    config = config or Config()
    config.check_production_safety()

    app = ServiceFlask(__name__)
    app.config.update(config.flask_settings())
    app.config["SERVICE_CONFIG"] = config
    app.json.sort_keys = False
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": API_DESCRIPTION},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
    request_logging.init_app(app, debug=config.DEBUG)
    if config.TRUSTED_PROXY_COUNT:  # behind load balancers: the client's address and scheme
        count = config.TRUSTED_PROXY_COUNT
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    db.init_app(app, config)
    api = errors.ServiceApi(app)
    errors.register_error_handlers(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    _serve_swagger_assets(app)
    if config.CORS_ORIGINS:
        CORS(
            app,
            origins=config.CORS_ORIGINS,
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID"],
            max_age=600,
        )
    cli.init_app(app)
    return app


def _serve_swagger_assets(app):
    """Swagger UI's files from the installed flask-swagger-ui package: /docs works offline."""

    @app.get("/docs/assets/<path:filename>")
    def swagger_asset(filename):
        return send_from_directory(SWAGGER_UI_DIST, filename, max_age=3600)
