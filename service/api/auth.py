"""Sign-in routes: register, login, logout, who am I, token checks, availability."""

import logging

from flask import g

from service import accounts, hashing, throttle
from service.api.blueprint import Blueprint
from service.api.bodies import json_body
from service.db import queries, transaction
from service.errors import CONFLICT_MESSAGES, ApiError, abort, unauthorized
from service.metrics import count_login
from service.queries import returns
from service.schemas.auth import (
    AvailabilityQuerySchema,
    AvailabilitySchema,
    ChangePasswordSchema,
    EmailAvailabilityQuerySchema,
    EmailAvailabilitySchema,
    LoginSchema,
    ProfileUpdatedSchema,
    ProfileUpdateSchema,
    TokenSchema,
    VerifyTokenSchema,
)
from service.schemas.common import MessageSchema
from service.schemas.users import RegisteredSchema, RegisterSchema, UserInfoSchema
from service.security import (
    SIGNED_IN_COLUMNS,
    current_user,
    hash_password,
    login_required,
    login_required_with_read,
    needs_rehash,
    open_session,
    read_signed_in,
    token_response,
    verify_password,
)

# Every /auth route is on this blueprint; the sessions and questionnaire routes are written in
# api/sessions.py and api/profiles.py, under their own OpenAPI tags.
blp = Blueprint("auth", __name__, url_prefix="/auth", description="Sign-in and the caller's account")

BAD_CREDENTIALS = "Incorrect username or password"
# How a refused sign-in is named in the log (and by anything counting outcomes).
SIGN_IN_OUTCOMES = {401: "failure", 429: "throttled", 503: "busy"}

log = logging.getLogger(__name__)

# login checks the hash and the flag, and answers with the account (LoginUserSchema).
returns(
    "users.get_login_candidate",
    "id",
    "username",
    "email",
    "full_name",
    "is_active",
    "is_admin",
    "hashed_password",
    "password_version",
)
returns("users.get_password_check", "hashed_password", "password_version", "username")
returns("users.username_and_email_taken", "username_taken", "email_taken")


@blp.post("/register")
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def register(data):
    """Create an account (never an admin)."""
    # Cheap refusals first: a taken name costs one lookup, not a password hash. Two registrations
    # racing for one name both pass this check; the unique constraint then refuses the second.
    taken = queries.users.username_and_email_taken(username=data["username"], email=data["email"])
    if taken["username_taken"]:
        abort(409, CONFLICT_MESSAGES["users_username_key"])
    if taken["email_taken"]:
        abort(409, CONFLICT_MESSAGES["users_email_key"])
    with hashing.capacity():  # 503 at once when this worker's hash queue is full
        throttle.count_registration()  # 429 past the limit for this address
        user = accounts.create_account(data)
    return {"message": "User registered successfully", "user_info": user}


@blp.post("/login")
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(data):
    """Sign in with username (or email) and password; returns a bearer token."""
    outcome = "error"
    try:
        answer = _sign_in(data["username"], data["password"])
        outcome = "success"
        return answer
    except ApiError as refusal:
        outcome = SIGN_IN_OUTCOMES.get(refusal.code, "error")
        raise
    finally:
        # The one place where a sign-in's outcome is known (success, failure, throttled, busy).
        log.info("sign-in %s", outcome, extra={"outcome": outcome})
        count_login(outcome)


def _sign_in(typed_name, password):
    with hashing.capacity():  # 503 at once when this worker's hash queue is full
        user = queries.users.get_login_candidate(login=typed_name.strip())
        attempt = throttle.count_password_check(typed_name)  # counted before the hash; 429 when locked
        stored_hash = user["hashed_password"] if user else None
        if not verify_password(stored_hash, password) or not user["is_active"]:
            unauthorized(BAD_CREDENTIALS)  # the attempt stays counted
        upgraded_hash = hash_password(password) if needs_rehash(stored_hash) else None
    with transaction():
        if upgraded_hash:
            queries.users.upgrade_password_hash(
                id=user["id"], hashed_password=upgraded_hash, checked_hash=stored_hash
            )
        # Only at the password version that was checked: a change that committed meanwhile wins.
        token, session = open_session(user["id"], password_version=user["password_version"])
        if token is not None:
            throttle.succeeded(attempt)
    if token is None:
        unauthorized(BAD_CREDENTIALS)  # the password checked is no longer the account's
    return token_response(token, session, user)


@blp.post("/logout")
@login_required
@blp.response(200, MessageSchema)
def logout():
    """End this token's session; the token fails at once everywhere."""
    queries.sessions.revoke_session(id=g.session_id)
    return {"message": "Successfully logged out"}


returns("users.get_signed_in_user", *SIGNED_IN_COLUMNS, body=UserInfoSchema)


@blp.get("/me")
@login_required_with_read
@blp.response(200, UserInfoSchema)
def me():
    """The caller's account with their training profile."""
    return json_body(read_signed_in(queries.users.get_signed_in_user))


@blp.get("/verify-token")
@login_required
@blp.response(200, VerifyTokenSchema)
def verify_token():
    """Whether the bearer token is valid (401 when it is not)."""
    return {"valid": True, "username": current_user()["username"]}


@blp.get("/check-availability")
@blp.arguments(AvailabilityQuerySchema, location="query")
@blp.response(200, AvailabilitySchema)
def check_availability(args):
    """Whether a username and/or an email are free to register."""
    taken = queries.users.username_and_email_taken(username=args.get("username"), email=args.get("email"))
    result = {}
    if "username" in args:
        result["username_available"] = not taken["username_taken"]
    if "email" in args:
        result["email_available"] = not taken["email_taken"]
    result["available"] = all(result.values())
    taken_names = [name for name in ("username", "email") if result.get(f"{name}_available") is False]
    result["message"] = (
        f"{' and '.join(taken_names).capitalize()} already taken" if taken_names else "Available"
    )
    return result


# --- the caller's own account (self-service) ---------------------------------------------------


@blp.put("/profile")
@login_required
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, ProfileUpdatedSchema)
@blp.alt_response(409, response="CONFLICT")
def update_profile(data):
    """Change the caller's full name and/or email (409 when the email is taken)."""
    user_id = current_user()["id"]
    with transaction():
        queries.users.update_user(
            id=user_id,
            full_name=data.get("full_name"),
            email=data.get("email"),
            is_active=None,
            is_admin=None,
        )
        user = queries.users.get_user_by_id(id=user_id)
    return {"message": "Profile updated", "user_info": user}


@blp.put("/change-password")
@login_required
@blp.arguments(ChangePasswordSchema)
@blp.response(200, MessageSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def change_password(data):
    """Set a new password after checking the current one; every other session is signed out.

    Wrong current passwords are throttled like failed sign-ins under the account's username.
    """
    user_id = current_user()["id"]
    with hashing.capacity():  # 503 at once when this worker's hash queue is full
        account = queries.users.get_password_check(id=user_id)
        attempt = throttle.count_password_check(account["username"])  # 429 when locked
        if not verify_password(account["hashed_password"], data["current_password"]):
            abort(400, "Current password is incorrect")  # the attempt stays counted
        hashed_password = hash_password(data["new_password"])
    with transaction():
        changed = queries.users.set_password(
            id=user_id, hashed_password=hashed_password, expected_version=account["password_version"]
        )
        if changed is None:
            abort(409, "The password was changed by another request meanwhile; check it and try again")
        queries.sessions.revoke_other_user_sessions(user_id=user_id, keep_session_id=g.session_id)
        throttle.succeeded(attempt)
    return {"message": "Password changed; your other sessions were signed out"}


returns("users.check_email_for_caller", *SIGNED_IN_COLUMNS, body=EmailAvailabilitySchema)


@blp.get("/check-email-availability")
@login_required_with_read
@blp.arguments(EmailAvailabilityQuerySchema, location="query")
@blp.response(200, EmailAvailabilitySchema)
def check_email_availability(args):
    """Whether the caller could switch to this email (their own counts as available)."""
    return json_body(read_signed_in(queries.users.check_email_for_caller, email=args["email"]))
