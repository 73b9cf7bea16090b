"""The training questionnaire: a flat input (any subset of fields) and the nested output."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import JsonInteger, StrictBoolean, StrictFloat

GENDERS = ("male", "female")
GOALS = (
    "weight_loss",
    "muscle_gain",
    "maintain_fitness",
    "improve_endurance",
    "improve_flexibility",
    "competition_preparation",
    "strength_building",
    "rehabilitation",
)
LEVELS = ("beginner", "intermediate", "advanced")
FREQUENCIES = ("not_trained", "1_2_times_week", "3_4_times_week", "5_6_times_week", "daily")
LOCATIONS = ("gym", "home", "outdoor", "mixed")
LOCATION_DETAILS = ("full_fitness_center", "basic_gym", "home_equipment", "no_equipment", "park_outdoor")
SESSION_DURATIONS = ("15_30_min", "30_45_min", "45_60_min", "60_90_min", "90+_min")
RATINGS = ("strength_training", "cardio", "hiit", "yoga_pilates", "functional_training", "stretching")

PROFILE_FIELDS = (
    "gender",
    "age",
    "height_cm",
    "weight_kg",
    "training_goals",
    "training_level",
    "frequency_last_3_months",
    "training_location",
    "location_details",
    "session_duration",
    "joint_back_problems",
    "chronic_conditions",
    "health_details",
    *RATINGS,
)

# The columns of a questionnaire in a row (nest_profile reads them).
PROFILE_COLUMNS = ("profile_id", *PROFILE_FIELDS, "profile_created_at", "profile_updated_at")


def _one_of(values):
    return validate.OneOf(values, error="Must be one of: {choices}.")


def _distinct(goals):
    if len(set(goals)) != len(goals):
        raise ma.ValidationError("Goals must not repeat.")


def _rating():
    return JsonInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=5, error="Must be a rating from 1 to 5."),
    )


class TrainingProfileInputSchema(ma.Schema):
    """Any subset of the questionnaire; a field sent as null clears that answer."""

    gender = ma.fields.String(allow_none=True, validate=_one_of(GENDERS))
    age = JsonInteger(allow_none=True, validate=validate.Range(min=13, max=100))
    height_cm = JsonInteger(allow_none=True, validate=validate.Range(min=100, max=250))
    weight_kg = StrictFloat(allow_none=True, allow_nan=False, validate=validate.Range(min=30, max=300))
    training_goals = ma.fields.List(
        ma.fields.String(validate=_one_of(GOALS)),
        allow_none=True,
        validate=[validate.Length(max=5, error="Choose at most 5 goals."), _distinct],
        metadata={"uniqueItems": True},
    )
    training_level = ma.fields.String(allow_none=True, validate=_one_of(LEVELS))
    frequency_last_3_months = ma.fields.String(allow_none=True, validate=_one_of(FREQUENCIES))
    training_location = ma.fields.String(allow_none=True, validate=_one_of(LOCATIONS))
    location_details = ma.fields.String(allow_none=True, validate=_one_of(LOCATION_DETAILS))
    session_duration = ma.fields.String(allow_none=True, validate=_one_of(SESSION_DURATIONS))
    joint_back_problems = StrictBoolean(allow_none=True)
    chronic_conditions = StrictBoolean(allow_none=True)
    health_details = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))
    strength_training = _rating()
    cardio = _rating()
    hiit = _rating()
    yoga_pilates = _rating()
    functional_training = _rating()
    stretching = _rating()


class BasicInformationSchema(ma.Schema):
    gender = ma.fields.String(allow_none=True)
    age = ma.fields.Integer(allow_none=True)
    height_cm = ma.fields.Integer(allow_none=True)
    weight_kg = ma.fields.Float(allow_none=True)


class TrainingExperienceSchema(ma.Schema):
    level = ma.fields.String(allow_none=True)
    frequency_last_3_months = ma.fields.String(allow_none=True)


class PreferencesSchema(ma.Schema):
    training_location = ma.fields.String(allow_none=True)
    location_details = ma.fields.String(allow_none=True)
    session_duration = ma.fields.String(allow_none=True)


class HealthSchema(ma.Schema):
    joint_back_problems = ma.fields.Boolean(allow_none=True)
    chronic_conditions = ma.fields.Boolean(allow_none=True)
    health_details = ma.fields.String(allow_none=True)


class TrainingTypesSchema(ma.Schema):
    strength_training = ma.fields.Integer(allow_none=True)
    cardio = ma.fields.Integer(allow_none=True)
    hiit = ma.fields.Integer(allow_none=True)
    yoga_pilates = ma.fields.Integer(allow_none=True)
    functional_training = ma.fields.Integer(allow_none=True)
    stretching = ma.fields.Integer(allow_none=True)


class TrainingProfileSchema(ma.Schema):
    """The nested output shape the dashboard reads; missing answers are null."""

    basic_information = ma.fields.Nested(BasicInformationSchema, required=True)
    training_goals = ma.fields.List(ma.fields.String(), allow_none=True)
    training_experience = ma.fields.Nested(TrainingExperienceSchema, required=True)
    preferences = ma.fields.Nested(PreferencesSchema, required=True)
    health = ma.fields.Nested(HealthSchema, required=True)
    training_types = ma.fields.Nested(TrainingTypesSchema, required=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime(allow_none=True)


def nest_profile(row):
    """Group a row's flat profile columns the way TrainingProfileSchema shows them.

    The row comes from a query that left-joins training_profiles and renames the profile's
    timestamps to profile_created_at / profile_updated_at; no profile gives None.
    """
    if row.get("profile_id") is None:
        return None
    return {
        "basic_information": {k: row[k] for k in ("gender", "age", "height_cm", "weight_kg")},
        "training_goals": row["training_goals"],
        "training_experience": {
            "level": row["training_level"],
            "frequency_last_3_months": row["frequency_last_3_months"],
        },
        "preferences": {k: row[k] for k in ("training_location", "location_details", "session_duration")},
        "health": {k: row[k] for k in ("joint_back_problems", "chronic_conditions", "health_details")},
        "training_types": {k: row[k] for k in RATINGS},
        "created_at": row["profile_created_at"],
        "updated_at": row["profile_updated_at"],
    }


class TrainingProfileSaveSchema(TrainingProfileInputSchema):
    """PUT /auth/training-profile: at least one answer (an empty save would create an empty profile)."""

    OPENAPI_EXTRA = {"minProperties": 1}

    @ma.validates_schema
    def needs_one(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("Send at least one questionnaire field.")


class TrainingProfileEnvelopeSchema(ma.Schema):
    training_profile = ma.fields.Nested(TrainingProfileSchema, required=True, allow_none=True)


class TrainingProfileSavedSchema(ma.Schema):
    message = ma.fields.String(required=True)
    training_profile = ma.fields.Nested(TrainingProfileSchema, required=True, allow_none=True)
