"""The service under a real gunicorn: start-up migration and seeding, serving, graceful stop."""

import signal
import subprocess

from tests.live_server import GUNICORN, PROJECT_DIR, free_port, live_server


def test_gunicorn_migrates_seeds_and_serves_a_fresh_database(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        token = server.login("admin", "123")
        status, body, _ = server.request("GET", "/auth/me", token=token)
        assert status == 200
        assert body["user_info"]["username"] == "admin"
        assert body["user_info"]["training_profile"]["basic_information"]["age"] == 30
        assert "init_db: applied " in server.log()
        assert "migration(s): 0001.create-schema" in server.log()


def test_a_token_from_one_worker_is_accepted_by_every_worker(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path, WEB_CONCURRENCY=2, GUNICORN_THREADS=1) as server:
        token = server.login("user", "password")
        statuses = {server.request("GET", "/auth/verify-token", token=token)[0] for _ in range(20)}
        assert statuses == {200}


def test_sample_data_can_be_switched_off(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path, SEED_SAMPLE_DATA="false") as server:
        status, body, _ = server.request("POST", "/auth/login", {"username": "admin", "password": "123"})
        assert status == 401
        assert body["detail"] == "Incorrect username or password"


def test_sigterm_stops_the_server_cleanly(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        assert server.request("GET", "/ping")[0] == 200
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert "Shutting down: Master" in server.log()


def test_the_server_refuses_to_start_when_the_database_stays_unreachable(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing",
        "PORT": str(free_port()),
        "DB_STARTUP_WAIT_SECONDS": "1",
    }
    result = subprocess.run(
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "init_db.py failed" in result.stdout + result.stderr
