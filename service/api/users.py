"""User management (the guide's /api/users): admins manage everyone, users see themselves."""

from service import accounts
from service.api.blueprint import Blueprint
from service.api.bodies import json_body
from service.db import queries, transaction
from service.errors import abort
from service.queries import returns
from service.schemas.common import MessageSchema, PageQuerySchema
from service.schemas.progress import ProgressListSchema
from service.schemas.users import (
    ADMIN_ONLY_FIELDS,
    UserCreateSchema,
    UserListQuerySchema,
    UserListSchema,
    UserSchema,
    UserUpdateSchema,
)
from service.security import (
    SIGNED_IN_COLUMNS,
    admin_required,
    admin_required_with_read,
    current_user,
    hash_password,
    is_self_or_admin,
    login_required,
    login_required_with_read,
    read_signed_in,
)

blp = Blueprint("users", __name__, url_prefix="/api/users", description="User management")

returns("users.update_user")  # only whether the account exists


returns("users.list_users_page", *SIGNED_IN_COLUMNS, body=UserListSchema)
returns("users.get_visible_user", *SIGNED_IN_COLUMNS, body=UserSchema)
returns("progress.list_user_progress_page", *SIGNED_IN_COLUMNS, body=ProgressListSchema)


@blp.get("")
@admin_required_with_read
@blp.arguments(UserListQuerySchema, location="query")
@blp.response(200, UserListSchema)
def list_users(args):
    """A page of users in id order; filter by q, is_active, is_admin."""
    page = read_signed_in(
        queries.users.list_users_page,
        q=args["q"],
        is_active=args["is_active"],
        is_admin=args["is_admin"],
        after_id=args["after_id"],
        page_size=args["limit"],
    )
    return json_body(page)


@blp.post("")
@admin_required
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.alt_response(409, response="CONFLICT")
def create_user(data):
    """Create an account, optionally an admin, optionally with a questionnaire."""
    return accounts.create_account(
        data,
        is_admin=data["is_admin"],
        is_active=data["is_active"],
        training_profile=data.get("training_profile"),
    )


def _visible_user_id(user_id):
    """404 for an account the caller may not see, so its existence does not leak."""
    if not is_self_or_admin(user_id):
        abort(404, "User not found")
    return user_id


@blp.get("/<int:user_id>")
@login_required_with_read
@blp.response(200, UserSchema)
def get_user(user_id):
    """One user (self or admin)."""
    user = read_signed_in(queries.users.get_visible_user, id=user_id)
    if user is None:  # no such account, or not the caller's to see
        abort(404, "User not found")
    return json_body(user)


@blp.put("/<int:user_id>")
@login_required
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@blp.alt_response(409, response="CONFLICT")
def update_user(data, user_id):
    """Change an account. Deactivating it or setting its password ends its sessions.

    The last active admin cannot be demoted or deactivated (409), by themselves or anyone.
    """
    _visible_user_id(user_id)
    if not current_user()["is_admin"]:
        refused = {name: ["Only an admin may set this field."] for name in ADMIN_ONLY_FIELDS if name in data}
        if refused:
            abort(422, f"{next(iter(refused))}: only an admin may set this field", errors=refused)
    new_hash = hash_password(data["password"]) if "password" in data else None
    with transaction():
        if data.get("is_admin") is False or data.get("is_active") is False:
            accounts.keep_an_active_admin(user_id)
        updated = queries.users.update_user(
            id=user_id,
            full_name=data.get("full_name"),
            email=data.get("email"),
            is_active=data.get("is_active"),
            is_admin=data.get("is_admin"),
        )
        if updated is None:
            abort(404, "User not found")
        if new_hash:  # an admin's reset: a new password version, whatever the old one was
            queries.users.set_password(id=user_id, hashed_password=new_hash, expected_version=None)
        if "password" in data or data.get("is_active") is False:
            queries.sessions.revoke_user_sessions(user_id=user_id)
        if data.get("training_profile") is not None:
            accounts.save_training_profile(user_id, data["training_profile"])
        return queries.users.get_user_by_id(id=user_id)


@blp.delete("/<int:user_id>")
@admin_required
@blp.response(200, MessageSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
def delete_user(user_id):
    """Delete an account with its profile, sessions and progress (not your own)."""
    return accounts.delete_account(user_id)


@blp.get("/<int:user_id>/progress", tags=["progress"])
@login_required_with_read
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ProgressListSchema)
def list_user_progress(args, user_id):
    """One user's enrolments (self or admin; another user's are a 404)."""
    page = read_signed_in(
        queries.progress.list_user_progress_page,
        user_id=user_id,
        after_id=args["after_id"],
        page_size=args["limit"],
    )
    if page is None:  # no such account, or not the caller's to see
        abort(404, "User not found")
    return json_body(page)
