"""Login throttling: per account and per client address, in PostgreSQL, always temporary.

Defaults: 5 failures per account, 50 per address, then a 60 s lockout that doubles with each
further failure up to 900 s; failures are forgotten an hour after the last one. Tests move the
counters back in time (tq.age_login_counters) instead of waiting.
"""

import re

import pytest

WRONG = "not-the-password"


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
    assert ("account", f"user:{user['id']}") not in counters(db, tq)


def test_refused_attempts_during_a_lockout_are_not_counted(client, db, tq, user):
    fail(client, "alice", 5)
    for _ in range(10):
        assert login(client, "alice", WRONG).status_code == 429

    assert counters(db, tq)[("account", f"user:{user['id']}")] == 5


def test_each_failure_after_a_lockout_doubles_the_next_one_up_to_the_cap(
    make_app, database_url_for_tests, db, tq
):
    app = make_app(
        database_url_for_tests,
        LOGIN_MAX_FAILURES_PER_ACCOUNT=2,
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


def test_failures_older_than_the_window_are_forgotten(client, db, tq, user):
    fail(client, "alice", 4)
    tq.age_login_counters(db, seconds=3601)

    fail(client, "alice", 1)

    assert counters(db, tq)[("account", f"user:{user['id']}")] == 1
    assert login(client, "alice", WRONG).status_code == 401


def test_a_successful_login_resets_the_account_counter(client, db, tq, user):
    fail(client, "alice", 4)
    assert login(client, "alice", user["password"]).status_code == 200

    fail(client, "alice", 4)

    assert counters(db, tq)[("account", f"user:{user['id']}")] == 4


def test_the_username_and_the_email_share_one_account_counter(client, user):
    fail(client, "alice", 3)
    fail(client, "ALICE@example.org", 2)

    assert login(client, "alice", user["password"]).status_code == 429


def test_an_unknown_user_is_throttled_exactly_like_a_real_one(client, user):
    fail(client, "alice", 5)
    fail(client, "nobody-here", 5)

    real = login(client, "alice", WRONG)
    unknown = login(client, "nobody-here", WRONG)

    assert real.status_code == unknown.status_code == 429
    pattern = r"Too many failed sign-in attempts; try again in \d+ seconds"
    assert re.fullmatch(pattern, real.json["detail"])
    assert re.fullmatch(pattern, unknown.json["detail"])
    assert set(real.headers.keys()) == set(unknown.headers.keys())


def test_a_sign_in_name_that_matches_no_account_is_stored_only_as_a_hash(client, db, tq):
    fail(client, "Typed-My-Password-Here", 1)

    subjects = [subject for _, subject in counters(db, tq)]

    assert not any("typed-my-password-here" in subject.lower() for subject in subjects)
    assert any(re.fullmatch(r"login:[0-9a-f]{64}", subject) for subject in subjects)


def test_one_address_failing_for_many_accounts_is_refused_then_others_are_not(
    make_app, database_url_for_tests, db, tq, user
):
    app = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    for name in ("ann", "ben", "cy"):
        fail(client, name, 1, address="203.0.113.9")

    from_attacker = login(client, "alice", user["password"], address="203.0.113.9")
    from_elsewhere = login(client, "alice", user["password"], address="198.51.100.7")

    assert 0 < retry_after(from_attacker) <= 60
    assert from_elsewhere.status_code == 200
    assert counters(db, tq)[("address", "ip:203.0.113.9")] == 3  # a success elsewhere resets no address


def test_a_success_does_not_reset_the_address_counter(make_app, database_url_for_tests, db, tq, user):
    app = make_app(database_url_for_tests, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    fail(client, "ann", 2, address="203.0.113.9")

    assert login(client, "alice", user["password"], address="203.0.113.9").status_code == 200
    fail(client, "ben", 1, address="203.0.113.9")

    assert login(client, "alice", user["password"], address="203.0.113.9").status_code == 429


def test_two_app_instances_sharing_the_database_count_failures_together(
    make_app, database_url_for_tests, user
):
    first = make_app(database_url_for_tests).test_client()
    second = make_app(database_url_for_tests).test_client()

    fail(first, "alice", 3)
    fail(second, "alice", 2)

    assert login(first, "alice", user["password"]).status_code == 429
    assert login(second, "alice", user["password"]).status_code == 429


@pytest.mark.parametrize(
    "overrides",
    [{"LOGIN_MAX_FAILURES_PER_ACCOUNT": 2}, {"LOGIN_MAX_FAILURES_PER_ACCOUNT": 8}],
)
def test_the_limits_come_from_configuration(make_app, database_url_for_tests, user, overrides):
    client = make_app(database_url_for_tests, **overrides).test_client()
    allowed = overrides["LOGIN_MAX_FAILURES_PER_ACCOUNT"]

    fail(client, "alice", allowed)

    assert login(client, "alice", WRONG).status_code == 429


def test_stale_counters_are_deleted_by_the_cleanup_on_login(make_app, database_url_for_tests, db, tq, user):
    client = make_app(database_url_for_tests, SESSION_CLEANUP_INTERVAL_SECONDS=0).test_client()
    fail(client, "ghost", 2)
    tq.age_login_counters(db, seconds=3601)

    assert login(client, "alice", user["password"]).status_code == 200

    assert counters(db, tq) == {}


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
    """An app whose on-login cleanup has already run (and will not again for an hour)."""
    app = make_app(database_url_for_tests, SESSION_CLEANUP_INTERVAL_SECONDS=3600)
    login(app.test_client(), "warm-up", WRONG)
    app.extensions["next_session_cleanup"] = float("inf")
    return app


def logged_queries(app, monkeypatch, request):
    log = QueryLog(app.extensions["queries"])
    monkeypatch.setitem(app.extensions, "queries", log)
    response = request()
    return response, log.names


def test_a_successful_login_costs_one_throttling_statement(quiet_app, monkeypatch, user):
    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", user["password"])
    )

    assert response.status_code == 200
    assert names == ["users.get_login_candidate", "throttle.get_login_lockout", "sessions.insert_session"]


def test_a_failed_login_adds_one_statement_to_count_it(quiet_app, monkeypatch, user):
    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", WRONG)
    )

    assert response.status_code == 401
    assert names == [
        "users.get_login_candidate",
        "throttle.get_login_lockout",
        "throttle.record_login_failure",
    ]


def test_a_success_after_failures_adds_one_statement_to_reset_them(quiet_app, monkeypatch, user):
    fail(quiet_app.test_client(), "alice", 2)

    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", user["password"])
    )

    assert response.status_code == 200
    assert names == [
        "users.get_login_candidate",
        "throttle.get_login_lockout",
        "throttle.reset_account_login_failures",
        "sessions.insert_session",
    ]


def test_a_refused_login_only_looks_up_and_checks_and_counts_nothing(quiet_app, monkeypatch, user):
    fail(quiet_app.test_client(), "alice", 5)

    response, names = logged_queries(
        quiet_app, monkeypatch, lambda: login(quiet_app.test_client(), "alice", user["password"])
    )

    assert response.status_code == 429
    assert names == ["users.get_login_candidate", "throttle.get_login_lockout"]
