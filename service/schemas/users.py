"""User accounts: registration, admin creation, updates, and the User representation."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import (
    CursorPaginationSchema,
    LowerEmail,
    PageQuerySchema,
    Pattern,
    PersonName,
    StrictBoolean,
)
from service.schemas.profiles import TrainingProfileSaveSchema, TrainingProfileSchema, nest_profile

USERNAME = Pattern(r"^[A-Za-z0-9_.-]{3,50}$", error="Use 3 to 50 letters, digits, '_', '.' or '-'.")
FULL_NAME = validate.Length(min=2, max=100, error="Must be 2 to 100 characters.")
# 8 to 128 characters, nothing truncated: longer passphrases are welcome, absurd ones refused.
PASSWORD = validate.Length(min=8, max=128, error="Must be 8 to 128 characters.")


# The columns of a User row (UserSchema dumps them; nest_profile groups PROFILE_COLUMNS).
USER_COLUMNS = ("id", "username", "email", "full_name", "is_active", "is_admin", "created_at", "updated_at")


class AccountFieldsSchema(ma.Schema):
    """The account fields every representation of a user starts with."""

    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    is_active = ma.fields.Boolean(required=True)
    is_admin = ma.fields.Boolean(required=True)


class UserSchema(AccountFieldsSchema):
    """The User representation; a row's flat profile columns become training_profile."""

    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(allow_none=True)
    training_profile = ma.fields.Nested(TrainingProfileSchema, allow_none=True)

    @ma.pre_dump
    def embed_profile(self, row, **kwargs):
        if "training_profile" in row:
            return row
        return {**row, "training_profile": nest_profile(row)}


class RegisterSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=USERNAME)
    password = ma.fields.String(required=True, load_only=True, validate=PASSWORD)
    email = LowerEmail(required=True)
    full_name = PersonName(required=True, validate=FULL_NAME)


class UserCreateSchema(RegisterSchema):
    """An admin creating an account may also set its flags and questionnaire."""

    is_admin = StrictBoolean(load_default=False)
    is_active = StrictBoolean(load_default=True)
    training_profile = ma.fields.Nested(TrainingProfileSaveSchema, allow_none=True)


ADMIN_ONLY_FIELDS = ("is_active", "is_admin", "password")


class UserUpdateSchema(ma.Schema):
    """Self may change full_name, email and training_profile; an admin also the rest."""

    full_name = PersonName(validate=FULL_NAME)
    email = LowerEmail()
    training_profile = ma.fields.Nested(TrainingProfileSaveSchema, allow_none=True)
    is_active = StrictBoolean(metadata={"description": "admin only"})
    is_admin = StrictBoolean(metadata={"description": "admin only"})
    password = ma.fields.String(load_only=True, validate=PASSWORD, metadata={"description": "admin only"})


class UserListQuerySchema(PageQuerySchema):
    q = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    is_active = ma.fields.Boolean(load_default=None)
    is_admin = ma.fields.Boolean(load_default=None)


class UserListSchema(ma.Schema):
    users = ma.fields.List(ma.fields.Nested(UserSchema), required=True)
    pagination = ma.fields.Nested(CursorPaginationSchema, required=True)


class UserInfoSchema(ma.Schema):
    user_info = ma.fields.Nested(UserSchema, required=True)


class RegisteredSchema(UserInfoSchema):
    message = ma.fields.String(required=True)
