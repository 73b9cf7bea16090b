"""Password hashes run on one low-priority thread per process (service/hashing.py).

Why: measured in bench/RESULTS.md, four clients logging in back to back on the request
threads took the CPU from every other request. Here: where hashing runs, not how fast.
"""

import os
import threading

from werkzeug import security as werkzeug_security

from service import hashing


def _record_thread(calls):
    def record(*args, **kwargs):
        calls.append(
            (threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        )
        return "pbkdf2:sha256:1$salt$hash"

    return record


def test_hashing_a_password_runs_on_the_low_priority_hash_thread(monkeypatch):
    calls = []
    monkeypatch.setattr(werkzeug_security, "generate_password_hash", _record_thread(calls))

    assert hashing.generate_password_hash("correct-horse-1", method="pbkdf2:sha256:1000") == (
        "pbkdf2:sha256:1$salt$hash"
    )

    [(thread_name, niceness)] = calls
    assert thread_name.startswith("password-hash")
    assert thread_name != threading.current_thread().name
    assert niceness >= hashing.HASH_NICENESS


def test_checking_a_password_runs_on_the_same_single_hash_thread(monkeypatch):
    calls = []
    monkeypatch.setattr(werkzeug_security, "check_password_hash", _record_thread(calls))
    threads = [threading.Thread(target=hashing.check_password_hash, args=("x", "y")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 4
    assert len({name for name, _ in calls}) == hashing.HASH_THREADS == 1


def test_a_real_hash_still_verifies_through_the_hash_thread():
    stored = hashing.generate_password_hash("correct-horse-1", method="pbkdf2:sha256:1000")

    assert hashing.check_password_hash(stored, "correct-horse-1") is True
    assert hashing.check_password_hash(stored, "wrong-horse-1") is False


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
