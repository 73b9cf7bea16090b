"""Variants of the service for A/B runs (python -m bench.run --wsgi 'bench.variants:create("name")').

Each variant changes one thing in this process only, so that a change can be measured against
the unchanged service in the same conditions before it is made for real. (The results tagged
*-nicehash measured what is now service/hashing.py.)
"""

import select

from psycopg_pool import ConnectionPool

from service import create_app, db


def _quiet_socket_check(conn):
    """Skip the empty-query round trip unless something arrived on the idle connection."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):
        ConnectionPool.check_connection(conn)


def _prepare_at_once(config):
    pool = _original_create_pool(config)
    pool.kwargs["prepare_threshold"] = 0
    return pool


_original_create_pool = db.create_pool


class _NoSessionInterface:
    """Flask's cookie session is never used by this API; skip opening and saving it."""

    def open_session(self, app, request):
        return None

    def make_null_session(self, app):
        return None

    def is_null_session(self, obj):
        return True

    def save_session(self, app, session, response):
        return None


def _orjson(app):
    import orjson
    from flask.json.provider import DefaultJSONProvider

    class OrjsonProvider(DefaultJSONProvider):
        def dumps(self, obj, **kwargs):
            return orjson.dumps(obj, default=self.default).decode()

    app.json = OrjsonProvider(app)


def _inline_hashing():
    """Hash on the request thread (as before service/hashing.py)."""
    from werkzeug import security as werkzeug_security

    from service import security

    security.check_password_hash = werkzeug_security.check_password_hash
    security.generate_password_hash = werkzeug_security.generate_password_hash


def create(name="baseline", config=None):
    """The app with the named variant applied ("+"-separated names combine)."""
    names = set(name.split("+"))
    if "quiet_check" in names:
        db.ConnectionPool = type(
            "QuietPool", (ConnectionPool,), {"check_connection": staticmethod(_quiet_socket_check)}
        )
    if "inline_hash" in names:
        _inline_hashing()
    if "prepare0" in names:
        db.create_pool = _prepare_at_once
    app = create_app(config)
    if "no_session" in names:
        app.session_interface = _NoSessionInterface()
    if "orjson" in names:
        _orjson(app)
    return app
