"""Throttling of password checks and registrations: counted before the hash, per sign-in name
and address, per name, per address; always temporary; never telling two names are one account.

Defaults: 5 attempts per name and address, 20 per name over all addresses (not at an address
where that name signed in within 30 days), 50 per address, then a 60 s lock that doubles with
each further attempt up to 900 s; counts are forgotten an hour after the last one. Tests move
the counters back in time (tq.age_login_counters) instead of waiting.
"""

import re
import threading

import pytest

from service.housekeeping import clean_up
from service.throttle import account_subject

WRONG = "not-the-password"
ATTACKER = "203.0.113.9"
HOME = "198.51.100.7"
LOCK_DETAIL = r"Too many failed sign-in attempts; try again in \d+ seconds"


def login(client, username, password, address="127.0.0.1"):
    return client.post(
        "/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, username, times, address="127.0.0.1"):
    for _ in range(times):
        response = login(client, username, WRONG, address)
        assert response.status_code == 401, response.json


def retry_after(response):
    assert response.status_code == 429, response.json
    return int(response.headers["Retry-After"])


def counters(db, tq):
    return {(row["scope"], row["subject"]): row["failures"] for row in tq.list_login_counters(db)}


def scope_counts(db, tq, scope):
    return sorted(row["failures"] for row in tq.list_login_counters(db) if row["scope"] == scope)


# --- the limits and locks ---------------------------------------------------------------------


def test_six_wrong_passwords_give_a_429_with_retry_after_and_after_the_wait_the_right_password_works(
    client, db, tq, user
):
    fail(client, "alice", 5)

    sixth = login(client, "alice", WRONG)

    assert 0 < retry_after(sixth) <= 60
    assert sixth.json == {
        "detail": f"Too many failed sign-in attempts; try again in {sixth.headers['Retry-After']} seconds",
        "status": 429,
    }
    assert login(client, "alice", user["password"]).status_code == 429  # locked means locked
    tq.age_login_counters(db, seconds=61)
    assert login(client, "alice", user["password"]).status_code == 200
    assert scope_counts(db, tq, "pair") == [0]  # the success reset its pair


def test_refused_attempts_during_a_lockout_are_not_counted(client, db, tq, user):
    fail(client, "alice", 5)
    for _ in range(10):
        assert login(client, "alice", WRONG).status_code == 429

    assert scope_counts(db, tq, "pair") == [5]
    assert scope_counts(db, tq, "account") == [5]


def test_each_attempt_after_a_lockout_doubles_the_next_one_up_to_the_cap(
    make_app, database_url_for_tests, db, tq
):
    app = make_app(
        database_url_for_tests,
        LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS=2,
        LOGIN_LOCKOUT_SECONDS=10,
        LOGIN_MAX_LOCKOUT_SECONDS=30,
    )
    client = app.test_client()
    waits = []
    fail(client, "someone", 2)
    for _ in range(4):
        waits.append(retry_after(login(client, "someone", WRONG)))
        tq.age_login_counters(db, seconds=waits[-1] + 1)
        fail(client, "someone", 1)

    assert 0 < waits[0] <= 10
    assert 10 < waits[1] <= 20
    assert 20 < waits[2] <= 30
    assert 20 < waits[3] <= 30  # capped: never longer than LOGIN_MAX_LOCKOUT_SECONDS


def test_attempts_older_than_the_window_are_forgotten(client, db, tq, user):
    fail(client, "alice", 4)
    tq.age_login_counters(db, seconds=3601)

    fail(client, "alice", 1)

    assert scope_counts(db, tq, "pair") == [1]
    assert login(client, "alice", WRONG).status_code == 401


def test_a_successful_login_resets_its_pair_and_gives_its_own_count_back(client, db, tq, user):
    fail(client, "alice", 4)
    assert login(client, "alice", user["password"]).status_code == 200

    assert scope_counts(db, tq, "pair") == [0]
    assert scope_counts(db, tq, "account") == [4]  # the failures stay; the success is not counted
    assert scope_counts(db, tq, "address") == [4]
    fail(client, "alice", 4)
    assert login(client, "alice", WRONG).status_code == 401  # a fresh pair count: 5th attempt is checked


@pytest.mark.parametrize(
    "overrides",
    [{"LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 2}, {"LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": 8}],
)
def test_the_limits_come_from_configuration(make_app, database_url_for_tests, user, overrides):
    client = make_app(database_url_for_tests, **overrides).test_client()

    fail(client, "alice", overrides["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"])

    assert login(client, "alice", WRONG).status_code == 429


def test_two_app_instances_sharing_the_database_count_attempts_together(
    make_app, database_url_for_tests, user
):
    first = make_app(database_url_for_tests).test_client()
    second = make_app(database_url_for_tests).test_client()

    fail(first, "alice", 3)
    fail(second, "alice", 2)

    assert login(first, "alice", user["password"]).status_code == 429
    assert login(second, "alice", user["password"]).status_code == 429


# --- counted before the hash -------------------------------------------------------------------


def test_concurrent_wrong_logins_are_checked_at_most_up_to_the_limit(make_app, database_url_for_tests, user):
    app = make_app(database_url_for_tests, PASSWORD_HASH_QUEUE_LIMIT=64, DB_POOL_MAX_SIZE=8)
    fail(app.test_client(), "alice", 1)  # four attempts left
    attempts = 24
    barrier = threading.Barrier(attempts)
    statuses = []

    def guess():
        client = app.test_client()
        barrier.wait()
        statuses.append(login(client, "alice", WRONG).status_code)

    threads = [threading.Thread(target=guess) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [401] * 4 + [429] * 20


def test_a_wrong_current_password_at_change_password_counts_like_a_failed_login(client, db, tq, user):
    for _ in range(5):
        response = client.put(
            "/auth/change-password",
            json={"current_password": WRONG, "new_password": "a-new-passphrase-1"},
            headers=user.headers,
        )
        assert response.status_code == 400, response.json

    sixth = client.put(
        "/auth/change-password",
        json={"current_password": user["password"], "new_password": "a-new-passphrase-1"},
        headers=user.headers,
    )

    assert 0 < retry_after(sixth) <= 60
    assert re.fullmatch(LOCK_DETAIL, sixth.json["detail"])
    assert login(client, "alice", user["password"]).status_code == 429  # the same name, the same counter
    tq.age_login_counters(db, seconds=61)
    changed = client.put(
        "/auth/change-password",
        json={"current_password": user["password"], "new_password": "a-new-passphrase-1"},
        headers=user.headers,
    )
    assert changed.status_code == 200, changed.json


# --- the owner is not locked out -----------------------------------------------------------------


def test_failures_from_one_address_do_not_lock_out_the_owner_at_another(client, user):
    fail(client, "alice", 5, address=ATTACKER)

    assert login(client, "alice", WRONG, address=ATTACKER).status_code == 429
    assert login(client, "alice", user["password"], address=HOME).status_code == 200


def test_failures_spread_over_many_addresses_meet_the_account_wide_limit(
    make_app, database_url_for_tests, user
):
    client = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ACCOUNT=6).test_client()
    for n in range(3):
        fail(client, "alice", 2, address=f"203.0.113.{n}")

    new_address = login(client, "alice", user["password"], address="203.0.113.200")

    assert 0 < retry_after(new_address) <= 60


def test_the_account_wide_limit_does_not_lock_an_address_the_owner_signed_in_from(
    make_app, database_url_for_tests, user
):
    client = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ACCOUNT=6).test_client()
    assert login(client, "alice", user["password"], address=HOME).status_code == 200
    for n in range(3):
        fail(client, "alice", 2, address=f"203.0.113.{n}")

    assert login(client, "alice", user["password"], address=HOME).status_code == 200
    assert login(client, "alice", user["password"], address="203.0.113.200").status_code == 429


def test_an_address_is_known_only_for_the_configured_days(make_app, database_url_for_tests, db, tq, user):
    client = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ACCOUNT=2).test_client()
    assert login(client, "alice", user["password"], address=HOME).status_code == 200
    tq.age_login_counters(db, seconds=31 * 24 * 3600)
    fail(client, "alice", 2, address=ATTACKER)

    assert login(client, "alice", user["password"], address=HOME).status_code == 429


def test_one_address_failing_for_many_names_is_refused_then_others_are_not(
    make_app, database_url_for_tests, db, tq, user
):
    client = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ADDRESS=3).test_client()
    for name in ("ann", "ben", "cy"):
        fail(client, name, 1, address=ATTACKER)

    from_attacker = login(client, "alice", user["password"], address=ATTACKER)
    from_elsewhere = login(client, "alice", user["password"], address=HOME)

    assert 0 < retry_after(from_attacker) <= 60
    assert from_elsewhere.status_code == 200
    assert counters(db, tq)[("address", f"ip:{ATTACKER}")] == 3


# --- what the counters reveal -----------------------------------------------------------------------


def test_the_username_and_the_email_are_counted_apart_so_the_throttle_does_not_link_them(client, user):
    fail(client, "alice", 5)

    assert login(client, "alice", WRONG).status_code == 429
    assert login(client, "alice@example.org", WRONG).status_code == 401
    assert login(client, "ALICE@example.org", user["password"]).status_code == 200


def test_an_unknown_name_is_throttled_exactly_like_a_real_one(client, user):
    fail(client, "alice", 5)
    fail(client, "nobody-here", 5)

    real = login(client, "alice", WRONG)
    unknown = login(client, "nobody-here", WRONG)

    assert real.status_code == unknown.status_code == 429
    assert re.fullmatch(LOCK_DETAIL, real.json["detail"])
    assert re.fullmatch(LOCK_DETAIL, unknown.json["detail"])
    assert set(real.headers.keys()) == set(unknown.headers.keys())


def test_a_typed_name_is_stored_only_as_a_hash(client, db, tq):
    fail(client, "Typed-My-Password-Here", 1)

    subjects = [subject for _, subject in counters(db, tq)]

    assert not any("typed-my-password-here" in subject.lower() for subject in subjects)
    assert any(re.fullmatch(r"login:[0-9a-f]{64}", subject) for subject in subjects)
    assert any(re.fullmatch(r"pair:[0-9a-f]{64}", subject) for subject in subjects)


# --- registrations ---------------------------------------------------------------------------------


def register(client, n, address=ATTACKER):
    return client.post(
        "/auth/register",
        json={
            "username": f"newcomer{n}",
            "password": "correct-horse-1",
            "email": f"newcomer{n}@example.org",
            "full_name": "New Comer",
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_registrations_from_one_address_are_throttled(make_app, database_url_for_tests, db, tq):
    client = make_app(database_url_for_tests, REGISTRATIONS_PER_ADDRESS=2).test_client()
    assert [register(client, n).status_code for n in range(2)] == [201, 201]

    third = register(client, 2)

    assert 0 < retry_after(third) <= 60
    assert third.json["detail"].startswith("Too many registrations from this address")
    assert tq.count_users(db) == 2
    assert register(client, 3, address=HOME).status_code == 201


def test_a_registration_of_a_taken_name_is_refused_before_it_is_counted(
    make_app, database_url_for_tests, db, tq, user
):
    client = make_app(database_url_for_tests, REGISTRATIONS_PER_ADDRESS=1).test_client()
    taken = client.post(
        "/auth/register",
        json={"username": "alice", "password": "x" * 12, "email": "x@example.org", "full_name": "X Y"},
        environ_base={"REMOTE_ADDR": ATTACKER},
    )

    assert taken.status_code == 409
    assert register(client, 1).status_code == 201


# --- cost and housekeeping ----------------------------------------------------------------------------


def test_stale_counters_are_deleted_by_the_cleanup(app, client, db, tq, user):
    fail(client, "ghost", 2)
    tq.age_login_counters(db, seconds=3601)

    assert login(client, "alice", user["password"], address=HOME).status_code == 200
    with app.app_context():
        clean_up(batch_size=100)

    subjects = {subject for _, subject in counters(db, tq)}
    assert account_subject("ghost") not in subjects
    assert "ip:127.0.0.1" not in subjects
    assert {account_subject("alice"), f"ip:{HOME}"} <= subjects  # this login's own, fresh


class QueryLog:
    """Wraps the app's named queries and records the name of each one a request runs."""

    def __init__(self, queries, names=None, file_name=None):
        self.queries, self.file_name = queries, file_name
        self.names = [] if names is None else names

    def __getattr__(self, name):
        query = getattr(self.queries, name)
        if self.file_name is None:  # a file of queries: users, sessions, ...
            return QueryLog(query, self.names, name)

        def run(*args, **kwargs):
            self.names.append(f"{self.file_name}.{name}")
            return query(*args, **kwargs)

        return run


@pytest.fixture
def quiet_app(make_app, database_url_for_tests):
    """An app of its own, whose named queries a test may wrap."""
    return make_app(database_url_for_tests)


def logged_queries(app, monkeypatch, request):
    log = QueryLog(app.extensions["queries"])
    monkeypatch.setitem(app.extensions, "queries", log)
    response = request()
    return response, log.names


COUNTED = ["throttle.lock_counters", "throttle.count_attempt"]


def test_a_successful_login_counts_its_attempt_then_gives_it_back(quiet_app, monkeypatch, user):
    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", user["password"])
    )

    assert response.status_code == 200
    assert names == [
        "users.get_login_candidate",
        *COUNTED,
        "sessions.insert_session",
        "throttle.give_back_attempt",
    ]


def test_a_failed_login_costs_nothing_after_its_check(quiet_app, monkeypatch, user):
    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", WRONG)
    )

    assert response.status_code == 401
    assert names == ["users.get_login_candidate", *COUNTED]


def test_a_refused_login_only_looks_up_and_counts_nothing(quiet_app, monkeypatch, db, tq, user):
    fail(quiet_app.test_client(), "alice", 5)
    before = counters(db, tq)

    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", user["password"])
    )

    assert response.status_code == 429
    assert names == ["users.get_login_candidate", *COUNTED]
    assert counters(db, tq) == before
