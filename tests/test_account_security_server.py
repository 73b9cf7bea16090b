"""Account security on a real gunicorn (two workers, the production config file, sample data):
login throttling shared by the workers, and a password change ending the other sessions at once."""

import psycopg
from psycopg.rows import dict_row

from tests.live_server import live_server


def test_six_wrong_passwords_for_user_give_429_and_after_the_wait_the_right_one_works(
    fresh_database, tmp_path, tq
):
    with live_server(fresh_database, tmp_path, WEB_CONCURRENCY=2, GUNICORN_THREADS=1) as server:
        wrong = [
            server.request("POST", "/auth/login", {"username": "user", "password": "guess"}) for _ in range(6)
        ]

        assert [status for status, _, _ in wrong[:5]] == [401] * 5
        status, body, headers = wrong[5]
        assert status == 429
        assert 0 < int(headers["Retry-After"]) <= 60
        assert body["detail"].startswith("Too many failed sign-in attempts")
        assert server.request("POST", "/auth/login", {"username": "user", "password": "password"})[0] == 429

        with psycopg.connect(fresh_database, autocommit=True, row_factory=dict_row) as conn:
            tq.age_login_counters(conn, seconds=int(headers["Retry-After"]) + 1)  # instead of waiting
        status, body, _ = server.request("POST", "/auth/login", {"username": "user", "password": "password"})
        assert status == 200, body


def test_changing_the_password_in_one_session_ends_another_at_once_on_every_worker(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path, WEB_CONCURRENCY=2, GUNICORN_THREADS=1) as server:
        laptop = server.login("user", "password")
        phone = server.login("user", "password")
        assert server.request("GET", "/auth/me", token=phone)[0] == 200

        status, body, _ = server.request(
            "PUT",
            "/auth/change-password",
            {"current_password": "password", "new_password": "a-much-better-passphrase"},
            token=laptop,
        )

        assert status == 200, body
        assert {server.request("GET", "/auth/me", token=phone)[0] for _ in range(10)} == {401}
        assert {server.request("GET", "/auth/me", token=laptop)[0] for _ in range(10)} == {200}
