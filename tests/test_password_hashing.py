"""Password hashes run on a bounded pool of low-priority threads per process (service/hashing.py).

Why: measured in bench/RESULTS.md, hashes on the request threads took the CPU from every other
request, and one hash thread per worker left a core idle when the logins' connections were all
on one worker. Here: where hashing runs, how many at once, and what happens when it is full.
"""

import os
import threading

import pytest
from werkzeug import security as werkzeug_security

from service import hashing
from service.config import Config


def _record_thread(calls, meet=None):
    def record(*args, **kwargs):
        calls.append(
            (threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        )
        if meet is not None:
            meet.wait()  # returns only once `meet.parties` hashes run at the same time
        return "pbkdf2:sha256:1$salt$hash"

    return record


def test_hashing_a_password_runs_on_a_low_priority_hash_thread(app, monkeypatch):
    calls = []
    monkeypatch.setattr(werkzeug_security, "generate_password_hash", _record_thread(calls))

    with app.app_context():
        hashed = hashing.generate_password_hash("correct-horse-1", method="pbkdf2:sha256:1000")

    assert hashed == "pbkdf2:sha256:1$salt$hash"
    [(thread_name, niceness)] = calls
    assert thread_name.startswith("password-hash")
    assert thread_name != threading.current_thread().name
    assert niceness >= hashing.HASH_NICENESS


def test_a_worker_has_one_hash_thread_per_usable_core_by_default(app):
    assert Config(environ={}).PASSWORD_HASH_THREADS is None

    with app.app_context():
        assert hashing.hasher().threads == len(os.sched_getaffinity(0))


def test_one_worker_runs_as_many_hashes_at_once_as_it_has_hash_threads(
    make_app, database_url_for_tests, monkeypatch
):
    app = make_app(database_url_for_tests, PASSWORD_HASH_THREADS=2)
    calls = []
    meet = threading.Barrier(2, timeout=10)  # broken (and the checks fail) unless two run at once
    monkeypatch.setattr(werkzeug_security, "check_password_hash", _record_thread(calls, meet))
    results = []

    def check():
        with app.app_context():
            results.append(hashing.check_password_hash("pbkdf2:sha256:1$salt$hash", "y")[0])

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len({name for name, _ in calls}) == 2


def test_a_real_hash_still_verifies_through_the_hash_threads(app):
    with app.app_context():
        stored = hashing.generate_password_hash("correct-horse-1", method="pbkdf2:sha256:1000")

        assert hashing.check_password_hash(stored, "correct-horse-1")[0] is True
        assert hashing.check_password_hash(stored, "wrong-horse-1")[0] is False


# --- a full hash queue ----------------------------------------------------------------------------


@pytest.fixture
def full_app(make_app, database_url_for_tests):
    """An app whose one hash place (1 thread, no queue) is taken, as by a hash in progress."""
    app = make_app(database_url_for_tests, PASSWORD_HASH_THREADS=1, PASSWORD_HASH_QUEUE_LIMIT=0)
    with app.app_context():
        hasher = hashing.hasher()
    assert hasher.capacity == 1
    yield app, hasher


def take_every_place(hasher):
    taken = 0
    while hasher.try_acquire():
        taken += 1
    return taken


def test_with_the_hash_queue_full_a_login_is_answered_503_with_retry_after_at_once(full_app, db, tq, user):
    app, hasher = full_app
    client = app.test_client()
    assert take_every_place(hasher) == 1
    try:
        response = client.post("/auth/login", json={"username": "alice", "password": user["password"]})
    finally:
        hasher.release()

    assert response.status_code == 503
    assert response.json == {
        "detail": "Too many password checks in progress; try again shortly",
        "status": 503,
    }
    assert int(response.headers["Retry-After"]) > 0
    sign_in_counts = [row["failures"] for row in tq.list_login_counters(db) if row["scope"] != "register"]
    assert set(sign_in_counts) == {0}  # nothing was counted
    assert (
        client.post("/auth/login", json={"username": "alice", "password": user["password"]}).status_code
        == 200
    )


def test_with_the_hash_queue_full_reads_and_cheap_refusals_still_answer(full_app, user):
    app, hasher = full_app
    client = app.test_client()
    take_every_place(hasher)
    try:
        ping = client.get("/ping")
        me = client.get("/auth/me", headers=user.headers)
        taken = client.post(
            "/auth/register",
            json={"username": "alice", "password": "x" * 12, "email": "new@example.org", "full_name": "A B"},
        )
        fresh = client.post(
            "/auth/register",
            json={
                "username": "newbie",
                "password": "x" * 12,
                "email": "newbie@example.org",
                "full_name": "A B",
            },
        )
        change = client.put(
            "/auth/change-password",
            json={"current_password": user["password"], "new_password": "y" * 12},
            headers=user.headers,
        )
    finally:
        hasher.release()

    assert ping.status_code == 200
    assert me.status_code == 200
    assert taken.status_code == 409  # a taken name is refused without a hash
    assert taken.json["detail"] == "Username already registered"
    assert fresh.status_code == 503
    assert change.status_code == 503


# --- no pooled connection held while hashing -------------------------------------------------------


def test_a_login_holds_no_pooled_connection_while_its_password_is_hashed(client, app, user, monkeypatch):
    in_use_while_hashing = []
    real_check = werkzeug_security.check_password_hash

    def record(pwhash, password):
        stats = app.extensions["pool"].get_stats()
        in_use_while_hashing.append(stats["pool_size"] - stats["pool_available"])
        return real_check(pwhash, password)

    monkeypatch.setattr(werkzeug_security, "check_password_hash", record)

    response = client.post("/auth/login", json={"username": "alice", "password": user["password"]})

    assert response.status_code == 200
    assert in_use_while_hashing == [0]


def test_a_registration_hashes_before_it_takes_a_pooled_connection(client, app, db, tq, monkeypatch):
    in_use_while_hashing = []
    real_generate = werkzeug_security.generate_password_hash

    def record(password, method):
        stats = app.extensions["pool"].get_stats()
        in_use_while_hashing.append(stats["pool_size"] - stats["pool_available"])
        return real_generate(password, method=method)

    monkeypatch.setattr(werkzeug_security, "generate_password_hash", record)

    response = client.post(
        "/auth/register",
        json={
            "username": "carol",
            "password": "correct-horse-1",
            "email": "carol@example.org",
            "full_name": "Carol",
        },
    )

    assert response.status_code == 201
    assert in_use_while_hashing == [0]
    assert tq.get_user_row(db, username="carol")["email"] == "carol@example.org"
