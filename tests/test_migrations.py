"""Migrations: apply, roll back and apply again; idempotent; safe when run twice at once; yoyo CLI."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from service.config import libpq_url, yoyo_url
from service.migrations import MIGRATIONS_DIR, apply_migrations, rollback_migrations
from service.yoyo_backend import backend_for

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVICE_TABLES = ("users", "training_profiles", "active_sessions", "courses", "user_course_progress")
MIGRATION_IDS = sorted(
    path.name.removesuffix(".sql")
    for path in MIGRATIONS_DIR.glob("*.sql")
    if not path.name.endswith(".rollback.sql")
)


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: these tests work in scratch databases of their own."""


@pytest.fixture
def database(scratch_database):
    return scratch_database()


def connect(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def service_tables(url, tq):
    with connect(url) as conn:
        return {name for name in SERVICE_TABLES if tq.table_exists(conn, name=name)}


def schema(url, tq):
    """Columns, indexes, constraints, triggers and functions of the service (yoyo's own left out)."""
    with connect(url) as conn:
        columns = [dict(row) for row in tq.list_schema_columns(conn) if "yoyo" not in row["table_name"]]
        objects = [dict(row) for row in tq.list_schema_objects(conn) if "yoyo" not in row["name"]]
    return columns + objects


def applied(url, tq):
    with connect(url) as conn:
        return [row["migration_id"] for row in tq.list_applied_migrations(conn)]


def test_every_migration_has_a_rollback():
    for migration_id in MIGRATION_IDS:
        assert (MIGRATIONS_DIR / f"{migration_id}.rollback.sql").is_file(), migration_id


def test_migrations_apply_roll_back_and_apply_again_to_the_same_schema(database, tq):
    assert apply_migrations(database) == MIGRATION_IDS
    assert service_tables(database, tq) == set(SERVICE_TABLES)
    first_schema = schema(database, tq)
    assert {"kind": "function", "name": "set_updated_at", "definition": ""} in first_schema

    assert rollback_migrations(database) == MIGRATION_IDS[::-1]
    assert service_tables(database, tq) == set()
    assert applied(database, tq) == []
    assert schema(database, tq) == []

    assert apply_migrations(database) == MIGRATION_IDS
    assert schema(database, tq) == first_schema
    assert applied(database, tq) == MIGRATION_IDS


def test_applying_twice_changes_nothing(database, tq):
    apply_migrations(database)
    before = schema(database, tq)

    assert apply_migrations(database) == []
    assert schema(database, tq) == before
    assert applied(database, tq) == MIGRATION_IDS


def test_two_processes_applying_at_once_apply_each_migration_once(database, tq):
    results, errors = [], []
    barrier = threading.Barrier(2)

    def migrate():
        barrier.wait()
        try:
            results.append(apply_migrations(database))
        except Exception as exc:  # the test reports any failure below
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results, key=len) == [[], MIGRATION_IDS]
    assert applied(database, tq) == MIGRATION_IDS
    assert service_tables(database, tq) == set(SERVICE_TABLES)


def yoyo(command, database_url):
    """Run the real yoyo CLI from the repository root (yoyo.ini) with DATABASE_URL set."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "yoyo"), *command],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_yoyo_apply_list_and_rollback_from_the_repository_root_take_the_plain_database_url(database, tq):
    plain_url = libpq_url(database)
    assert plain_url.startswith("postgresql://")

    applied_now = yoyo(["apply"], plain_url)
    assert applied_now.returncode == 0, applied_now.stderr
    assert applied(database, tq) == MIGRATION_IDS
    assert service_tables(database, tq) == set(SERVICE_TABLES)

    listed = yoyo(["list"], plain_url)
    assert listed.returncode == 0, listed.stderr
    for migration_id in MIGRATION_IDS:
        assert re.search(rf"^A\s+{re.escape(migration_id)}\s", listed.stdout, re.M), listed.stdout

    rolled_back = yoyo(["rollback"], plain_url)  # batch mode: the last migration only
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert applied(database, tq) == MIGRATION_IDS[:-1]

    listed = yoyo(["list"], plain_url)
    assert re.search(rf"^U\s+{re.escape(MIGRATION_IDS[-1])}\s", listed.stdout, re.M), listed.stdout


def test_yoyo_still_takes_the_postgresql_psycopg_spelling(database, tq):
    result = yoyo(["apply"], yoyo_url(database))

    assert result.returncode == 0, result.stderr
    assert applied(database, tq) == MIGRATION_IDS


def test_every_migration_connection_carries_the_lock_timeout(database, monkeypatch, tq):
    monkeypatch.setenv("MIGRATION_LOCK_TIMEOUT_MS", "1234")
    backend = backend_for(database)
    try:
        assert tq.show_lock_timeout(backend.connection) == "1234ms"
    finally:
        backend.connection.close()
