"""The blueprints, and the Blueprint class they share (our JSON body parser)."""

import json

import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from service.errors import abort


class JsonBodyParser(FlaskParser):
    """Answer 415 for a non-JSON body and 400 for JSON that is not an object.

    webargs would treat both as a missing body and report misleading "Missing data" errors.
    An empty body counts as missing whatever its Content-Type (browser clients send one).
    """

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if not raw.strip():
            return core.missing
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


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
