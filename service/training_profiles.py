"""Saving a questionnaire: shared by the profile and user routes and by seeding."""

from psycopg.types.json import Json

from service import db
from service.schemas.profiles import PROFILE_FIELDS


def save_training_profile(conn, user_id, fields, queries=None):
    """Create the user's profile or update only the fields given (None clears a field)."""
    params = {name: fields.get(name) for name in PROFILE_FIELDS}
    if params["training_goals"] is not None:
        params["training_goals"] = Json(params["training_goals"])
    queries = queries or db.queries()
    return queries.upsert_training_profile(conn, user_id=user_id, fields_sent=list(fields), **params)
