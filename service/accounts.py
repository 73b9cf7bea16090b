"""Account operations shared by the sign-in, user-management and admin routes (and the seed)."""

from psycopg.types.json import Json

from service.db import queries, transaction
from service.errors import abort
from service.queries import returns
from service.schemas.profiles import PROFILE_COLUMNS, PROFILE_FIELDS
from service.schemas.users import USER_COLUMNS
from service.security import current_user, hash_password

# The User representation: the account's columns and its questionnaire's, flat.
returns("users.get_user_by_id", *USER_COLUMNS, *PROFILE_COLUMNS)
returns("users.insert_user", "id")
returns("users.lock_active_admins", "id")


def save_training_profile(user_id, fields, upsert=None):
    """Create the user's questionnaire or update only the fields given (None clears a field).

    `upsert` is profiles.upsert_training_profile bound to a connection; by default this request's.
    """
    upsert = upsert or queries.profiles.upsert_training_profile
    params = {name: fields.get(name) for name in PROFILE_FIELDS}
    if params["training_goals"] is not None:
        params["training_goals"] = Json(params["training_goals"])
    return upsert(user_id=user_id, fields_sent=list(fields), **params)


def create_account(data, *, is_admin=False, is_active=True, training_profile=None):
    """Insert an account (and its questionnaire, if given) and return it as the User row."""
    hashed_password = hash_password(data["password"])  # slow: before the transaction opens
    with transaction():
        user_id = queries.users.insert_user(
            username=data["username"],
            email=data["email"],
            hashed_password=hashed_password,
            full_name=data["full_name"],
            is_admin=is_admin,
            is_active=is_active,
        )["id"]
        if training_profile is not None:
            save_training_profile(user_id, training_profile)
        return queries.users.get_user_by_id(id=user_id)


def keep_an_active_admin(user_id):
    """409 when user_id is the only active admin (call inside the transaction that would demote,
    deactivate or delete them): the active admins stay locked until it ends, so two admins
    removing each other at once cannot both succeed."""
    admins = [row["id"] for row in queries.users.lock_active_admins()]
    if admins == [user_id]:
        abort(409, "This is the last active admin: make another account an admin first")


def delete_account(user_id):
    """Delete an account with its profile, sessions and progress; never the caller's own, never
    the last active admin."""
    if user_id == current_user()["id"]:
        abort(400, "You cannot delete your own account")
    with transaction():
        keep_an_active_admin(user_id)
        if queries.users.delete_user(id=user_id) is None:
            abort(404, "User not found")
    return {"message": "User deleted successfully"}
