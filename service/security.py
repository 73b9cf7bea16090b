"""Tokens, password hashing and the login_required / admin_required decorators.

A token is a random secret signed by itsdangerous. The database stores only the SHA-256 of
the secret, so a leaked table cannot be replayed. Checking a token costs a signature check in
memory, then one query joining the session to its (active) user.
"""

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from service.config import settings
from service.db import queries
from service.errors import abort, unauthorized
from service.hashing import check_password_hash, generate_password_hash, method_of
from service.hashing import typical_seconds as typical_hash_seconds

TOKEN_SALT = "urtraining.access-token"  # noqa: S105 - a purpose label, not a secret
LAST_SEEN_RESOLUTION_SECONDS = 60


def _serializer():
    config = settings()
    keys = [*config.PREVIOUS_SECRET_KEYS, config.SECRET_KEY]  # signs with the last, verifies with all
    return URLSafeTimedSerializer(keys, salt=TOKEN_SALT, signer_kwargs={"digest_method": hashlib.sha256})


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


def authenticate():
    """Load g.current_user and g.session_id from the request's token, or answer 401."""
    token = bearer_token()
    if token is None:
        unauthorized("Not authenticated")
    secret = token_secret(token)
    if secret is None:
        unauthorized("Could not validate credentials")
    row = queries.sessions.authenticate_session(
        token_hash=hash_secret(secret),
        touch_after_seconds=LAST_SEEN_RESOLUTION_SECONDS,
    )
    if row is None:
        unauthorized("Could not validate credentials")
    g.session_id = row.pop("session_id")
    g.authenticated_at = row.pop("authenticated_at")
    g.current_user = row
    return row


def current_user():
    return g.current_user


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


def login_required(view):
    """Any valid token. Put it above @blp.arguments so 401 comes before validation."""
    return _protected(view, admin=False)


def admin_required(view):
    """A valid token of an admin: 401 without one, 403 for a plain user."""
    return _protected(view, admin=True)


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
