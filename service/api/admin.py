"""The admin console's API (/admin): every route is for admins only (401, then 403)."""

import json
import math
from datetime import UTC, datetime

from service import accounts, housekeeping
from service.api.blueprint import Blueprint
from service.config import settings
from service.db import queries, snapshot_transaction, stream_rows, streamed_response, transaction
from service.errors import abort
from service.queries import returns
from service.schemas.admin import (
    ActivityQuerySchema,
    ActivitySchema,
    AdminUserPageQuerySchema,
    AdminUserPageSchema,
    AdminUserSchema,
    CleanupSchema,
    ExportQuerySchema,
    ExportSchema,
    RevokedSessionsSchema,
    StatsSchema,
)
from service.schemas.common import MessageSchema
from service.security import admin_required

blp = Blueprint("admin", __name__, url_prefix="/admin", description="Administration (admins only)")

# An export reads this many rows per FETCH from its server-side cursor and sends them as one
# chunk of the response: memory holds one chunk (~0.5 MB of JSON), whatever the table's size.
EXPORT_CHUNK_ROWS = 1000

returns("admin.get_stats", "total_users", "active_users", "completed_profiles", "last_week_signups")
for _kind in ("basic", "full"):
    returns(f"admin.export_users_{_kind}_json", "user_json")
    returns(f"admin.export_users_{_kind}_csv", "csv_line")
returns(
    "admin.list_users_page",
    *("id", "username", "email", "full_name", "is_active", "is_admin", "has_training_profile", "created_at"),
)
returns("admin.list_recent_activity", "action", "user_email", "happened_at", "details")
returns("admin.revoke_user_sessions", "user_found", "revoked")


@blp.get("/stats")
@admin_required
@blp.response(200, StatsSchema)
def stats():
    """Account and questionnaire counts."""
    return queries.admin.get_stats()


@blp.get("/users")
@admin_required
@blp.arguments(AdminUserPageQuerySchema, location="query")
@blp.response(200, AdminUserPageSchema)
def list_users_page(args):
    """A numbered page of accounts, with whether each has a training profile."""
    page, limit = args["page"], args["limit"]
    with transaction():
        total = queries.admin.count_users()
        users = list(queries.admin.list_users_page(page_size=limit, skip=(page - 1) * limit))
    pagination = {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)}
    return {"users": users, "pagination": pagination}


@blp.get("/users/<int:user_id>")
@admin_required
@blp.response(200, AdminUserSchema)
def get_user(user_id):
    """One account with its training profile and how many unexpired sessions it has."""
    with transaction():
        user = queries.users.get_user_by_id(id=user_id)
        if user is None:
            abort(404, "User not found")
        user["active_sessions_count"] = queries.sessions.count_active_user_sessions(user_id=user_id)
    return user


@blp.get("/users/export")
@admin_required
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, ExportSchema, description="The document as JSON, or with ?format=csv the rows as CSV")
@blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def export_users(args):
    """Every account (with profiles unless ?basic=true), streamed; ?format=csv for spreadsheets.

    Never a password hash. The rows come from a server-side cursor a chunk at a time, so a
    worker's memory does not grow with the number of accounts; the pooled connection stays
    with the response until its last chunk is sent (or the client goes away).
    """
    kind = "basic" if args["basic"] else "full"
    if args["format"] == "csv":
        filename = f"users-{kind}-{datetime.now(UTC):%Y-%m-%d}.csv"
        return streamed_response(
            lambda: _csv_chunks(kind),
            content_type="text/csv; charset=utf-8; header=present",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return streamed_response(lambda: _json_chunks(kind), content_type="application/json")


def _json_chunks(kind):
    """The export document in pieces: its head, the users a chunk at a time, its end.

    total_users is the maintained count, read in the same snapshot as the rows, so it is the
    number of users that follow. Each user is JSON text PostgreSQL built; here they are only
    joined.
    """
    with snapshot_transaction():
        head = {
            "export_type": kind,
            "export_date": datetime.now(UTC).isoformat(),
            "total_users": queries.admin.count_users(),
        }
        rows = stream_rows(f"admin.export_users_{kind}_json", EXPORT_CHUNK_ROWS)
        next(rows)  # the column names
        yield json.dumps(head)[:-1] + ', "users": ['
        separator = ""
        for chunk in rows:
            yield separator + ",".join(row[0] for row in chunk)
            separator = ","
        yield "]}"


def _csv_chunks(kind):
    """A header row, then the rows, CRLF-terminated (RFC 4180). PostgreSQL writes each line with
    its cells quoted (csv_cell); here the lines are only joined."""
    with transaction():
        header = getattr(queries.admin, f"export_users_{kind}_csv_header")()
        rows = stream_rows(f"admin.export_users_{kind}_csv", EXPORT_CHUNK_ROWS)
        next(rows)  # the column names
        yield header + "\r\n"
        for chunk in rows:
            yield "\r\n".join(row[0] for row in chunk) + "\r\n"


@blp.get("/activity")
@admin_required
@blp.arguments(ActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
def activity(args):
    """Recent registrations and questionnaire changes, newest first."""
    return list(queries.admin.list_recent_activity(page_size=args["limit"]))


@blp.delete("/users/<int:user_id>")
@admin_required
@blp.response(200, MessageSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
def delete_user(user_id):
    """Delete an account with its profile, sessions and progress (not your own)."""
    return accounts.delete_account(user_id)


@blp.delete("/users/<int:user_id>/sessions")
@admin_required
@blp.response(200, RevokedSessionsSchema)
def revoke_user_sessions(user_id):
    """End every session of one account; its tokens fail at once."""
    result = queries.admin.revoke_user_sessions(user_id=user_id)
    if not result["user_found"]:
        abort(404, "User not found")
    return {"message": f"Revoked {result['revoked']} session(s)", "revoked": result["revoked"]}


@blp.post("/cleanup-sessions")
@admin_required
@blp.response(200, CleanupSchema)
def cleanup_sessions():
    """Delete expired sessions in bounded batches."""
    config = settings()  # at most CLEANUP_MAX_BATCHES batches of CLEANUP_BATCH_SIZE per call
    deleted, more = housekeeping.delete_expired_sessions(
        batch_size=config.CLEANUP_BATCH_SIZE, max_batches=config.CLEANUP_MAX_BATCHES
    )
    message = "Expired sessions deleted"
    if more:
        message = "Expired sessions deleted; more remain, call again"
    return {"message": message, "cleaned_sessions": deleted}
