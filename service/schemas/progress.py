"""Enrolments and progress through courses."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import CursorPaginationSchema, JsonInteger


class CourseSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    duration_minutes = ma.fields.Integer(required=True)
    difficulty_level = ma.fields.String(required=True)
    category = ma.fields.String(required=True)


class ProgressSchema(ma.Schema):
    course_id = ma.fields.Integer(required=True)
    course = ma.fields.Nested(CourseSummarySchema, required=True)
    progress_percentage = ma.fields.Integer(required=True)
    started_at = ma.fields.AwareDateTime(required=True)
    completed_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When progress first reached 100; kept afterwards"}
    )
    updated_at = ma.fields.AwareDateTime(allow_none=True)


class ProgressUpdateSchema(ma.Schema):
    progress_percentage = JsonInteger(
        required=True,
        validate=validate.Range(min=0, max=100, error="Must be a whole number from 0 to 100."),
    )


class ProgressListSchema(ma.Schema):
    progress = ma.fields.List(ma.fields.Nested(ProgressSchema), required=True)
    pagination = ma.fields.Nested(CursorPaginationSchema, required=True)
