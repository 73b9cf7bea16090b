"""GET/PUT /auth/training-profile: the questionnaire, its limits, and who may see it."""

import psycopg
import pytest

URL = "/auth/training-profile"

FULL_QUESTIONNAIRE = {
    "gender": "female",
    "age": 34,
    "height_cm": 170,
    "weight_kg": 64.5,
    "training_goals": ["weight_loss", "improve_endurance"],
    "training_level": "intermediate",
    "frequency_last_3_months": "3_4_times_week",
    "training_location": "mixed",
    "location_details": "basic_gym",
    "session_duration": "45_60_min",
    "joint_back_problems": True,
    "chronic_conditions": False,
    "health_details": "Old knee injury; no running on hard ground.",
    "strength_training": 4,
    "cardio": 5,
    "hiit": 2,
    "yoga_pilates": 3,
    "functional_training": 1,
    "stretching": 4,
}

# Where each flat input field appears in the nested output.
NESTED_PATH = {
    "gender": ("basic_information", "gender"),
    "age": ("basic_information", "age"),
    "height_cm": ("basic_information", "height_cm"),
    "weight_kg": ("basic_information", "weight_kg"),
    "training_goals": ("training_goals",),
    "training_level": ("training_experience", "level"),
    "frequency_last_3_months": ("training_experience", "frequency_last_3_months"),
    "training_location": ("preferences", "training_location"),
    "location_details": ("preferences", "location_details"),
    "session_duration": ("preferences", "session_duration"),
    "joint_back_problems": ("health", "joint_back_problems"),
    "chronic_conditions": ("health", "chronic_conditions"),
    "health_details": ("health", "health_details"),
    **{
        name: ("training_types", name)
        for name in (
            "strength_training",
            "cardio",
            "hiit",
            "yoga_pilates",
            "functional_training",
            "stretching",
        )
    },
}
RATINGS = [name for name, path in NESTED_PATH.items() if path[0] == "training_types"]
ENUMS = {
    "gender": ["male", "female"],
    "training_level": ["beginner", "intermediate", "advanced"],
    "frequency_last_3_months": ["not_trained", "1_2_times_week", "3_4_times_week", "5_6_times_week", "daily"],
    "training_location": ["gym", "home", "outdoor", "mixed"],
    "location_details": [
        "full_fitness_center",
        "basic_gym",
        "home_equipment",
        "no_equipment",
        "park_outdoor",
    ],
    "session_duration": ["15_30_min", "30_45_min", "45_60_min", "60_90_min", "90+_min"],
}
SIX_GOALS = [
    "weight_loss",
    "muscle_gain",
    "maintain_fitness",
    "improve_endurance",
    "improve_flexibility",
    "rehabilitation",
]

ACCEPTED = [
    # ranges: at each limit and just inside it
    ("age", 13),
    ("age", 14),
    ("age", 99),
    ("age", 100),
    ("height_cm", 100),
    ("height_cm", 101),
    ("height_cm", 249),
    ("height_cm", 250),
    ("age", 30.0),  # JSON Schema's "integer": a number without a fraction (stored as 30)
    ("weight_kg", 30),
    ("weight_kg", 30.1),
    ("weight_kg", 299.9),
    ("weight_kg", 300),
    *[(rating, value) for rating in RATINGS for value in (1, 2, 4, 5)],
    # every value of every enumeration
    *[(field, value) for field, values in ENUMS.items() for value in values],
    ("joint_back_problems", True),
    ("joint_back_problems", False),
    ("chronic_conditions", True),
    ("chronic_conditions", False),
    ("training_goals", []),
    ("training_goals", ["rehabilitation"]),
    ("training_goals", SIX_GOALS[:5]),
    ("health_details", ""),
    ("health_details", "x" * 1999),
    ("health_details", "x" * 2000),
]

REFUSED = [
    # ranges: just outside each limit
    ("age", 12),
    ("age", 101),
    ("height_cm", 99),
    ("height_cm", 251),
    ("weight_kg", 29.9),
    ("weight_kg", 300.1),
    *[(rating, value) for rating in RATINGS for value in (0, 6)],
    # wrong types
    ("age", "30"),
    ("age", 30.5),
    ("age", True),
    ("height_cm", "180"),
    ("weight_kg", "75"),
    ("weight_kg", True),
    *[(rating, 1.5) for rating in RATINGS],
    *[(rating, "3") for rating in RATINGS],
    ("joint_back_problems", "true"),
    ("joint_back_problems", 1),
    ("chronic_conditions", "no"),
    ("chronic_conditions", 0),
    ("health_details", 123),
    ("health_details", "x" * 2001),
    ("gender", 1),
    # unknown values
    *[(field, "unknown_value") for field in ENUMS],
    ("gender", "Male"),
    ("session_duration", "90_min"),
    ("training_level", ""),
    ("training_goals", SIX_GOALS),
    ("training_goals", ["weight_loss", "weight_loss"]),
    ("training_goals", ["flying"]),
    ("training_goals", "weight_loss"),
    ("training_goals", [1]),
    ("training_goals", {"weight_loss": True}),
]


def nested(profile, field):
    value = profile
    for key in NESTED_PATH[field]:
        value = value[key]
    return value


def test_a_new_user_has_no_training_profile(client, user):
    response = client.get(URL, headers=user.headers)
    assert response.status_code == 200
    assert response.json == {"training_profile": None}


def test_anonymous_callers_cannot_read_or_save_a_training_profile(client):
    for response in (client.get(URL), client.put(URL, json={"age": 30})):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert isinstance(response.json["detail"], str)


def test_the_first_save_creates_the_profile_and_reads_back_nested(client, db, tq, user):
    saved = client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers)
    assert saved.status_code == 200, saved.json
    assert saved.json["message"] == "Training profile saved"
    read = client.get(URL, headers=user.headers)
    assert read.status_code == 200
    profile = read.json["training_profile"]
    assert profile == saved.json["training_profile"]
    assert {key: value for key, value in profile.items() if key not in ("created_at", "updated_at")} == {
        "basic_information": {"gender": "female", "age": 34, "height_cm": 170, "weight_kg": 64.5},
        "training_goals": ["weight_loss", "improve_endurance"],
        "training_experience": {"level": "intermediate", "frequency_last_3_months": "3_4_times_week"},
        "preferences": {
            "training_location": "mixed",
            "location_details": "basic_gym",
            "session_duration": "45_60_min",
        },
        "health": {
            "joint_back_problems": True,
            "chronic_conditions": False,
            "health_details": "Old knee injury; no running on hard ground.",
        },
        "training_types": {
            "strength_training": 4,
            "cardio": 5,
            "hiit": 2,
            "yoga_pilates": 3,
            "functional_training": 1,
            "stretching": 4,
        },
    }
    assert profile["created_at"].endswith("+00:00")
    assert tq.get_profile_row(db, user_id=user["id"])["age"] == 34


def test_missing_answers_are_null_not_invented_defaults(client, user):
    response = client.put(URL, json={"age": 40}, headers=user.headers)
    assert response.status_code == 200
    profile = response.json["training_profile"]
    assert profile["basic_information"] == {"gender": None, "age": 40, "height_cm": None, "weight_kg": None}
    assert profile["training_goals"] is None
    assert set(profile["training_types"].values()) == {None}
    assert set(profile["health"].values()) == {None}


def test_a_partial_save_changes_only_the_fields_sent(client, user):
    client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers)
    response = client.put(URL, json={"age": 35, "cardio": 2}, headers=user.headers)
    assert response.status_code == 200
    profile = client.get(URL, headers=user.headers).json["training_profile"]
    assert profile["basic_information"]["age"] == 35
    assert profile["training_types"]["cardio"] == 2
    for field in set(FULL_QUESTIONNAIRE) - {"age", "cardio"}:
        assert nested(profile, field) == FULL_QUESTIONNAIRE[field], field
    assert profile["updated_at"] is not None


@pytest.mark.parametrize("field", sorted(FULL_QUESTIONNAIRE))
def test_a_field_sent_as_null_is_cleared(client, user, field):
    client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers)
    response = client.put(URL, json={field: None}, headers=user.headers)
    assert response.status_code == 200
    profile = client.get(URL, headers=user.headers).json["training_profile"]
    assert nested(profile, field) is None
    others = [name for name in FULL_QUESTIONNAIRE if name != field]
    assert all(nested(profile, name) == FULL_QUESTIONNAIRE[name] for name in others)


def test_an_empty_save_is_refused_and_creates_nothing(client, db, tq, user):
    response = client.put(URL, json={}, headers=user.headers)
    assert response.status_code == 422
    assert response.json["detail"] == "Send at least one questionnaire field."
    assert tq.get_profile_row(db, user_id=user["id"]) is None


@pytest.mark.parametrize(("field", "value"), ACCEPTED)
def test_every_value_within_the_limits_is_stored(client, user, field, value):
    response = client.put(URL, json={field: value}, headers=user.headers)
    assert response.status_code == 200, response.json
    assert nested(client.get(URL, headers=user.headers).json["training_profile"], field) == value


@pytest.mark.parametrize(("field", "value"), REFUSED)
def test_every_value_outside_the_limits_is_refused_for_its_field(client, db, tq, user, field, value):
    response = client.put(URL, json={field: value}, headers=user.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert response.json["detail"].startswith(f"{field}: ")
    assert tq.get_profile_row(db, user_id=user["id"]) is None


def test_a_refused_save_changes_nothing_of_an_existing_profile(client, db, tq, user):
    client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers)
    before = tq.get_profile_row(db, user_id=user["id"])
    response = client.put(URL, json={"age": 35, "cardio": 9}, headers=user.headers)
    assert response.status_code == 422
    assert tq.get_profile_row(db, user_id=user["id"]) == before


def test_every_bad_field_is_reported_at_once(client, user):
    response = client.put(
        URL, json={"age": 7, "gender": "x", "training_goals": ["weight_loss"] * 2}, headers=user.headers
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"age", "gender", "training_goals"}
    assert all(isinstance(msg, str) for msgs in response.json["errors"].values() for msg in msgs)


@pytest.mark.parametrize(
    "field", ["user_id", "id", "is_admin", "created_at", "basic_information", "favourite_colour"]
)
def test_unknown_fields_are_refused_by_name(client, db, tq, user, field):
    response = client.put(URL, json={"age": 30, field: 1}, headers=user.headers)
    assert response.status_code == 422
    assert response.json["errors"] == {field: ["Unknown field."]}
    assert tq.get_profile_row(db, user_id=user["id"]) is None


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("[1, 2]", "application/json", 400),
        ("{not json", "application/json", 400),
        ("age=30", "text/plain", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, user, body, content_type, status):
    response = client.put(URL, data=body, content_type=content_type, headers=user.headers)
    assert response.status_code == status
    assert isinstance(response.json["detail"], str)


def test_each_user_reads_and_saves_only_their_own_profile(client, user, other_user):
    client.put(URL, json={"age": 30}, headers=user.headers)
    assert client.get(URL, headers=other_user.headers).json == {"training_profile": None}
    client.put(URL, json={"age": 60}, headers=other_user.headers)
    assert client.get(URL, headers=user.headers).json["training_profile"]["basic_information"]["age"] == 30


def test_me_and_the_users_api_embed_the_same_nested_profile(client, user):
    saved = client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers).json["training_profile"]
    assert client.get("/auth/me", headers=user.headers).json["user_info"]["training_profile"] == saved
    assert client.get(f"/api/users/{user['id']}", headers=user.headers).json["training_profile"] == saved


def test_a_user_cannot_read_or_change_another_users_profile_but_an_admin_can(
    client, db, tq, user, other_user, admin
):
    client.put(URL, json={"age": 30}, headers=user.headers)
    path = f"/api/users/{user['id']}"

    assert client.get(path, headers=other_user.headers).status_code == 404
    changed = client.put(path, json={"training_profile": {"age": 99}}, headers=other_user.headers)
    assert changed.status_code == 404
    assert tq.get_profile_row(db, user_id=user["id"])["age"] == 30

    read = client.get(path, headers=admin.headers)
    assert read.status_code == 200
    assert read.json["training_profile"]["basic_information"]["age"] == 30
    changed = client.put(path, json={"training_profile": {"age": 31}}, headers=admin.headers)
    assert changed.status_code == 200
    assert tq.get_profile_row(db, user_id=user["id"])["age"] == 31


def test_the_users_api_applies_the_same_questionnaire_rules(client, user):
    response = client.put(
        f"/api/users/{user['id']}", json={"training_profile": {"age": 12}}, headers=user.headers
    )
    assert response.status_code == 422
    assert "training_profile" in response.json["errors"]


def _goals(*goals):
    return "[" + ", ".join(f'"{goal}"' for goal in goals) + "]"


DBA_REFUSED = [
    ("dba_set_profile_age", {"age": 7}),
    ("dba_set_profile_age", {"age": 101}),
    ("dba_set_profile_height", {"height_cm": 99}),
    ("dba_set_profile_height", {"height_cm": 251}),
    ("dba_set_profile_weight", {"weight_kg": 29.9}),
    ("dba_set_profile_weight", {"weight_kg": 300.5}),
    ("dba_set_profile_cardio_rating", {"cardio": 9}),
    ("dba_set_profile_cardio_rating", {"cardio": 0}),
    ("dba_set_profile_gender", {"gender": "other"}),
    ("dba_set_profile_goals", {"goals_json": _goals(*SIX_GOALS)}),
    ("dba_set_profile_goals", {"goals_json": _goals("weight_loss", "weight_loss")}),
    ("dba_set_profile_goals", {"goals_json": _goals("flying")}),
    ("dba_set_profile_goals", {"goals_json": '"weight_loss"'}),
    ("dba_set_profile_goals", {"goals_json": "[1]"}),
    ("dba_set_profile_goals", {"goals_json": '{"weight_loss": true}'}),
    ("dba_set_profile_health_details", {"health_details": "x" * 2001}),
]

DBA_ACCEPTED = [
    ("dba_set_profile_age", {"age": 13}),
    ("dba_set_profile_age", {"age": 100}),
    ("dba_set_profile_cardio_rating", {"cardio": 5}),
    ("dba_set_profile_goals", {"goals_json": "[]"}),
    ("dba_set_profile_goals", {"goals_json": _goals(*SIX_GOALS[:5])}),
    ("dba_set_profile_health_details", {"health_details": "x" * 2000}),
]


@pytest.fixture
def stored_profile(client, user):
    assert client.put(URL, json=FULL_QUESTIONNAIRE, headers=user.headers).status_code == 200
    return user["id"]


@pytest.mark.parametrize(("query", "params"), DBA_REFUSED)
def test_the_database_refuses_a_direct_update_outside_the_limits(db, tq, stored_profile, query, params):
    before = tq.get_profile_row(db, user_id=stored_profile)
    with pytest.raises(psycopg.errors.CheckViolation):
        getattr(tq, query)(db, user_id=stored_profile, **params)
    assert tq.get_profile_row(db, user_id=stored_profile) == before


@pytest.mark.parametrize(("query", "params"), DBA_ACCEPTED)
def test_the_database_accepts_a_direct_update_at_the_limits(db, tq, stored_profile, query, params):
    getattr(tq, query)(db, user_id=stored_profile, **params)
    row = tq.get_profile_row(db, user_id=stored_profile)
    stored = {"goals_json": row["training_goals_json"], **row}
    assert all(stored[name] == value for name, value in params.items())
