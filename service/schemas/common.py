"""Pieces shared by several schemas."""

import re

import marshmallow as ma
from marshmallow import validate

from service.schemas import text as identity_text


class Pattern(validate.Regexp):
    """A regular expression the whole value must match, read the way OpenAPI's `pattern` is.

    apispec documents it as the field's `pattern`; clients (and schemathesis) read that as an
    ECMA regex: `\\d` is ASCII and `$` is the very end. Python's `re.match` would also take
    "abc\\n" for `^abc$` and Unicode digits for `\\d`, accepting values the document refuses.
    """

    def __init__(self, regex, error=None):
        super().__init__(regex, flags=re.ASCII, error=error)

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class MessageSchema(ma.Schema):
    message = ma.fields.String(required=True)


class StrictFloat(ma.fields.Float):
    """A JSON number only: strings such as "30" are refused (booleans already are)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JsonInteger(ma.fields.Integer):
    """A JSON number without a fractional part, as JSON Schema's "integer" means: 30 and 30.0 are
    both 30; "30", 30.5 and true are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("invalid")
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: not 1, 0, "true" or "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


SPACE = " \t\n\r\f\v"  # the whitespace Trimmed removes: what JSON Schema patterns call \s in ASCII
NOT_SPACE = r"[^ \t\n\r\f\v]"


class Trimmed(ma.fields.String):
    """A string with surrounding whitespace removed before its Length validator checks it.

    The value as sent may be at most the maximum length; trimmed, it must hold the minimum. The
    OpenAPI document says exactly that: maxLength, and a pattern asking for `min` characters
    from the first non-space one to the last.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.length = next((v for v in self.validators if isinstance(v, validate.Length)), None)
        if self.length is not None and self.length.min:
            between = "" if self.length.min == 1 else f"[\\s\\S]{{{self.length.min - 2},}}{NOT_SPACE}"
            self.metadata = {**self.metadata, "pattern": NOT_SPACE + between}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.length is not None and self.length.max is not None and len(text) > self.length.max:
            raise ma.ValidationError(f"Must be at most {self.length.max} characters.")
        return text.strip(SPACE)


class LowerEmail(ma.fields.Email):
    """An email address, trimmed, NFKC-normalised and lower-cased (emails are unique
    case-insensitively); refused with invisible characters or mixed-script look-alike letters
    (service/schemas/text.py)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=255))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = identity_text.normalise(value.strip())
        email = super()._deserialize(value, attr, data, **kwargs).lower()
        problem = identity_text.problem(email, identity_text.email_words(email))
        if problem:
            raise ma.ValidationError(problem)
        return email


# What a name may never contain that a JSON Schema pattern can name: controls, the common
# invisible format characters (soft hyphen, zero-width, bidi controls, word joiners, BOM), line
# and paragraph separators. The rest of service/schemas/text.py's rules (unassigned and
# private-use code points, mixed scripts) no pattern can say; the API description does.
NAME_INVISIBLE = r"\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"


class PersonName(Trimmed):
    """A person's name: Trimmed, NFKC-normalised, refused with invisible characters or
    mixed-script look-alike letters in a word (service/schemas/text.py)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.length is not None and self.length.min and self.length.min >= 2:
            visible = f"[^\\s{NAME_INVISIBLE}]"
            middle = f"[^{NAME_INVISIBLE}]{{{self.length.min - 2},}}"
            edge = "[ \\t\\n\\r\\f\\v]*"
            self.metadata = {**self.metadata, "pattern": f"^{edge}{visible}{middle}{visible}{edge}$"}

    def _deserialize(self, value, attr, data, **kwargs):
        name = identity_text.normalise(super()._deserialize(value, attr, data, **kwargs)).strip(SPACE)
        problem = identity_text.problem(name, name.split(" "))
        if problem:
            raise ma.ValidationError(problem)
        return name


class QueryInteger(ma.fields.Integer):
    """An integer in a query string: ASCII digits (and a sign) only. int() also reads other
    scripts' digits and surrounding spaces, so a fullwidth ?limit=5 (U+FF15) would be 5."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", value, flags=re.ASCII) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class PageQuerySchema(ma.Schema):
    """Keyset paging for lists that can grow without bound."""

    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = ma.fields.String(
        load_default=None,
        validate=Pattern(r"^\d{1,18}$", error="Not a cursor this service gave out."),
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
