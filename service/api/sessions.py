"""The caller's sessions: list them, end one or all, and trade a token for a fresh one."""

from datetime import UTC, datetime, timedelta

from flask import g

from service import db
from service.api import Blueprint
from service.errors import abort, unauthorized
from service.schemas.auth import TokenSchema
from service.schemas.common import MessageSchema, cursor_page
from service.schemas.sessions import LogoutAllSchema, SessionListQuerySchema, SessionListSchema
from service.security import (
    absolute_session_deadline,
    current_user,
    login_required,
    open_session,
    token_response,
)

blp = Blueprint("sessions", __name__, url_prefix="/auth", description="The caller's sessions")

# A session this close to its absolute limit is not worth refreshing: sign in again.
MIN_REFRESHED_LIFETIME = timedelta(minutes=1)


@blp.get("/active-sessions")
@login_required
@blp.arguments(SessionListQuerySchema, location="query")
@blp.response(200, SessionListSchema)
def list_sessions(args):
    """The caller's unexpired sessions, newest first; `current` marks this token's session."""
    rows = list(
        db.queries().list_user_sessions(
            db.connection(),
            user_id=current_user()["id"],
            before_id=args["before_id"],
            page_size=args["limit"],
        )
    )
    sessions = [{**row, "current": row["id"] == g.session_id} for row in rows]
    return {"active_sessions": sessions, "pagination": cursor_page(rows, args["limit"])}


@blp.delete("/active-sessions/<int:session_id>")
@login_required
@blp.response(200, MessageSchema)
def revoke_session(session_id):
    """End one of the caller's sessions (404 for any other session)."""
    revoked = db.queries().revoke_own_session(db.connection(), id=session_id, user_id=current_user()["id"])
    if revoked is None:
        abort(404, "Session not found")
    return {"message": "Session revoked"}


@blp.post("/logout-all")
@login_required
@blp.response(200, LogoutAllSchema)
def logout_all():
    """End every session of the caller, this one included."""
    revoked = db.queries().revoke_user_sessions(db.connection(), user_id=current_user()["id"])
    return {"message": "Logged out of every session", "revoked": revoked}


@blp.post("/refresh")
@login_required
@blp.response(200, TokenSchema)
def refresh():
    """A new token for a new session; this token's session ends at once.

    The new session keeps the time of the original sign-in: once the absolute session
    lifetime (SESSION_ABSOLUTE_LIFETIME_HOURS) has passed, only a new sign-in helps.
    """
    now = datetime.now(UTC)
    if absolute_session_deadline(g.authenticated_at) - now < MIN_REFRESHED_LIFETIME:
        unauthorized("Session has reached its maximum lifetime; sign in again")
    user = current_user()
    with db.transaction() as conn:
        if db.queries().revoke_session(conn, id=g.session_id) is None:
            unauthorized()  # refreshed or revoked concurrently: a token is good for one refresh
        token, session = open_session(user["id"], authenticated_at=g.authenticated_at)
    return token_response(token, session, user)
