"""The Flask class of the service: HTTP details Flask leaves open, answered our way."""

import io
import logging

from flask import Flask, jsonify, request
from flask.sessions import SessionInterface
from werkzeug.routing import IntegerConverter, Map

from service.errors import abort

log = logging.getLogger(__name__)


class NoCookieSessions(SessionInterface):
    """The API keeps no state in cookies (clients send bearer tokens): Flask's signed-cookie session
    is never opened, which saved building a cookie serializer on every request (~15 µs)."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


class AsciiIntegerConverter(IntegerConverter):
    """`<int:...>` in a URL: ASCII digits only. werkzeug's `\\d+` also matches other scripts'
    digits (fullwidth U+FF11, Arabic-Indic U+0663), which int() then reads as numbers: the
    fullwidth /api/courses/1 would be course 1."""

    regex = r"[0-9]+"


class ServiceMap(Map):
    default_converters = {**Map.default_converters, "int": AsciiIntegerConverter}


# Answers that are not kept by caches: tokens and personal data must never be stored by a
# browser or a shared cache. A route that serves something public may set its own.
NO_STORE = "no-store"


class ServiceFlask(Flask):
    """Flask, with these answers made consistent with the rest of the API, and no cookie session.

    - A body over MAX_CONTENT_LENGTH is a 413 before any view runs, also on routes that never
      read their body: from its declared length, or, sent chunked (no length), once more than
      the limit has arrived. werkzeug would cut a chunked body at the limit and use the rest.
    - Every response says `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store` unless
      it set a Cache-Control of its own.
    - Integers in URLs are ASCII digits only.
    - OPTIONS (not only a CORS preflight) answers in JSON too: clients call response.json() on
      every answer, so it gets {"allow": [...]} besides the Allow header.
    - A teardown function that fails is logged, not raised: the response is already made, and an
      exception escaping the app would reach the client as the WSGI server's own HTML 500.
    """

    session_interface = NoCookieSessions()
    url_map_class = ServiceMap

    def preprocess_request(self):
        limit = self.config.get("MAX_CONTENT_LENGTH")
        if limit is not None:
            if (request.content_length or 0) > limit:
                abort(413, f"Request body is too large (at most {limit} bytes)")
            chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
            if chunked and request.content_length is None:
                _read_chunked_body(limit)
        return super().preprocess_request()

    def process_response(self, response):
        response = super().process_response(response)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", NO_STORE)
        return response

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


def _read_chunked_body(limit):
    """Read a chunked body up to one byte past the limit: 413 when that byte came, else keep
    the body for the view as if its length had been sent."""
    environ = request.environ
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        abort(413, f"Request body is too large (at most {limit} bytes)")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    request.__dict__.pop("stream", None)  # werkzeug caches the stream it wrapped around the old input
