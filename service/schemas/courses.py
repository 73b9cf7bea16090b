"""The course catalogue: the Course representation, its inputs and the list query."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import (
    CursorPaginationSchema,
    JsonInteger,
    PageQuerySchema,
    Pattern,
    StrictBoolean,
    Trimmed,
)

DIFFICULTY_LEVELS = ("beginner", "intermediate", "advanced", "all_levels")
COURSE_FIELDS = (
    "title",
    "description",
    "duration_minutes",
    "difficulty_level",
    "category",
    "video_url",
    "thumbnail_url",
    "is_active",
)

TITLE = validate.Length(min=1, max=200, error="Must be 1 to 200 characters.")
DESCRIPTION = validate.Length(max=5000, error="Must be at most 5000 characters.")
DURATION = validate.Range(min=1, max=1440, error="Must be a whole number of minutes from 1 to 1440.")
DIFFICULTY = validate.OneOf(DIFFICULTY_LEVELS, error="Must be one of: {choices}.")
CATEGORY = Pattern(r"^[a-z0-9_]{1,50}$", error="Use 1 to 50 lowercase letters, digits or '_'.")


# An absolute http(s) URL: a host of letters, digits, dots and hyphens (no dot needed, e.g.
# localhost), an optional port, then printable ASCII without spaces (percent-encode the rest).
URL = Pattern(
    r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][!-~]*)?$", error="Must be an http:// or https:// URL."
)


def _url():
    return ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=2048, error="Must be at most 2048 characters."), URL],
    )


# The columns of a Course row, as CourseSchema dumps them.
COURSE_COLUMNS = (
    "id",
    "title",
    "description",
    "duration_minutes",
    "difficulty_level",
    "category",
    "video_url",
    "thumbnail_url",
    "is_active",
    "created_at",
    "updated_at",
)


class CourseSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True)
    duration_minutes = ma.fields.Integer(required=True)
    difficulty_level = ma.fields.String(required=True, metadata={"enum": list(DIFFICULTY_LEVELS)})
    category = ma.fields.String(required=True)
    video_url = ma.fields.String(allow_none=True)
    thumbnail_url = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(allow_none=True)


class CourseUpdateSchema(ma.Schema):
    """Any subset of a course's fields; description and the URLs may be cleared with null."""

    title = Trimmed(validate=TITLE)
    description = ma.fields.String(allow_none=True, validate=DESCRIPTION)
    duration_minutes = JsonInteger(validate=DURATION)
    difficulty_level = ma.fields.String(validate=DIFFICULTY)
    category = ma.fields.String(validate=CATEGORY)
    video_url = _url()
    thumbnail_url = _url()
    is_active = StrictBoolean(metadata={"description": "false retires the course; true offers it again"})


class CourseCreateSchema(CourseUpdateSchema):
    title = Trimmed(required=True, validate=TITLE)
    duration_minutes = JsonInteger(required=True, validate=DURATION)
    difficulty_level = ma.fields.String(required=True, validate=DIFFICULTY)
    category = ma.fields.String(required=True, validate=CATEGORY)
    is_active = StrictBoolean(load_default=True)


class CourseListQuerySchema(PageQuerySchema):
    category = ma.fields.String(load_default=None, validate=CATEGORY)
    difficulty_level = ma.fields.String(load_default=None, validate=DIFFICULTY)
    q = ma.fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Text contained in the title or description (any case)"},
    )
    include_inactive = ma.fields.Boolean(load_default=False, metadata={"description": "admins only"})


class CourseListSchema(ma.Schema):
    courses = ma.fields.List(ma.fields.Nested(CourseSchema), required=True)
    pagination = ma.fields.Nested(CursorPaginationSchema, required=True)


class CourseDeletedSchema(ma.Schema):
    message = ma.fields.String(required=True)
    action = ma.fields.String(
        required=True,
        metadata={
            "enum": ["deleted", "deactivated"],
            "description": "deactivated when the course has enrolments (their progress is kept)",
        },
    )
