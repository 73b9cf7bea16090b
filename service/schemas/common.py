"""Pieces shared by several schemas."""

import marshmallow as ma
from marshmallow import validate


class MessageSchema(ma.Schema):
    message = ma.fields.String(required=True)


class StrictFloat(ma.fields.Float):
    """A JSON number only: strings such as "30" are refused (booleans already are)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: not 1, 0, "true" or "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Trimmed(ma.fields.String):
    """A string with surrounding whitespace removed before it is validated."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class LowerEmail(ma.fields.Email):
    """An email address, trimmed and lower-cased (emails are unique case-insensitively)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=255))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs).lower()


class PageQuerySchema(ma.Schema):
    """Keyset paging for lists that can grow without bound."""

    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = ma.fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{1,18}$", error="Not a cursor this service gave out."),
        metadata={"description": "Opaque cursor from a previous page's pagination.next_cursor"},
    )

    @ma.post_load
    def decode_cursor(self, data, **kwargs):
        data["after_id"] = int(data.pop("cursor") or 0)
        return data


class CursorPaginationSchema(ma.Schema):
    limit = ma.fields.Integer(required=True)
    next_cursor = ma.fields.String(
        allow_none=True, metadata={"description": "Pass as ?cursor= for the next page; null on the last page"}
    )


def cursor_page(rows, limit):
    """The pagination block for a keyset page whose rows are ordered by id."""
    next_cursor = str(rows[-1]["id"]) if len(rows) == limit else None
    return {"limit": limit, "next_cursor": next_cursor}
