"""Several instances of the service (real gunicorn servers) on one PostgreSQL database."""

import time
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row
from yoyo import get_backend

from service import db
from service.config import yoyo_url
from service.devdb import drop_database, ensure_database
from tests.live_server import PROJECT_DIR, spawn_server, stop_server, wait_until_serving

MIGRATION_IDS = sorted(
    path.name.removesuffix(".sql")
    for path in (PROJECT_DIR / "migrations").glob("*.sql")
    if not path.name.endswith(".rollback.sql")
)


def _with_application_name(url, name):
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def _wait_for(condition, what, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def connect():
    """Connections to other databases than the test database; closed at the end."""
    opened = []

    def make(url):
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


def test_two_instances_started_together_on_a_fresh_database_migrate_it_exactly_once(
    fresh_database, tmp_path, connect, tq
):
    watcher = connect(fresh_database)
    datname = watcher.info.dbname
    # Hold yoyo's lock so that both instances are surely waiting for it, then let them race.
    holder = get_backend(yoyo_url(fresh_database))
    try:
        with holder.lock():
            servers = [
                spawn_server(_with_application_name(fresh_database, name), tmp_path, WEB_CONCURRENCY=1)
                for name in ("instance_a", "instance_b")
            ]
            for name in ("instance_a", "instance_b"):
                _wait_for(
                    lambda name=name: (
                        tq.count_connections_named(watcher, datname=datname, application_name=name) == 1
                    ),
                    f"{name} to wait for the migration lock",
                )
            assert all(server.process.poll() is None for server in servers)
    finally:
        holder.connection.close()
    try:
        for server in servers:
            wait_until_serving(server)
        logs = [server.log() for server in servers]
        applied_all = f"init_db: applied {len(MIGRATION_IDS)} migration(s): {', '.join(MIGRATION_IDS)}"
        assert sorted(applied_all in log for log in logs) == [False, True], logs
        assert sorted("init_db: applied 0 migration(s)" in log for log in logs) == [False, True], logs

        applied = [row["migration_id"] for row in tq.list_applied_migrations(watcher)]
        assert applied == MIGRATION_IDS
        assert {
            row["migration_id"]: row["applications"] for row in tq.list_migration_applications(watcher)
        } == {migration_id: 1 for migration_id in MIGRATION_IDS}
        for server in servers:  # both serve, and both see the sample data seeded once
            token = server.login("admin", "123")
            assert server.request("GET", "/auth/me", token=token)[0] == 200
        assert tq.count_existing_usernames(watcher, usernames=["admin"]) == 1
    finally:
        for server in servers:
            stop_server(server)


@pytest.fixture(scope="module")
def two_instances(server_url, tmp_path_factory):
    """Two gunicorn servers on one fresh database (with the sample accounts), for this module."""
    name = f"urtraining_instances_{uuid.uuid4().hex[:12]}"
    url = ensure_database(server_url, name)
    folder = tmp_path_factory.mktemp("instances")
    servers = [spawn_server(url, folder, WEB_CONCURRENCY=1) for _ in range(2)]
    try:
        for server in servers:
            wait_until_serving(server)
        yield servers
    finally:
        for server in servers:
            stop_server(server)
        drop_database(server_url, name)


def test_a_session_opened_on_one_instance_is_valid_and_revoked_on_every_instance(two_instances):
    first, second = two_instances
    token = first.login("user", "password")

    status, body, _ = second.request("GET", "/auth/me", token=token)
    assert status == 200
    assert body["user_info"]["username"] == "user"

    assert second.request("POST", "/auth/logout", token=token)[0] == 200
    for server in (first, second):
        status, body, headers = server.request("GET", "/auth/verify-token", token=token)
        assert status == 401
        assert body["status"] == 401
        assert headers["WWW-Authenticate"] == "Bearer"

    token_a = first.login("user", "password")
    token_b = second.login("user", "password")
    status, body, _ = first.request("POST", "/auth/logout-all", token=token_b)
    assert status == 200
    assert body["revoked"] == 2
    for server in (first, second):
        for token in (token_a, token_b):
            assert server.request("GET", "/auth/me", token=token)[0] == 401


def test_failed_sign_ins_are_counted_across_instances(two_instances):
    first, second = two_instances
    wrong = {"username": "admin", "password": "not-the-password"}

    statuses = [(first, second)[i % 2].request("POST", "/auth/login", wrong)[0] for i in range(5)]
    status, body, headers = second.request("POST", "/auth/login", wrong)
    right = first.request("POST", "/auth/login", {"username": "admin", "password": "123"})

    assert statuses == [401] * 5
    assert status == 429
    assert body["status"] == 429 and body["detail"].startswith("Too many failed sign-in attempts")
    assert int(headers["Retry-After"]) > 0
    assert right[0] == 429  # locked on every instance, even with the right password


# --- behind a load balancer and PgBouncer ----------------------------------------------------------


def _sign_in_through(client, headers):
    body = {
        "username": "dora",
        "password": "dora-password-1",
        "email": "dora@example.org",
        "full_name": "Dora",
    }
    assert client.post("/auth/register", json=body).status_code == 201
    login = client.post(
        "/auth/login", json={"username": "dora", "password": "dora-password-1"}, headers=headers
    )
    assert login.status_code == 200
    token = login.json["access_token"]
    return client.get("/auth/active-sessions", headers={"Authorization": f"Bearer {token}"}).json


def test_behind_a_trusted_load_balancer_the_client_address_comes_from_x_forwarded_for(
    make_app, database_url_for_tests
):
    client = make_app(database_url_for_tests, TRUSTED_PROXY_COUNT=1).test_client()
    sessions = _sign_in_through(client, {"X-Forwarded-For": "203.0.113.7"})

    assert [session["ip_address"] for session in sessions["active_sessions"]] == ["203.0.113.7"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client):
    sessions = _sign_in_through(client, {"X-Forwarded-For": "203.0.113.7"})

    assert [session["ip_address"] for session in sessions["active_sessions"]] == ["127.0.0.1"]


@pytest.mark.parametrize(("setting", "prepared"), [("none", 0), ("5", 1)])
def test_server_side_prepared_statements_can_be_switched_off_for_pgbouncer(
    make_app, database_url_for_tests, tq, setting, prepared
):
    app = make_app(database_url_for_tests, DB_PREPARE_THRESHOLD=setting)
    with app.test_request_context():
        conn = db.connection()
        for _ in range(10):
            app.extensions["queries"].health.ping_database(conn)
        assert tq.count_prepared_statements(conn) == prepared


@pytest.mark.parametrize(("setting", "shown"), [("2500", "2500ms"), ("0", "0")])
def test_a_zero_statement_timeout_is_not_sent_so_the_database_role_decides(
    make_app, database_url_for_tests, tq, setting, shown
):
    app = make_app(database_url_for_tests, DB_STATEMENT_TIMEOUT_MS=setting)
    with app.test_request_context():
        assert tq.get_statement_timeout(db.connection()) == shown
