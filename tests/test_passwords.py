"""Password storage and checking: OWASP-strength hashes, upgrade on login, lengths, no truncation,
and an unknown user's failed login indistinguishable from a wrong password."""

import time

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from service import security
from service.config import Config

PRODUCTION_METHOD = "scrypt:131072:8:1"  # N=2^17, r=8, p=1: the OWASP Password Storage minimum


def register(client, username, password):
    return client.post(
        "/auth/register",
        json={
            "username": username,
            "password": password,
            "email": f"{username}@example.org",
            "full_name": "Pat",
        },
    )


def login(client, username, password):
    return client.post("/auth/login", json={"username": username, "password": password})


def test_the_default_hash_method_is_the_owasp_minimum_for_scrypt():
    assert Config(environ={}).PASSWORD_HASH_METHOD == PRODUCTION_METHOD


def test_the_hash_method_comes_from_configuration(db, tq, user):
    assert tq.get_password_hash_method(db, id=user["id"]) == "pbkdf2:sha256:1000"  # the tests' setting


@pytest.mark.parametrize("older_method", ["pbkdf2:sha256:600", "scrypt:16384:8:1"])
def test_a_weaker_stored_hash_is_upgraded_at_the_next_successful_login(client, db, tq, user, older_method):
    tq.set_password_hash(
        db, id=user["id"], hashed_password=generate_password_hash(user["password"], older_method)
    )

    assert login(client, "alice", user["password"]).status_code == 200

    assert tq.get_password_hash_method(db, id=user["id"]) == "pbkdf2:sha256:1000"
    assert login(client, "alice", user["password"]).status_code == 200  # and it still verifies


def test_a_failed_login_does_not_upgrade_the_hash(client, db, tq, user):
    tq.set_password_hash(
        db, id=user["id"], hashed_password=generate_password_hash(user["password"], "pbkdf2:sha256:600")
    )

    assert login(client, "alice", "not-the-password").status_code == 401

    assert tq.get_password_hash_method(db, id=user["id"]) == "pbkdf2:sha256:600"


def test_a_hash_of_the_configured_method_is_not_rewritten(client, db, tq, user):
    before = tq.get_database_fingerprint(db)["users"]
    assert login(client, "alice", user["password"]).status_code == 200
    assert tq.get_database_fingerprint(db)["users"] == before


def test_the_sample_users_hash_is_upgraded_to_the_production_method(
    make_app, database_url_for_tests, db, tq, user
):
    app = make_app(database_url_for_tests, PASSWORD_HASH_METHOD=PRODUCTION_METHOD)
    tq.set_password_hash(
        db, id=user["id"], hashed_password=generate_password_hash(user["password"], "scrypt:32768:8:1")
    )

    assert login(app.test_client(), "alice", user["password"]).status_code == 200

    assert tq.get_password_hash_method(db, id=user["id"]) == PRODUCTION_METHOD


@pytest.mark.parametrize("length", [8, 64, 128])
def test_passwords_of_8_to_128_characters_are_accepted(client, length):
    password = ("Tr0ub4dor&3-" * 11)[:length]
    assert register(client, "longpass", password).status_code == 201
    assert login(client, "longpass", password).status_code == 200


@pytest.mark.parametrize("length", [7, 129, 1000])
def test_passwords_shorter_than_8_or_longer_than_128_are_refused(client, db, tq, length):
    response = register(client, "longpass", "x" * length)

    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]
    assert tq.count_users(db) == 0


def test_a_long_password_is_not_truncated(client):
    password = "a" * 99 + "b"
    assert register(client, "longpass", password).status_code == 201

    assert login(client, "longpass", "a" * 99 + "c").status_code == 401
    assert login(client, "longpass", "a" * 99).status_code == 401
    assert login(client, "longpass", password).status_code == 200


def test_a_password_is_checked_exactly_as_typed(client):
    password = "Grüße aus Köln ✓ 42"
    assert register(client, "exactpass", password).status_code == 201

    assert login(client, "exactpass", password).status_code == 200
    assert login(client, "exactpass", password.upper()).status_code == 401
    assert login(client, "exactpass", password.strip(" 42")).status_code == 401


def test_an_unknown_user_gets_exactly_the_wrong_password_answer(client, user):
    wrong = login(client, "alice", "not-the-password")
    unknown = login(client, "nobody-at-all", "not-the-password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data() == unknown.get_data()
    per_request = {"X-Request-ID", "Date"}
    assert {k: v for k, v in wrong.headers if k not in per_request} == {
        k: v for k, v in unknown.headers if k not in per_request
    }


def test_an_unknown_users_login_still_checks_a_password_hash(client, monkeypatch):
    checked = []
    real_check = security.check_password_hash

    def counting_check(stored, password):
        checked.append(stored.split("$", 1)[0])
        return real_check(stored, password)

    monkeypatch.setattr(security, "check_password_hash", counting_check)

    assert login(client, "nobody-at-all", "not-the-password").status_code == 401

    assert checked == ["pbkdf2:sha256:1000"]  # a dummy hash of the configured method: same cost


# A configured method slow enough to time (a few hundred ms), and a stale one that costs nothing.
TIMED_METHOD = "pbkdf2:sha256:600000"
STALE_METHOD = "pbkdf2:sha256:1000"


def timed_login(client, username, password):
    started = time.perf_counter()
    response = login(client, username, password)
    return response, time.perf_counter() - started


def a_check_at(method):
    """How long one check at `method` takes here and now (the median of three)."""
    stored = generate_password_hash("reference-password", method)
    durations = []
    for _ in range(3):
        started = time.perf_counter()
        check_password_hash(stored, "another-password")
        durations.append(time.perf_counter() - started)
    return sorted(durations)[1]


@pytest.mark.parametrize("warmed_up", [False, True], ids=["first check of the worker", "later checks"])
def test_a_wrong_password_for_a_stale_hash_takes_as_long_as_a_check_at_the_configured_cost(
    make_app, database_url_for_tests, db, tq, warmed_up
):
    # Lower bounds only: a loaded machine makes a login slower, never faster than its work.
    client = make_app(database_url_for_tests, PASSWORD_HASH_METHOD=TIMED_METHOD).test_client()
    assert register(client, "dormant", "correct-horse-1").status_code == 201
    user_id = tq.get_user_row(db, username="dormant")["id"]
    tq.set_password_hash(
        db, id=user_id, hashed_password=generate_password_hash("correct-horse-1", STALE_METHOD)
    )
    if warmed_up:
        assert login(client, "nobody-at-all", "not-the-password").status_code == 401
    configured_cost = a_check_at(TIMED_METHOD)

    response, seconds = timed_login(client, "dormant", "not-the-password")

    assert response.status_code == 401
    assert seconds >= 0.5 * configured_cost, (seconds, configured_cost)
    assert tq.get_password_hash_method(db, id=user_id) == STALE_METHOD  # a failure upgrades nothing
