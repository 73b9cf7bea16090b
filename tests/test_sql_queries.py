"""Every named query in sql/ runs against the migrated schema; a broken query file stops the start.

Each query runs once, in a transaction that is rolled back, with sample arguments chosen by
parameter name. A new query is covered automatically; a query with a parameter name not in
SAMPLE_ARGUMENTS fails here until a sample value (valid for the schema's CHECKs) is added.
"""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.types.json import Json

from service.queries import QueryFileError, load_queries

QUERIES = load_queries()
QUERY_NAMES = sorted(name for name, _ in QUERIES)

# Sample values by parameter name. "{user}", "{course}" and "{session}" are the ids of rows
# arranged in the same transaction.
SAMPLE_ARGUMENTS = {
    "allowances": [20, 5, 50],
    "after_id": 0,
    "age": 30,
    "authenticated_at": datetime.now(UTC),
    "batch_size": 100,
    "before_id": 10**12,
    "cardio": 3,
    "checked_hash": "pbkdf2:sha256:1000$salt$0000",
    "category": "mobility",
    "chronic_conditions": False,
    "course_id": "{course}",
    "description": "A sample description",
    "difficulty_level": "beginner",
    "duration_minutes": 30,
    "email": "sample@example.org",
    "expected_version": 1,
    "expires_at": datetime.now(UTC) + timedelta(hours=1),
    "fields_sent": ["description", "health_details"],
    "forget_after_seconds": 3600,
    "frequency_last_3_months": "daily",
    "full_name": "Sample Person",
    "functional_training": 3,
    "gender": "female",
    "hashed_password": "pbkdf2:sha256:1000$salt$0000",
    "health_details": "None to speak of",
    "height_cm": 170,
    "hiit": 3,
    "include_inactive": False,
    "ip_address": "127.0.0.1",
    "is_active": True,
    "is_admin": False,
    "joint_back_problems": False,
    "keep_session_id": "{session}",
    "known_address_seconds": 30 * 86400,
    "known_pair_subject": "pair:sample",
    "location_details": "basic_gym",
    "lockout_seconds": 60,
    "login": "arranged",
    "max_lockout_seconds": 3600,
    "name": "urtraining_no_such_database",
    "page_size": 10,
    "password_version": 1,
    "progress_percentage": 50,
    "q": "arr",
    "scopes": ["account", "pair", "address"],
    "session_duration": "30_45_min",
    "skip": 0,
    "strength_training": 3,
    "subjects": ["login:sample", "pair:sample", "ip:127.0.0.1"],
    "succeeded": True,
    "stretching": 3,
    "thumbnail_url": "https://example.org/thumbnail.png",
    "title": "Sample course",
    "token_hash": hashlib.sha256(b"sample").digest(),
    "touch_after_seconds": 60,
    "training_goals": Json(["weight_loss"]),
    "training_level": "beginner",
    "training_location": "gym",
    "user_agent": "pytest",
    "user_id": "{user}",
    "username": "sample_user",
    "video_url": "https://example.org/video.mp4",
    "weight_kg": 70.0,
    "window_seconds": 60,
    "yoga_pilates": 3,
}


def _id_for(query_name):
    """What a bare `id` parameter means, judged by the query's name."""
    if "course" in query_name:
        return "{course}"
    if "session" in query_name:
        return "{session}"
    return "{user}"


def sample_arguments(query_name, parameters, arranged):
    missing = [name for name in parameters if name != "id" and name not in SAMPLE_ARGUMENTS]
    if missing:
        pytest.fail(f"query {query_name}: add sample values for {missing} to SAMPLE_ARGUMENTS in {__file__}")
    arguments = {}
    for name in parameters:
        value = _id_for(query_name) if name == "id" else SAMPLE_ARGUMENTS[name]
        arguments[name] = (
            arranged[value.strip("{}")] if value in ("{user}", "{course}", "{session}") else value
        )
    return arguments


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: every query here runs in a rolled-back transaction."""


@pytest.mark.parametrize("query_name", QUERY_NAMES)
def test_every_named_query_runs_against_the_migrated_schema(db, tq, query_name):
    query = QUERIES.get(query_name)
    assert query.__doc__ and query.__doc__.strip(), f"{query_name} has no purpose comment"
    users_before = tq.count_users(db)

    with db.transaction(force_rollback=True):
        user_id = tq.insert_arranged_user(db)
        arranged = {
            "user": user_id,
            "course": tq.insert_arranged_course(db),
            "session": tq.insert_arranged_session(db, user_id=user_id),
        }
        result = query(db, **sample_arguments(query_name, query.parameters or [], arranged))
        if query.operation.name == "SELECT":
            list(result)

    assert tq.count_users(db) == users_before


def test_queries_are_named_by_their_file():
    assert {
        "users.get_user_by_id",
        "users.insert_user",
        "sessions.authenticate_session",
        "users.list_users",
    } <= set(QUERY_NAMES)


def test_every_statement_starts_with_a_comment_naming_its_query():
    for name, query in QUERIES:
        assert query.sql.startswith(f"/*query='{name}'*/ "), name


# --- loading -----------------------------------------------------------------------------------


def test_a_query_without_a_parameter_list_stops_loading_naming_file_and_query(tmp_path):
    (tmp_path / "good.sql").write_text("-- name: fine()$\n-- Fine.\nSELECT 1;\n")
    (tmp_path / "broken.sql").write_text("-- name: oops\n-- Broken: no parameter list.\nSELECT 1;\n")

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "broken.sql" in str(raised.value)
    assert "oops" in str(raised.value)


def test_an_undeclared_parameter_stops_loading_naming_file_and_query(tmp_path):
    (tmp_path / "broken.sql").write_text("-- name: get-thing(id)^\n-- Broken.\nSELECT :other;\n")

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "broken.sql" in str(raised.value)
    assert "get_thing" in str(raised.value)


def test_one_name_in_two_files_is_two_queries(tmp_path):
    (tmp_path / "a.sql").write_text("-- name: same()$\n-- One.\nSELECT 1;\n")
    (tmp_path / "b.sql").write_text("-- name: same()$\n-- Two.\nSELECT 2;\n")

    queries = load_queries(tmp_path)

    assert {name for name, _ in queries} == {"a.same", "b.same"}


def test_a_query_name_defined_twice_in_one_file_stops_loading(tmp_path):
    (tmp_path / "a.sql").write_text(
        "-- name: same()$\n-- One.\nSELECT 1;\n\n-- name: same()$\n-- Two.\nSELECT 2;\n"
    )

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "a.sql" in str(raised.value)
    assert "same" in str(raised.value)


def test_a_folder_without_query_files_stops_loading(tmp_path):
    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert str(tmp_path) in str(raised.value)


def test_the_repositorys_query_files_load():
    assert list(load_queries())
