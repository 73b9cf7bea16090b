"""The caller's training questionnaire: read it nested, save any subset of it flat (under /auth)."""

from service.accounts import save_training_profile
from service.api.auth import blp
from service.api.bodies import RawJSON, json_body, json_envelope
from service.db import queries
from service.queries import returns
from service.schemas.profiles import (
    TrainingProfileEnvelopeSchema,
    TrainingProfileSavedSchema,
    TrainingProfileSaveSchema,
    TrainingProfileSchema,
)
from service.security import (
    SIGNED_IN_COLUMNS,
    current_user,
    login_required,
    login_required_with_read,
    read_signed_in,
)

TAG = {"tags": ["profiles"]}

returns("profiles.get_my_training_profile", *SIGNED_IN_COLUMNS, body=TrainingProfileEnvelopeSchema)
returns("profiles.upsert_training_profile", "id", training_profile=TrainingProfileSchema)


@blp.get("/training-profile", **TAG)
@login_required_with_read
@blp.response(200, TrainingProfileEnvelopeSchema)
def get_training_profile():
    """The caller's questionnaire, or null before the first save."""
    return json_body(read_signed_in(queries.profiles.get_my_training_profile))


@blp.put("/training-profile", **TAG)
@login_required
@blp.arguments(TrainingProfileSaveSchema)
@blp.response(200, TrainingProfileSavedSchema)
def save_profile(data):
    """Save any subset of the answers (created on first save); a field sent as null is cleared."""
    saved = save_training_profile(current_user()["id"], data)  # one statement: no transaction
    profile = RawJSON(saved["training_profile"])
    return json_envelope(message="Training profile saved", training_profile=profile)
