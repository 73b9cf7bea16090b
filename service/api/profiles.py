"""The caller's training questionnaire: read it nested, save any subset of it flat."""

from service import db
from service.api import Blueprint
from service.schemas.profiles import (
    TrainingProfileEnvelopeSchema,
    TrainingProfileSavedSchema,
    TrainingProfileSaveSchema,
    nest_profile,
)
from service.security import current_user, login_required
from service.training_profiles import save_training_profile

blp = Blueprint("profiles", __name__, url_prefix="/auth", description="The caller's training questionnaire")


def _profile(conn, user_id):
    row = db.queries().get_training_profile(conn, user_id=user_id)
    return nest_profile(row) if row else None


@blp.get("/training-profile")
@login_required
@blp.response(200, TrainingProfileEnvelopeSchema)
def get_training_profile():
    """The caller's questionnaire, or null before the first save."""
    return {"training_profile": _profile(db.connection(), current_user()["id"])}


@blp.put("/training-profile")
@login_required
@blp.arguments(TrainingProfileSaveSchema)
@blp.response(200, TrainingProfileSavedSchema)
def save_profile(data):
    """Save any subset of the answers (created on first save); a field sent as null is cleared."""
    user_id = current_user()["id"]
    with db.transaction() as conn:
        save_training_profile(conn, user_id, data)
        profile = _profile(conn, user_id)
    return {"message": "Training profile saved", "training_profile": profile}
