"""Faults under a real gunicorn and a real PostgreSQL: the database stopped or its connections
killed during load, concurrent duplicates, graceful stop and killed workers.

Tests that stop the database run their own embedded server (tests/pg_control.py), never the
shared test server.
"""

import itertools
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psutil
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from service.devdb import ensure_database
from tests.live_server import live_server
from tests.pg_control import ControlledPostgres

REQUEST_TIMEOUT = 30  # seconds: a request that hangs longer fails the test (503s come after ~2 s)
POOL_TIMEOUT = 2


def wait_for(condition, what, seconds=30, interval=0.05):
    """Poll until condition() is true; fail after a bounded time."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


@dataclass
class Answer:
    started: float
    finished: float
    username: str
    status: int
    body: dict
    headers: dict


class RegistrationLoad:
    """Threads registering new accounts until stopped; every answer (or failure) is kept."""

    def __init__(self, server, threads=4, prefix="load"):
        self.server = server
        self.prefix = prefix
        self.counter = itertools.count(1)
        self.results = []  # Answer(...) per request
        self.failures = []  # requests that got no HTTP answer at all (reset, hang, ...)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    def _run(self):
        while not self.stopping.is_set():
            username = f"{self.prefix}{next(self.counter)}"
            body = {
                "username": username,
                "password": "load-password-1",
                "email": f"{username}@example.org",
                "full_name": "Load Test",
            }
            started = time.monotonic()
            try:
                status, answer, headers = self.server.request(
                    "POST", "/auth/register", body, timeout=REQUEST_TIMEOUT
                )
            except Exception as exc:  # no HTTP answer: the test fails on it
                with self.lock:
                    self.failures.append((username, repr(exc)))
                continue
            with self.lock:
                self.results.append(
                    Answer(started, time.monotonic(), username, status, answer, dict(headers))
                )

    def answers(self, status=None, since=None):
        with self.lock:
            return [
                a
                for a in self.results
                if (status is None or a.status == status) and (since is None or a.started >= since)
            ]

    def statuses(self):
        return {a.status for a in self.answers()}

    def count(self, status, since=None):
        return len(self.answers(status, since))

    def created_usernames(self):
        return [a.username for a in self.answers(201)]


def assert_standard_503(answer, headers):
    assert answer["status"] == 503
    assert isinstance(answer["detail"], str) and answer["detail"]
    assert int(headers["Retry-After"]) > 0


@pytest.fixture
def controlled_postgres():
    """An embedded PostgreSQL of this test's own, which the test may stop and start."""
    server = ControlledPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _server_connection(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


# --- the database stops and comes back -----------------------------------------------------------


def test_with_the_database_stopped_requests_get_503_and_the_service_recovers_by_itself(
    controlled_postgres, tmp_path, tq
):
    url = ensure_database(controlled_postgres.url(), "urtraining")
    with live_server(url, tmp_path, SEED_SAMPLE_DATA="false", DB_POOL_TIMEOUT=POOL_TIMEOUT) as server:
        with RegistrationLoad(server) as load:
            wait_for(lambda: load.count(201) >= 20, "registrations before the outage")

            controlled_postgres.stop()
            stopped_at = time.monotonic()
            wait_for(lambda: load.count(503, since=stopped_at) >= 8, "503s during the outage")

            status, body, headers = server.request("GET", "/health", timeout=REQUEST_TIMEOUT)
            assert (status, body["database"]) == (503, "unavailable")
            assert int(headers["Retry-After"]) > 0
            status, body, headers = server.request("GET", "/health/ready", timeout=REQUEST_TIMEOUT)
            assert (status, body["database"]) == (503, "unavailable")
            assert server.request("GET", "/health/live")[:2] == (200, {"status": "ok"})

            controlled_postgres.start()
            back_at = time.monotonic()
            wait_for(lambda: server.request("GET", "/health")[0] == 200, "/health to recover", seconds=15)
            health_recovery = time.monotonic() - back_at
            wait_for(
                lambda: load.count(201, since=back_at) >= 20, "registrations after the outage", seconds=15
            )
        first_201 = min(a.finished for a in load.answers(201, since=back_at)) - back_at
        print(
            f"\nrecovered after the database returned: /health {health_recovery:.3f} s, 201 {first_201:.3f} s"
        )

        assert load.failures == []
        assert load.statuses() == {201, 503}
        for a in load.answers(503):
            assert_standard_503(a.body, a.headers)

    with _server_connection(url) as conn:  # every registration answered 201 was kept
        created = load.created_usernames()
        assert tq.count_existing_usernames(conn, usernames=created) == len(created)


def test_the_first_requests_after_a_database_restart_succeed(controlled_postgres, tmp_path, tq):
    """Dead idle connections are swept at once, not found one by one with growing pauses."""
    url = ensure_database(controlled_postgres.url(), "urtraining")
    with live_server(url, tmp_path, WEB_CONCURRENCY=1, GUNICORN_THREADS=4, DB_POOL_MAX_SIZE=4) as server:
        token = server.login("user", "password")
        with ThreadPoolExecutor(8) as pool:  # grow the pool to several idle connections
            statuses = list(pool.map(lambda _: server.request("GET", "/auth/me", token=token)[0], range(200)))
        assert set(statuses) == {200}
        with _server_connection(url) as conn:
            assert tq.count_service_connections(conn, datname="urtraining") >= 2

        controlled_postgres.stop()
        controlled_postgres.start()

        statuses = [server.request("GET", "/auth/me", token=token)[0] for _ in range(10)]
        assert statuses == [200] * 10


def test_killed_connections_cost_at_most_a_503_and_lose_no_acknowledged_write(
    fresh_database, server_url, tmp_path, tq
):
    with live_server(fresh_database, tmp_path, SEED_SAMPLE_DATA="false") as server:
        datname = conninfo_to_dict(fresh_database)["dbname"]
        with RegistrationLoad(server) as load, _server_connection(server_url) as admin_conn:
            wait_for(lambda: load.count(201) >= 20, "registrations before the kill")
            killed = 0
            for _ in range(3):
                killed += tq.terminate_service_connections(admin_conn, datname=datname)
                time.sleep(0.2)
            killed_at = time.monotonic()
            wait_for(
                lambda: load.count(201, since=killed_at) >= 20, "registrations after the kill", seconds=15
            )
            assert server.request("GET", "/health")[0] == 200

        assert killed > 0
        assert load.failures == []
        assert load.statuses() <= {201, 503}
        for a in load.answers(503):
            assert_standard_503(a.body, a.headers)

    with _server_connection(fresh_database) as conn:
        created = load.created_usernames()
        assert tq.count_existing_usernames(conn, usernames=created) == len(created)


# --- concurrency -----------------------------------------------------------------------------------


def _all_at_once(count, call):
    """Run call(i) for i in range(count) on as many threads, released together."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_simultaneous_registrations_of_one_username_give_one_201_and_409s(fresh_database, tmp_path, tq):
    # A hash queue long enough for all fifty: here the unique constraint decides, not the queue.
    with live_server(
        fresh_database,
        tmp_path,
        SEED_SAMPLE_DATA="false",
        GUNICORN_THREADS=8,
        DB_POOL_MAX_SIZE=8,
        PASSWORD_HASH_QUEUE_LIMIT=64,
    ) as server:

        def register(i):
            body = {
                "username": "samename",
                "password": "same-password-1",
                "email": f"person{i}@example.org",
                "full_name": "Same Name",
            }
            return server.request("POST", "/auth/register", body, timeout=REQUEST_TIMEOUT)

        answers = _all_at_once(50, register)

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [201] + [409] * 49
    conflicts = [body for status, body, _ in answers if status == 409]
    assert all(body == {"detail": "Username already registered", "status": 409} for body in conflicts)
    with _server_connection(fresh_database) as conn:
        assert tq.count_existing_usernames(conn, usernames=["samename"]) == 1


def test_simultaneous_logouts_and_requests_with_one_token_never_give_a_500(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path, GUNICORN_THREADS=8, DB_POOL_MAX_SIZE=8) as server:
        token = server.login("user", "password")
        calls = [
            ("POST", "/auth/logout"),
            ("GET", "/auth/me"),
            ("GET", "/auth/verify-token"),
            ("GET", "/auth/active-sessions"),
            ("POST", "/auth/logout-all"),
        ]

        def call(i):
            method, path = calls[i % len(calls)]
            status, body, _ = server.request(method, path, token=token, timeout=REQUEST_TIMEOUT)
            return method, path, status, body

        answers = _all_at_once(40, call)

        assert {status for _, _, status, _ in answers} <= {200, 401}
        assert any(path == "/auth/logout" and status == 200 for _, path, status, _ in answers) or any(
            path == "/auth/logout-all" and status == 200 for _, path, status, _ in answers
        )
        for _, _, status, body in answers:
            if status == 401:
                assert body["status"] == 401 and isinstance(body["detail"], str)
        assert server.request("GET", "/auth/me", token=token)[0] == 401


def test_simultaneous_enrolments_and_progress_updates_leave_one_consistent_row(fresh_database, tmp_path, tq):
    with live_server(fresh_database, tmp_path, GUNICORN_THREADS=8, DB_POOL_MAX_SIZE=8) as server:
        token = server.login("user", "password")
        course_id = server.request("GET", "/api/courses?limit=1")[1]["courses"][0]["id"]

        enrolments = _all_at_once(
            20, lambda _: server.request("POST", f"/api/courses/{course_id}/enroll", token=token)[0]
        )
        sent = [i * 5 for i in range(21)]  # 0, 5, ... 100
        updates = _all_at_once(
            len(sent),
            lambda i: server.request(
                "PUT", f"/api/courses/{course_id}/progress", {"progress_percentage": sent[i]}, token=token
            )[0],
        )

    assert sorted(enrolments) == [200] * 19 + [201]
    assert set(updates) == {200}
    with _server_connection(fresh_database) as conn:
        user_id = tq.get_user_row(conn, username="user")["id"]
        assert tq.count_course_enrolments(conn, course_id=course_id) == 1
        row = tq.get_progress_row(conn, user_id=user_id, course_id=course_id)
    assert row["progress_percentage"] in sent
    assert row["completed_at"] is not None  # 100 was reached once, and completion is kept


# --- graceful stop and killed workers ------------------------------------------------------------


def _workers(server):
    return sorted(child.pid for child in psutil.Process(server.process.pid).children())


def test_sigterm_lets_an_in_flight_login_finish_and_closes_the_pool(fresh_database, server_url, tmp_path, tq):
    slow_hash = "pbkdf2:sha256:3000000"  # about a second per hash here: a login is surely in flight
    settings = {"SEED_SAMPLE_DATA": "false", "WEB_CONCURRENCY": 1, "PASSWORD_HASH_METHOD": slow_hash}
    with live_server(fresh_database, tmp_path, **settings) as server:
        body = {
            "username": "slowpoke",
            "password": "slow-password-1",
            "email": "s@example.org",
            "full_name": "Slow",
        }
        assert server.request("POST", "/auth/register", body, timeout=30)[0] == 201
        datname = conninfo_to_dict(fresh_database)["dbname"]
        with _server_connection(server_url) as conn:
            assert tq.count_service_connections(conn, datname=datname) >= 1  # the worker's pool
        (worker,) = _workers(server)
        cpu_before = psutil.Process(worker).cpu_times().user

        answer = {}
        login = threading.Thread(
            target=lambda: answer.update(
                result=server.request(
                    "POST", "/auth/login", {"username": "slowpoke", "password": "slow-password-1"}
                )
            )
        )
        login.start()
        # The worker burns CPU only while it hashes the password: then the login is in flight.
        wait_for(
            lambda: psutil.Process(worker).cpu_times().user - cpu_before > 0.2, "the login to be hashing"
        )
        server.process.send_signal(signal.SIGTERM)
        login.join(timeout=30)

        status, token_body, _ = answer["result"]
        assert status == 200
        assert token_body["token_type"] == "bearer"
        assert server.process.wait(timeout=30) == 0

    log = server.log()
    assert f"worker {worker} closed its database pool" in log
    assert "Shutting down: Master" in log
    with _server_connection(server_url) as conn:
        wait_for(lambda: tq.count_service_connections(conn, datname=datname) == 0, "connections to close", 10)
    with _server_connection(fresh_database) as conn:
        user_id = tq.get_user_row(conn, username="slowpoke")["id"]
        assert tq.count_user_sessions(conn, user_id=user_id) == 1  # the login's session was kept


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path, WEB_CONCURRENCY=2) as server:
        token = server.login("user", "password")
        before = _workers(server)
        assert len(before) == 2

        psutil.Process(before[0]).send_signal(signal.SIGKILL)

        statuses = []

        def replaced():
            statuses.append(server.request("GET", "/auth/me", token=token)[0])
            after = _workers(server)
            return len(after) == 2 and before[0] not in after

        wait_for(replaced, "gunicorn to replace the killed worker", seconds=30, interval=0.1)
        statuses += [server.request("GET", "/auth/me", token=token)[0] for _ in range(20)]
        assert set(statuses) == {200}
        assert f"Worker (pid:{before[0]}) was sent SIGKILL!" in server.log()
