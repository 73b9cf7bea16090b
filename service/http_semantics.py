"""The Flask class of the service: HTTP details Flask leaves open, answered our way."""

import logging

from flask import Flask, jsonify, request
from flask.sessions import SessionInterface

from service.errors import abort

log = logging.getLogger(__name__)


class NoCookieSessions(SessionInterface):
    """The API keeps no state in cookies (clients send bearer tokens): Flask's signed-cookie session
    is never opened, which saved building a cookie serializer on every request (~15 µs)."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


class ServiceFlask(Flask):
    """Flask, with three answers made consistent with the rest of the API, and no cookie session.

    - A body over MAX_CONTENT_LENGTH is a 413 from its declared length, before any view runs,
      also on routes that never read their body.
    - OPTIONS (not only a CORS preflight) answers in JSON too: clients call response.json() on
      every answer, so it gets {"allow": [...]} besides the Allow header.
    - A teardown function that fails is logged, not raised: the response is already made, and an
      exception escaping the app would reach the client as the WSGI server's own HTML 500.
    """

    session_interface = NoCookieSessions()

    def preprocess_request(self):
        limit = self.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            abort(413, f"Request body is too large (at most {limit} bytes)")
        return super().preprocess_request()

    def make_default_options_response(self):
        default = super().make_default_options_response()
        response = jsonify({"allow": sorted(default.allow)})
        response.headers["Allow"] = default.headers["Allow"]
        return response

    def do_teardown_request(self, *args, **kwargs):
        try:
            super().do_teardown_request(*args, **kwargs)
        except Exception:
            log.exception("a request teardown function failed")

    def do_teardown_appcontext(self, *args, **kwargs):
        try:
            super().do_teardown_appcontext(*args, **kwargs)
        except Exception:
            log.exception("an app context teardown function failed")
