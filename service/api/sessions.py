"""The caller's sessions: list them, end one or all, and trade a token for a fresh one (under /auth)."""

from datetime import UTC, datetime, timedelta

from flask import g

from service.api.auth import blp
from service.api.bodies import json_body
from service.db import queries, transaction
from service.errors import abort, unauthorized
from service.queries import returns
from service.schemas.auth import TokenSchema
from service.schemas.common import MessageSchema
from service.schemas.sessions import LogoutAllSchema, SessionListQuerySchema, SessionListSchema
from service.security import (
    SIGNED_IN_COLUMNS,
    absolute_session_deadline,
    current_user,
    login_required,
    login_required_with_read,
    open_session,
    read_signed_in,
    token_response,
)

TAG = {"tags": ["sessions"]}
# A session this close to its absolute limit is not worth refreshing: sign in again.
MIN_REFRESHED_LIFETIME = timedelta(minutes=1)


returns("sessions.list_my_sessions_page", *SIGNED_IN_COLUMNS, body=SessionListSchema)


@blp.get("/active-sessions", **TAG)
@login_required_with_read
@blp.arguments(SessionListQuerySchema, location="query")
@blp.response(200, SessionListSchema)
def list_sessions(args):
    """The caller's unexpired sessions, newest first; `current` marks this token's session."""
    page = read_signed_in(
        queries.sessions.list_my_sessions_page, before_id=args["before_id"], page_size=args["limit"]
    )
    return json_body(page)


@blp.delete("/active-sessions/<int:session_id>", **TAG)
@login_required
@blp.response(200, MessageSchema)
def revoke_session(session_id):
    """End one of the caller's sessions (404 for any other session)."""
    revoked = queries.sessions.revoke_own_session(id=session_id, user_id=current_user()["id"])
    if revoked is None:
        abort(404, "Session not found")
    return {"message": "Session revoked"}


@blp.post("/logout-all", **TAG)
@login_required
@blp.response(200, LogoutAllSchema)
def logout_all():
    """End every session of the caller, this one included."""
    revoked = queries.sessions.revoke_user_sessions(user_id=current_user()["id"])
    return {"message": "Logged out of every session", "revoked": revoked}


@blp.post("/refresh", **TAG)
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
    with transaction():
        # The new session first: its insert locks the user's row, in the order a password change
        # takes (user, then sessions), so the two cannot deadlock and a change that committed
        # first has already ended this token's session (the revoke below then finds nothing).
        token, session = open_session(user["id"], authenticated_at=g.authenticated_at)
        if token is None or queries.sessions.revoke_session(id=g.session_id) is None:
            unauthorized()  # refreshed or revoked concurrently: a token is good for one refresh
    return token_response(token, session, user)
