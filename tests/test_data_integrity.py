"""What the schema itself guarantees when a DBA writes rows by hand: usable account flags and
one CHECK per rating, named for its column. Through the API and by hand-written SQL."""

import psycopg
import pytest
from psycopg.rows import dict_row
from werkzeug.security import generate_password_hash
from yoyo import read_migrations

from service.migrations import MIGRATIONS_DIR, apply_migrations
from service.schemas.profiles import RATINGS
from service.yoyo_backend import backend_for
from tests.conftest import TEST_PASSWORD_HASH

PASSWORD = "hand-written-1"


def hand_written_hash():
    return generate_password_hash(PASSWORD, method=TEST_PASSWORD_HASH)


def login(client, username):
    return client.post("/auth/login", json={"username": username, "password": PASSWORD})


# --- account flags ------------------------------------------------------------------------------


def test_an_account_written_by_hand_without_flags_is_active_not_admin_and_can_sign_in(client, db, tq):
    user_id = tq.insert_user_by_hand(
        db,
        username="carol",
        email="carol@example.org",
        hashed_password=hand_written_hash(),
        full_name="Carol C",
    )

    assert tq.get_user_flags(db, id=user_id) == {"is_active": True, "is_admin": False}
    response = login(client, "carol")
    assert response.status_code == 200, response.json
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {response.json['access_token']}"})
    assert me.json["user_info"]["is_active"] is True
    assert me.json["user_info"]["is_admin"] is False


@pytest.mark.parametrize("flag", ["is_active", "is_admin"])
def test_a_null_flag_written_by_hand_is_refused_naming_its_column(db, tq, flag):
    flags = {"is_active": True, "is_admin": False, flag: None}

    with pytest.raises(psycopg.errors.NotNullViolation) as refused:
        tq.insert_user_with_flags(
            db, username="dave", email="dave@example.org", hashed_password="x", full_name="Dave D", **flags
        )

    assert refused.value.diag.column_name == flag
    assert tq.count_users(db) == 0


def test_a_flag_cannot_be_set_to_null_by_hand(client, db, tq, user):
    with pytest.raises(psycopg.errors.NotNullViolation):
        tq.set_user_active(db, id=user["id"], is_active=None)

    assert tq.get_user_flags(db, id=user["id"])["is_active"] is True
    assert client.get("/auth/me", headers=user.headers).status_code == 200


@pytest.fixture
def migrated_until_0005(scratch_database):
    """A scratch database with the migrations before 0006 applied (the flags still nullable)."""
    url = scratch_database()
    backend = backend_for(url)
    try:
        with backend.lock():
            earlier = read_migrations(str(MIGRATIONS_DIR)).filter(lambda m: m.id < "0006")
            backend.apply_migrations(backend.to_apply(earlier))
    finally:
        backend.connection.close()
    return url


def test_migrating_gives_null_flags_written_earlier_the_guides_defaults(migrated_until_0005, make_app, tq):
    with psycopg.connect(migrated_until_0005, autocommit=True, row_factory=dict_row) as conn:
        erin = tq.insert_user_with_flags(
            conn,
            username="erin",
            email="erin@example.org",
            hashed_password=hand_written_hash(),
            full_name="Erin E",
            is_active=None,
            is_admin=None,
        )
        apply_migrations(migrated_until_0005)
        assert tq.get_user_flags(conn, id=erin) == {"is_active": True, "is_admin": False}

    response = login(make_app(migrated_until_0005).test_client(), "erin")
    assert response.status_code == 200, response.json


# --- ratings ------------------------------------------------------------------------------------


@pytest.fixture
def rated_user(client, user):
    ratings = dict.fromkeys(RATINGS, 3)
    assert client.put("/auth/training-profile", json=ratings, headers=user.headers).status_code == 200
    return user


@pytest.mark.parametrize("value", [0, 6])
@pytest.mark.parametrize("rating", RATINGS)
def test_a_rating_out_of_range_written_by_hand_is_refused_by_the_check_named_for_it(
    db, tq, rated_user, rating, value
):
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        tq.dba_set_profile_rating(db, user_id=rated_user["id"], rating=rating, value=value)

    assert refused.value.diag.constraint_name == f"training_profiles_{rating}_range"


@pytest.mark.parametrize("rating", RATINGS)
def test_a_rating_out_of_range_sent_to_the_api_is_a_422_naming_it_and_changes_nothing(
    client, db, tq, rated_user, rating
):
    before = tq.get_database_fingerprint(db)

    response = client.put("/auth/training-profile", json={rating: 6}, headers=rated_user.headers)

    assert response.status_code == 422
    assert list(response.json["errors"]) == [rating]
    assert response.json["detail"].startswith(f"{rating}: ")
    assert tq.get_database_fingerprint(db) == before


@pytest.mark.parametrize("rating", RATINGS)
def test_each_rating_accepts_one_to_five_by_hand(client, db, tq, rated_user, rating):
    for value in (1, 5):
        tq.dba_set_profile_rating(db, user_id=rated_user["id"], rating=rating, value=value)
        response = client.get("/auth/training-profile", headers=rated_user.headers)
        assert response.json["training_profile"]["training_types"][rating] == value
