"""Response shapes several test modules check."""

# The keys of the User representation (spec: Representations, User).
USER_KEYS = {
    "id",
    "username",
    "email",
    "full_name",
    "is_active",
    "is_admin",
    "created_at",
    "updated_at",
    "training_profile",
}
