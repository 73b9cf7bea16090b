"""The admin console: statistics, the paged user list, one user, export and activity."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import QueryInteger
from service.schemas.users import AccountFieldsSchema, UserSchema


class StatsSchema(ma.Schema):
    total_users = ma.fields.Integer(required=True)
    active_users = ma.fields.Integer(required=True)
    completed_profiles = ma.fields.Integer(required=True, metadata={"description": "Users with a profile"})
    last_week_signups = ma.fields.Integer(
        required=True, metadata={"description": "Accounts created in the last 7 days"}
    )


class AdminUserPageQuerySchema(ma.Schema):
    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    limit = QueryInteger(load_default=50, validate=validate.Range(min=1, max=100))


class AdminUserListItemSchema(AccountFieldsSchema):
    has_training_profile = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class PagePaginationSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    limit = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Users in all pages"})
    pages = ma.fields.Integer(required=True, metadata={"description": "Number of pages (0 when empty)"})


class AdminUserPageSchema(ma.Schema):
    users = ma.fields.List(ma.fields.Nested(AdminUserListItemSchema), required=True)
    pagination = ma.fields.Nested(PagePaginationSchema, required=True)


class AdminUserSchema(UserSchema):
    active_sessions_count = ma.fields.Integer(required=True)


class ExportQuerySchema(ma.Schema):
    basic = ma.fields.Boolean(
        load_default=False, metadata={"description": "true: accounts only; false: with training profiles"}
    )
    format = ma.fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv"), error="Must be one of: {choices}."),
        metadata={
            "description": "json: the export document; csv: the same rows as CSV (a header row, "
            "RFC 4180 quoting, the questionnaire flattened into columns), as a file download"
        },
    )


class ExportUserSchema(UserSchema):
    """A User; a basic export's rows carry no profile columns, so training_profile is left out."""


class ExportSchema(ma.Schema):
    export_type = ma.fields.String(required=True, metadata={"description": "basic or full"})
    export_date = ma.fields.AwareDateTime(required=True)
    total_users = ma.fields.Integer(required=True)
    users = ma.fields.List(ma.fields.Nested(ExportUserSchema), required=True)


class ActivityQuerySchema(ma.Schema):
    limit = QueryInteger(load_default=10, validate=validate.Range(min=1, max=100))


class ActivitySchema(ma.Schema):
    action = ma.fields.String(
        required=True, metadata={"description": "user_registered, profile_created or profile_updated"}
    )
    user_email = ma.fields.String(required=True)
    timestamp = ma.fields.AwareDateTime(required=True, attribute="happened_at")
    details = ma.fields.String(required=True)


class RevokedSessionsSchema(ma.Schema):
    message = ma.fields.String(required=True)
    revoked = ma.fields.Integer(required=True)


class CleanupSchema(ma.Schema):
    message = ma.fields.String(required=True)
    cleaned_sessions = ma.fields.Integer(required=True)
