"""Sign-in routes: register, login, logout, who am I, token checks, availability."""

from flask import g

from service import accounts, housekeeping, throttle
from service.api.blueprint import Blueprint
from service.api.bodies import json_body
from service.db import queries, transaction
from service.errors import abort, unauthorized
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
)
returns("users.username_and_email_taken", "username_taken", "email_taken")


@blp.post("/register")
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
@blp.alt_response(409, response="CONFLICT")
def register(data):
    """Create an account (never an admin)."""
    return {"message": "User registered successfully", "user_info": accounts.create_account(data)}


@blp.post("/login")
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(data):
    """Sign in with username (or email) and password; returns a bearer token."""
    user = queries.users.get_login_candidate(login=data["username"].strip())
    attempt = throttle.check_login(data["username"], user)  # 429 while locked out
    stored_hash = user["hashed_password"] if user else None
    if not verify_password(stored_hash, data["password"]) or not user["is_active"]:
        throttle.record_failure(attempt)
        count_login("failure")
        unauthorized(BAD_CREDENTIALS)
    upgraded_hash = hash_password(data["password"]) if needs_rehash(stored_hash) else None
    with transaction():
        throttle.record_success(attempt)
        if upgraded_hash:
            queries.users.update_password_hash(id=user["id"], hashed_password=upgraded_hash)
        token, session = open_session(user["id"])
    housekeeping.clean_up_after_login()
    count_login("success")
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
def change_password(data):
    """Set a new password after checking the current one; every other session is signed out."""
    user_id = current_user()["id"]
    if not verify_password(queries.users.get_password_hash(id=user_id), data["current_password"]):
        abort(400, "Current password is incorrect")
    hashed_password = hash_password(data["new_password"])
    with transaction():
        queries.users.update_password_hash(id=user_id, hashed_password=hashed_password)
        queries.sessions.revoke_other_user_sessions(user_id=user_id, keep_session_id=g.session_id)
    return {"message": "Password changed; your other sessions were signed out"}


returns("users.check_email_for_caller", *SIGNED_IN_COLUMNS, body=EmailAvailabilitySchema)


@blp.get("/check-email-availability")
@login_required_with_read
@blp.arguments(EmailAvailabilityQuerySchema, location="query")
@blp.response(200, EmailAvailabilitySchema)
def check_email_availability(args):
    """Whether the caller could switch to this email (their own counts as available)."""
    return json_body(read_signed_in(queries.users.check_email_for_caller, email=args["email"]))
