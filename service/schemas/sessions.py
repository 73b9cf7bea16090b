"""The caller's sessions: the Session representation (never a token or a hash)."""

import marshmallow as ma

from service.schemas.common import CursorPaginationSchema, PageQuerySchema


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    last_seen_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "Kept to within a minute (not written on every request)"}
    )
    user_agent = ma.fields.String(allow_none=True)
    ip_address = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean(
        required=True, metadata={"description": "Whether this is the session of the token used"}
    )


class SessionListQuerySchema(PageQuerySchema):
    """Newest first; the cursor is the last id of the previous page."""

    @ma.post_load
    def decode_cursor(self, data, **kwargs):
        cursor = data.pop("cursor")
        data["before_id"] = int(cursor) if cursor else None
        return data


class SessionListSchema(ma.Schema):
    active_sessions = ma.fields.List(ma.fields.Nested(SessionSchema), required=True)
    pagination = ma.fields.Nested(CursorPaginationSchema, required=True)


class LogoutAllSchema(ma.Schema):
    message = ma.fields.String(required=True)
    revoked = ma.fields.Integer(required=True, metadata={"description": "How many sessions were ended"})
