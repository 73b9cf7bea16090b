"""The caller's training questionnaire: read it nested, save any subset of it flat (under /auth)."""

from service.accounts import save_training_profile
from service.api.auth import blp
from service.db import queries, transaction
from service.queries import returns
from service.schemas.profiles import (
    PROFILE_COLUMNS,
    TrainingProfileEnvelopeSchema,
    TrainingProfileSavedSchema,
    TrainingProfileSaveSchema,
    nest_profile,
)
from service.security import current_user, login_required

TAG = {"tags": ["profiles"]}
PROFILE = returns("profiles.get_training_profile", *PROFILE_COLUMNS)


def _profile(user_id):
    row = queries.profiles.get_training_profile(user_id=user_id)
    return nest_profile(row) if row else None


@blp.get("/training-profile", **TAG)
@login_required
@blp.response(200, TrainingProfileEnvelopeSchema)
def get_training_profile():
    """The caller's questionnaire, or null before the first save."""
    return {"training_profile": _profile(current_user()["id"])}


@blp.put("/training-profile", **TAG)
@login_required
@blp.arguments(TrainingProfileSaveSchema)
@blp.response(200, TrainingProfileSavedSchema)
def save_profile(data):
    """Save any subset of the answers (created on first save); a field sent as null is cleared."""
    user_id = current_user()["id"]
    with transaction():
        save_training_profile(user_id, data)
        profile = _profile(user_id)
    return {"message": "Training profile saved", "training_profile": profile}
