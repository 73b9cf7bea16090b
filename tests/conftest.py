"""Shared fixtures: a fresh PostgreSQL database per test run, the app, users and tokens.

The database is TEST_DATABASE_URL's server when set, else an embedded server whose data lives
in .pgdata-test/ (started once, shared by the xdist workers). Each run (each xdist worker)
creates its own database, migrates it with yoyo, and drops it at the end; every test starts from
empty tables.

Markers, the count of what a run deselects, and skips failing under CI=true: tests/markers.py.
"""

import os
import uuid
from pathlib import Path

import aiosql
import psycopg
import pytest
from flask import request_finished
from psycopg.rows import dict_row

from service import create_app
from service.config import Config, libpq_url
from service.db import has_unread_input
from service.devdb import drop_database, ensure_database, start_server
from service.migrations import apply_migrations

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"  # cheap on purpose; production strength is measured in bench/

pytest_plugins = ["tests.markers"]


@pytest.fixture(scope="session")
def server_url():
    """A URL of the server's maintenance database (postgres)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return libpq_url(url)
    server = start_server(PROJECT_DIR / ".pgdata-test")
    return server.get_uri()


def create_test_database(server_url, name, tq):
    """A new database on the test server whose commits do not wait for the disk."""
    url = ensure_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(tq.relaxed_durability_statement(conn, name=name))
    return url


@pytest.fixture(scope="session")
def database_url_for_tests(server_url, tq):
    name = f"urtraining_test_{uuid.uuid4().hex[:12]}"
    url = create_test_database(server_url, name, tq)
    apply_migrations(url)
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def tq():
    """Test-only named queries (tests/queries.sql): arranging and checking database state."""
    return aiosql.from_path(Path(__file__).parent / "queries.sql", "psycopg")


@pytest.fixture(scope="session")
def oq():
    """Test-only named queries of the operations tests (tests/queries_ops.sql)."""
    return aiosql.from_path(Path(__file__).parent / "queries_ops.sql", "psycopg")


def make_config(database_url, **overrides):
    environ = {
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
        "DB_POOL_MAX_SIZE": "4",
        # Generous: a loaded CI machine must not turn a slow connect into a 503 (tests of the
        # 503 path pass their own short timeout).
        "DB_POOL_TIMEOUT": "15",
        # Fixtures register many accounts from the test client's one address; the registration
        # throttle is tested with its own limits (test_throttle.py).
        "REGISTRATIONS_PER_ADDRESS": "1000",
        "TESTING": "true",
    }
    environ.update({key: str(value) for key, value in overrides.items()})
    return Config(environ=environ)


@pytest.fixture(scope="session")
def app(database_url_for_tests):
    app = create_app(make_config(database_url_for_tests))
    yield app
    app.extensions["pool"].close()


@pytest.fixture(scope="session")
def _direct_connections(database_url_for_tests):
    """The run's direct connection, opened again only when a test closed or broke it."""
    opened = []

    def current():
        conn = opened[-1] if opened else None
        if conn is None or conn.closed or conn.broken or has_unread_input(conn):
            if conn is not None:
                conn.close()
            opened.append(psycopg.connect(database_url_for_tests, autocommit=True, row_factory=dict_row))
        return opened[-1]

    yield current
    if opened:
        opened[-1].close()


@pytest.fixture
def db(_direct_connections):
    """A direct connection for arranging and checking database state (autocommit, dict rows).

    One for the whole run rather than one per test: a connection costs 5 to 20 ms to open.
    """
    return _direct_connections()


@pytest.fixture(autouse=True)
def empty_tables(db, tq):
    tq.empty_all_tables(db)


@pytest.fixture
def client(app):
    return app.test_client()


class Account(dict):
    """A user created through the API, with a logged-in token."""

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self['token']}"}


@pytest.fixture
def make_account(client, db, tq):
    """Create an account (through /auth/register), optionally promote it, and log it in."""
    counter = iter(range(1, 10_000))

    def make(username=None, password="correct-horse-1", is_admin=False, full_name="Test Person"):
        username = username or f"person{next(counter)}"
        response = client.post(
            "/auth/register",
            json={
                "username": username,
                "password": password,
                "email": f"{username}@example.org",
                "full_name": full_name,
            },
        )
        assert response.status_code == 201, response.json
        user_id = response.json["user_info"]["id"]
        if is_admin:
            tq.make_admin(db, id=user_id)
        login = client.post("/auth/login", json={"username": username, "password": password})
        assert login.status_code == 200, login.json
        return Account(id=user_id, username=username, password=password, token=login.json["access_token"])

    return make


@pytest.fixture
def admin(make_account):
    return make_account("boss", is_admin=True)


@pytest.fixture
def user(make_account):
    return make_account("alice")


@pytest.fixture
def other_user(make_account):
    return make_account("bob")


# --- checked on every response; extra apps and databases --------------------------------------

PASSWORD_HASH_MARKERS = ("pbkdf2:", "scrypt:")


@pytest.fixture(autouse=True)
def no_password_hash_in_any_response():
    """Every response of every test (any app) is checked: no password hash, no hash column."""
    leaks = []

    def check(sender, response, **extra):
        if response.direct_passthrough or not response.is_json:
            return
        body = response.get_data(as_text=True)
        found = [marker for marker in PASSWORD_HASH_MARKERS if marker in body]
        # An error may name the refused field ("hashed_password: Unknown field."); a success may not.
        if response.status_code < 400 and "hashed_password" in body:
            found.append("hashed_password")
        if found:
            leaks.append((response.status_code, found, body[:200]))

    request_finished.connect(check)
    yield
    request_finished.disconnect(check)
    assert not leaks, f"password hash material in responses: {leaks}"


@pytest.fixture
def make_app():
    """Build extra apps with other settings (make_config overrides); their pools close at the end."""
    apps = []

    def make(database_url, **overrides):
        extra = create_app(make_config(database_url, **overrides))
        apps.append(extra)
        return extra

    yield make
    for extra in apps:
        extra.extensions["pool"].close()


@pytest.fixture
def scratch_database(server_url, tq):
    """Create empty databases on the test server (dropped at the end); returns their URLs."""
    names = []

    def make():
        name = f"urtraining_scratch_{uuid.uuid4().hex[:12]}"
        names.append(name)
        return create_test_database(server_url, name, tq)

    yield make
    for name in names:
        drop_database(server_url, name)


@pytest.fixture
def fresh_database(server_url, tq):
    """An empty database (not migrated), dropped after the test: for start-up and server tests."""
    name = f"urtraining_fresh_{uuid.uuid4().hex[:12]}"
    url = create_test_database(server_url, name, tq)
    yield url
    drop_database(server_url, name)
