"""UrTraining service: create_app() builds one app from a Config."""

from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from service import cli, db, errors, housekeeping, logs, metrics
from service.api import admin, auth, courses, health, profiles, progress, sessions, users  # noqa: F401
from service.api import metrics as metrics_api
from service.api.spec import init_api
from service.config import Config
from service.http_semantics import ServiceFlask

# One blueprint per URL prefix. api/sessions.py and api/profiles.py add their routes to auth's.
BLUEPRINTS = (health.blp, auth.blp, users.blp, courses.blp, progress.blp, admin.blp)


def create_app(config=None):
    config = config or Config()
    config.check_production_safety()

    app = ServiceFlask(__name__)
    app.config.update(config.flask_settings())
    app.config["SERVICE_CONFIG"] = config
    app.json.sort_keys = False
    logs.init_app(app, debug=config.DEBUG)
    if config.TRUSTED_PROXY_COUNT:  # behind load balancers: the client's address and scheme
        count = config.TRUSTED_PROXY_COUNT
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    metrics.init_app(app)  # before db: its teardown then runs after the connection is returned
    db.init_app(app, config)
    housekeeping.init_app(app)
    init_api(app, BLUEPRINTS)
    metrics_api.init_app(app)
    errors.register_error_handlers(app)
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
