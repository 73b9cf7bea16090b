"""Account operations shared by the sign-in, user-management and admin routes."""

from service import db
from service.errors import abort
from service.security import current_user, hash_password
from service.training_profiles import save_training_profile


def create_account(data, *, is_admin=False, is_active=True, training_profile=None):
    """Insert an account (and its questionnaire, if given) and return it as the User row."""
    q = db.queries()
    hashed_password = hash_password(data["password"])  # slow: before the transaction opens
    with db.transaction() as conn:
        user_id = q.insert_user(
            conn,
            username=data["username"],
            email=data["email"],
            hashed_password=hashed_password,
            full_name=data["full_name"],
            is_admin=is_admin,
            is_active=is_active,
        )["id"]
        if training_profile is not None:
            save_training_profile(conn, user_id, training_profile)
        return q.get_user_by_id(conn, id=user_id)


def delete_account(user_id):
    """Delete an account with its profile, sessions and progress; never the caller's own."""
    if user_id == current_user()["id"]:
        abort(400, "You cannot delete your own account")
    if db.queries().delete_user(db.connection(), id=user_id) is None:
        abort(404, "User not found")
    return {"message": "User deleted successfully"}
