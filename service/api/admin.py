"""The admin console's API (/admin): every route is for admins only (401, then 403)."""

import math
from datetime import UTC, datetime

from service import accounts, housekeeping
from service.api.blueprint import Blueprint
from service.db import queries, transaction
from service.errors import abort
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

# POST /admin/cleanup-sessions deletes at most this many batches per call, so one request
# stays short however many sessions expired; the answer says when more remain.
CLEANUP_BATCH_SIZE = 10_000
CLEANUP_MAX_BATCHES = 20


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
@blp.response(200, ExportSchema)
def export_users(args):
    """Every account (with profiles unless ?basic=true). Never a password hash."""
    export = queries.admin.export_users_basic if args["basic"] else queries.admin.export_users_full
    users = list(export())
    return {
        "export_type": "basic" if args["basic"] else "full",
        "export_date": datetime.now(UTC),
        "total_users": len(users),
        "users": users,
    }


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
    deleted, more = housekeeping.delete_expired_sessions(
        batch_size=CLEANUP_BATCH_SIZE, max_batches=CLEANUP_MAX_BATCHES
    )
    message = "Expired sessions deleted"
    if more:
        message = "Expired sessions deleted; more remain, call again"
    return {"message": message, "cleaned_sessions": deleted}
