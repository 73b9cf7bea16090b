"""Response bodies that PostgreSQL built, sent as they are.

A read route's named query returns its answer as JSON text in the API's shape (the shapes are
SQL functions of migration 0015, e.g. api_user). The view sends that text unchanged: it is not
parsed and dumped again in Python. `@blp.response(200, Schema)` still documents the answer, and
tests/test_json_bodies.py checks what each such query returns against that schema.
"""

import json

from flask import current_app


def json_body(text, status=200):
    """A JSON response whose body is `text`, JSON that PostgreSQL built."""
    return current_app.response_class(f"{text}\n", status=status, mimetype="application/json")


def json_envelope(status=200, **members):
    """A JSON object of plain values and JSON texts (members given as RawJSON), in that order.

    For an answer that wraps a body PostgreSQL built, e.g. {"message": ..., "training_profile": ...}.
    """
    parts = (
        f"{json.dumps(name)}: {value.text if isinstance(value, RawJSON) else json.dumps(value)}"
        for name, value in members.items()
    )
    return json_body("{" + ", ".join(parts) + "}", status)


class RawJSON:
    """JSON text to put into json_envelope as it is."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = "null" if text is None else text
