"""Sign-in: login, tokens and availability checks."""

import marshmallow as ma
from marshmallow import validate

from service.schemas.common import LowerEmail, PersonName
from service.schemas.users import FULL_NAME, PASSWORD, UserInfoSchema


class LoginSchema(ma.Schema):
    username = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Username or email"},
    )
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class LoginUserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    is_admin = ma.fields.Boolean(required=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds until the token expires"})
    user_info = ma.fields.Nested(LoginUserSchema, required=True)


class VerifyTokenSchema(ma.Schema):
    valid = ma.fields.Boolean(required=True)
    username = ma.fields.String(required=True)


class AvailabilityQuerySchema(ma.Schema):
    username = ma.fields.String(validate=validate.Length(min=1, max=255))
    email = LowerEmail()

    @ma.validates_schema
    def needs_one(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("Give ?username= or ?email= (or both).")


class AvailabilitySchema(ma.Schema):
    available = ma.fields.Boolean(required=True)
    username_available = ma.fields.Boolean()
    email_available = ma.fields.Boolean()
    message = ma.fields.String()


# --- the caller's own account (self-service) ---------------------------------------------------


class ProfileUpdateSchema(ma.Schema):
    """PUT /auth/profile: the caller's name and email (any subset)."""

    full_name = PersonName(validate=FULL_NAME)
    email = LowerEmail()


class ProfileUpdatedSchema(UserInfoSchema):
    message = ma.fields.String(required=True)


class ChangePasswordSchema(ma.Schema):
    current_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=128)
    )
    new_password = ma.fields.String(required=True, load_only=True, validate=PASSWORD)


class EmailAvailabilityQuerySchema(ma.Schema):
    email = LowerEmail(required=True)


class EmailAvailabilitySchema(ma.Schema):
    available = ma.fields.Boolean(required=True)
    message = ma.fields.String(required=True)
