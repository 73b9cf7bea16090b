"""Tokens, password hashing and the login_required / admin_required decorators.

A token is a random secret signed by itsdangerous. The database stores only the SHA-256 of
the secret, so a leaked table cannot be replayed. Checking a token costs a signature check in
memory, then one query joining the session to its (active) user: either on its own
(login_required), or in the same statement as the view's read (login_required_with_read).
"""

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache, wraps

from flask import g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from service.config import settings
from service.db import queries
from service.errors import abort, unauthorized
from service.hashing import check_password_hash, generate_password_hash, method_of
from service.hashing import typical_seconds as typical_hash_seconds
from service.queries import returns

TOKEN_SALT = "urtraining.access-token"  # noqa: S105 - a purpose label, not a secret
LAST_SEEN_RESOLUTION_SECONDS = 60

returns("sessions.insert_session", "id", "expires_at")
# The signed-in account (g.current_user) and its session.
returns(
    "sessions.authenticate_session",
    "session_id",
    "authenticated_at",
    *("id", "username", "email", "full_name", "is_active", "is_admin", "created_at", "updated_at"),
)


def _serializer():
    config = settings()
    return _serializer_for((*config.PREVIOUS_SECRET_KEYS, config.SECRET_KEY))


@lru_cache(maxsize=8)
def _serializer_for(keys):
    """Signs with the last key, verifies with all; made once per key list (it keeps no state)."""
    signer_kwargs = {"digest_method": hashlib.sha256}
    return URLSafeTimedSerializer(list(keys), salt=TOKEN_SALT, signer_kwargs=signer_kwargs)


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).digest()


def issue_token():
    """A fresh token and the hash of its secret (the only part that is stored)."""
    secret = secrets.token_urlsafe(32)
    return _serializer().dumps(secret), hash_secret(secret)


def token_secret(token):
    """The secret inside a token whose signature and age are valid, else None."""
    max_age = settings().ACCESS_TOKEN_EXPIRE_MINUTES * 60
    try:
        secret = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        return None
    return secret if isinstance(secret, str) else None


def open_session(user_id, authenticated_at=None, password_version=None):
    """Create a session row for a signed-in user; returns (token, session row), or (None, None)
    when the account is no longer active or (password_version given) its password has changed
    since it was checked.

    The insert locks the user's row (FOR SHARE), so a password change, deactivation or deletion
    either waits for this session and then ends it, or commits first and no session is made.
    A refreshed session keeps the authenticated_at of the sign-in it descends from, and no
    session outlives authenticated_at + SESSION_ABSOLUTE_LIFETIME_HOURS.
    """
    config = settings()
    token, token_hash = issue_token()
    now = datetime.now(UTC)
    authenticated_at = authenticated_at or now
    session = queries.sessions.insert_session(
        user_id=user_id,
        token_hash=token_hash,
        expires_at=min(
            now + timedelta(minutes=config.ACCESS_TOKEN_EXPIRE_MINUTES),
            absolute_session_deadline(authenticated_at),
        ),
        authenticated_at=authenticated_at,
        user_agent=(request.headers.get("User-Agent") or "")[:512] or None,
        ip_address=(request.remote_addr or "")[:64] or None,
        password_version=password_version,
    )
    if session is None:
        return None, None
    return token, session


def token_response(token, session, user):
    """The answer to a successful login or refresh; expires_in counts down to the session's end."""
    remaining = (session["expires_at"] - datetime.now(UTC)).total_seconds()
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": max(round(remaining), 0),
        "user_info": user,
    }


def absolute_session_deadline(authenticated_at):
    """When a session descending from a sign-in at authenticated_at must end, refreshed or not."""
    hours = settings().SESSION_ABSOLUTE_LIFETIME_HOURS
    return authenticated_at + timedelta(hours=hours)


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def signed_token_hash():
    """The hash of the request's token secret after its signature and age check, or answer 401.

    Costs no database work: a missing, forged or stale token is refused here.
    """
    token = bearer_token()
    if token is None:
        unauthorized("Not authenticated")
    secret = token_secret(token)
    if secret is None:
        unauthorized("Could not validate credentials")
    return hash_secret(secret)


def _sign_in(row):
    """Keep a signed-in row's session in g (401 when there is none); returns the user part."""
    if row is None:
        unauthorized("Could not validate credentials")
    g.session_id = row.pop("session_id")
    g.authenticated_at = row.pop("authenticated_at")
    g.current_user = row
    return row


def authenticate():
    """Load g.current_user and g.session_id from the request's token, or answer 401."""
    return _sign_in(
        queries.sessions.authenticate_session(
            token_hash=signed_token_hash(), touch_after_seconds=LAST_SEEN_RESOLUTION_SECONDS
        )
    )


def current_user():
    return g.current_user


# Columns every query that checks a session itself returns beside its body (read_signed_in):
# g.session_id, g.authenticated_at, and g.current_user = {id, username, is_admin}.
SIGNED_IN_COLUMNS = ("session_id", "authenticated_at", "id", "username", "is_admin")


def read_signed_in(query, **params):
    """Run a view's read that checks the caller's session in the same statement: one round trip.

    For views under login_required_with_read / admin_required_with_read, whose token signature
    and age were checked before the view ran. `query` is a named query taking token_hash and
    touch_after_seconds besides `params`; it returns SIGNED_IN_COLUMNS and `body` (no row when
    the token signs no one in: 401). Returns the body (a 403 for a non-admin under
    admin_required_with_read, before any body is looked at).
    """
    required = g.pop("session_check_pending")
    row = query(token_hash=g.pop("token_hash"), touch_after_seconds=LAST_SEEN_RESOLUTION_SECONDS, **params)
    body = row.pop("body") if row is not None else None
    user = _sign_in(row)
    if required == "admin" and not user["is_admin"]:
        abort(403, "Admin privileges required")
    return body


def check_pending_session():
    """Check now a session a view was going to check with its read (see read_signed_in).

    Called before an error answer that comes ahead of the view's read (a 422 for its query
    string), so that a revoked token still gets 401, and a plain user 403, first.
    """
    required = g.pop("session_check_pending", None)
    if required is None:
        return
    user = _sign_in(
        queries.sessions.authenticate_session(
            token_hash=g.pop("token_hash"), touch_after_seconds=LAST_SEEN_RESOLUTION_SECONDS
        )
    )
    if required == "admin" and not user["is_admin"]:
        abort(403, "Admin privileges required")


def _protected(view, admin):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = authenticate()
        if admin and not user["is_admin"]:
            abort(403, "Admin privileges required")
        return view(*args, **kwargs)

    # Read by service.api's Blueprint, which documents the bearer token and the 401/403 answers.
    wrapper.requires_sign_in = "admin" if admin else "user"
    return wrapper


def _checked_by_read(view, admin):
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.token_hash = signed_token_hash()  # 401 here for a missing, forged or stale token
        g.session_check_pending = "admin" if admin else "user"
        result = view(*args, **kwargs)
        if "session_check_pending" in g:  # a view that forgot read_signed_in must not answer
            raise RuntimeError(f"{view.__name__} answered without checking the caller's session")
        return result

    wrapper.requires_sign_in = "admin" if admin else "user"
    return wrapper


def login_required(view):
    """Any valid token. Put it above @blp.arguments so 401 comes before validation."""
    return _protected(view, admin=False)


def admin_required(view):
    """A valid token of an admin: 401 without one, 403 for a plain user."""
    return _protected(view, admin=True)


def login_required_with_read(view):
    """As login_required, but the session is checked by the view's own read (read_signed_in).

    The token's signature and age are checked before the view (401 before validation, as
    login_required); the session itself (revoked, expired, account inactive) is checked by the
    statement that reads the response, so a read costs one round trip.
    """
    return _checked_by_read(view, admin=False)


def admin_required_with_read(view):
    """As admin_required, with the session checked by the view's own read (read_signed_in)."""
    return _checked_by_read(view, admin=True)


def is_self_or_admin(user_id):
    user = g.current_user
    return user["is_admin"] or user["id"] == user_id


# --- passwords -------------------------------------------------------------------------------


def hash_password(password):
    return generate_password_hash(password, method=settings().PASSWORD_HASH_METHOD)


def dummy_hash(method):
    """A well-formed hash of `method` that no password matches, made without hashing anything:
    checking a password against it costs exactly what a real check at that method costs."""
    return f"{method}${secrets.token_hex(8)}${secrets.token_hex(64)}"


def verify_password(stored_hash, password):
    """Check a password in the time a check at the configured method takes, whatever is stored.

    No stored hash (an unknown user): a check against a dummy hash of the configured method.
    A stored hash made with other, cheaper parameters (a sample account, an account dormant
    since the cost was raised): when the password is wrong the answer waits until a check at
    the configured method would have ended, so a failure does not tell that the account exists.
    """
    method = settings().PASSWORD_HASH_METHOD
    if stored_hash is None:
        check_password_hash(dummy_hash(method), password)
        return False
    matches, seconds = check_password_hash(stored_hash, password)
    if not matches and method_of(stored_hash) != method:
        _equalise(method, seconds)
    return matches


def _equalise(method, seconds_spent):
    """Spend what a check at `method` costs minus what was already spent.

    The cost is the median duration of this process's last checks at `method` (measured on the
    hash threads); before the first one there is no estimate, so a real check against a dummy
    hash is made, which measures it. Waiting costs no CPU, so an attacker cannot turn it into
    load.
    """
    typical = typical_hash_seconds(method)
    if typical is None:
        check_password_hash(dummy_hash(method), "")
        return
    time.sleep(max(typical - seconds_spent, 0.0))


def needs_rehash(stored_hash):
    """True when a hash was made with other parameters than the configured ones."""
    return method_of(stored_hash) != settings().PASSWORD_HASH_METHOD
