"""Response bodies built by PostgreSQL: each matches the schema that documents it, byte for byte
where it matters (timestamps), and the Python dump it replaced.

Every query declared with `returns(..., body=Schema)` (or another JSON column) runs against
arranged data; its JSON is loaded through the documented marshmallow schema (unknown keys,
missing keys and wrong types all fail) and its declared columns must be there.
"""

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from service import security
from service.queries import RETURNS, load_queries
from service.schemas.courses import CourseSchema
from service.schemas.users import UserSchema

PROFILE = {
    "gender": "female",
    "age": 34,
    "height_cm": 170,
    "weight_kg": 64.0,
    "training_goals": ["weight_loss", "improve_endurance"],
    "training_level": "beginner",
    "health_details": "Left knee",
    "cardio": 5,
}


@pytest.fixture
def world(client, db, tq, admin, user, other_user):
    """An admin and two users (one with a questionnaire), courses, enrolments, and token hashes."""
    assert client.put("/auth/training-profile", json=PROFILE, headers=user.headers).status_code == 200
    courses = [
        tq.insert_test_course(db, title=f"Course {n}", category="mobility", is_active=True) for n in range(3)
    ]
    retired = tq.insert_test_course(db, title="Retired", category="mobility", is_active=False)
    for course in courses[:2]:
        assert client.post(f"/api/courses/{course}/enroll", headers=user.headers).status_code == 201
    assert (
        client.put(
            f"/api/courses/{courses[0]}/progress", json={"progress_percentage": 100}, headers=user.headers
        ).status_code
        == 200
    )
    with client.application.app_context():
        hashes = {
            name: security.hash_secret(security.token_secret(account["token"]))
            for name, account in (("admin", admin), ("user", user), ("other", other_user))
        }
    return {
        "admin": admin,
        "user": user,
        "other": other_user,
        "courses": courses,
        "retired": retired,
        "hashes": hashes,
    }


def _signed_in(world, who="admin"):
    return {"token_hash": world["hashes"][who], "touch_after_seconds": 60}


def _page(**extra):
    return {"after_id": 0, "page_size": 50, **extra}


# How to call each query that returns JSON, given the world: (arguments, runs in a rolled-back transaction).
CALLS = {
    "users.get_signed_in_user": lambda w: _signed_in(w, "user"),
    "users.check_email_for_caller": lambda w: {**_signed_in(w, "user"), "email": "nobody@example.org"},
    "users.get_visible_user": lambda w: {**_signed_in(w), "id": w["user"]["id"]},
    "users.list_users_page": lambda w: {
        **_signed_in(w),
        "q": None,
        "is_active": None,
        "is_admin": None,
        **_page(),
    },
    "profiles.get_my_training_profile": lambda w: _signed_in(w, "user"),
    "profiles.upsert_training_profile": lambda w: {
        **{name: None for name in load_queries().profiles.upsert_training_profile.parameters},
        "user_id": w["other"]["id"],
        "age": 40,
        "fields_sent": ["age"],
    },
    "progress.list_my_progress_page": lambda w: {**_signed_in(w, "user"), **_page()},
    "progress.list_user_progress_page": lambda w: {**_signed_in(w), "user_id": w["user"]["id"], **_page()},
    "progress.enroll_in_course": lambda w: {"user_id": w["other"]["id"], "course_id": w["courses"][2]},
    "progress.get_progress": lambda w: {"user_id": w["user"]["id"], "course_id": w["courses"][0]},
    "progress.update_progress": lambda w: {
        "user_id": w["user"]["id"],
        "course_id": w["courses"][1],
        "progress_percentage": 40,
    },
    "sessions.list_my_sessions_page": lambda w: {**_signed_in(w, "user"), "before_id": None, "page_size": 50},
    "courses.list_courses_page": lambda w: {
        "include_inactive": True,
        "category": None,
        "difficulty_level": None,
        "q": None,
        **_page(),
    },
    "courses.get_course": lambda w: {"id": w["courses"][0]},
}

JSON_QUERIES = sorted(name for name, declared in RETURNS.items() if declared.json)


def test_every_query_declared_to_return_json_is_called_here():
    assert JSON_QUERIES, "no query declares a JSON column: is the app imported?"
    assert set(JSON_QUERIES) <= set(CALLS), f"add arguments to CALLS for {set(JSON_QUERIES) - set(CALLS)}"


@pytest.mark.parametrize("query_name", JSON_QUERIES)
def test_a_json_body_matches_the_schema_that_documents_it(app, db, world, query_name):
    declared = RETURNS[query_name]
    query = load_queries().get(query_name)

    with db.transaction(force_rollback=True):
        row = query(db, **CALLS[query_name](world))
        row = row if isinstance(row, dict) else next(iter(row), None)

    assert row is not None, f"{query_name} returned no row"
    missing = [column for column in (*declared.columns, *declared.json) if column not in row]
    assert not missing, f"{query_name} lacks the columns {missing}"
    for column, schema in declared.json.items():
        text = row[column]
        assert isinstance(text, str), f"{query_name}.{column} should be JSON text (sent as it is)"
        document = json.loads(text)
        errors = schema().validate(document)
        assert not errors, f"{query_name}.{column} does not match {schema.__name__}: {errors}"


# --- the same bytes as before: timestamps, users, courses --------------------------------------

MOMENTS = [
    datetime(2026, 5, 1, 9, 30, 0, tzinfo=UTC),  # no fraction: isoformat leaves it out
    datetime(2026, 5, 1, 9, 30, 0, 250000, tzinfo=UTC),  # trailing zeros are kept (six digits)
    datetime(2026, 5, 1, 9, 30, 0, 1, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata"])
def test_api_timestamp_writes_exactly_what_isoformat_wrote_in_every_session_time_zone(db, tq, zone):
    for moment in MOMENTS:
        with db.transaction():
            tq.set_local_time_zone(db, zone=zone)
            text = tq.api_timestamp_text(db, moment=moment)
        # psycopg gives a timestamp in the session's time zone; marshmallow wrote its isoformat().
        assert text == moment.astimezone(ZoneInfo(zone)).isoformat(), (zone, moment)


def test_a_user_built_by_postgresql_is_what_marshmallow_dumped(app, db, world):
    q = load_queries()
    for account in (world["user"], world["other"]):  # with and without a questionnaire
        body = q.users.get_visible_user(db, **_signed_in(world), id=account["id"])["body"]
        dumped = UserSchema().dump(q.users.get_user_by_id(db, id=account["id"]))
        assert json.loads(body) == json.loads(json.dumps(dumped))


def test_a_course_built_by_postgresql_is_what_marshmallow_dumped(app, db, tq, world):
    q = load_queries()
    body = q.courses.get_course(db, id=world["courses"][0])["body"]
    dumped = CourseSchema().dump(tq.get_full_course_row(db, id=world["courses"][0]))
    assert json.loads(body) == json.loads(json.dumps(dumped))


def test_a_read_answer_is_the_text_postgresql_built_sent_as_it_is(client, db, world):
    response = client.get("/auth/me", headers=world["user"].headers)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    built = load_queries().users.get_signed_in_user(db, **_signed_in(world, "user"))["body"]
    assert response.get_data(as_text=True) == built + "\n"
