"""`make check-sql`: a dropped or renamed output column, a JSON key gone, a query without a
declaration, a parameter the code no longer passes, a file that does not load: each fails,
naming the query (and the column, key or line)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service import sqlcheck
from service.queries import SQL_DIR, load_queries

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: these tests change nothing in the shared tables."""


@pytest.fixture
def sql_copy(tmp_path):
    """A copy of sql/ to break; returns an editor: edit(file, old, new) replaces text once."""
    folder = tmp_path / "sql"
    shutil.copytree(SQL_DIR, folder)

    def edit(file_name, old, new):
        path = folder / file_name
        text = path.read_text()
        assert old in text, f"{old!r} not in {file_name}"
        path.write_text(text.replace(old, new, 1))

    edit.folder = folder
    return edit


def check_sql(server_url, sql_dir=SQL_DIR):
    """The real command, as `make check-sql` runs it, against the test server."""
    return subprocess.run(
        [sys.executable, "-m", "service.sqlcheck", "--sql-dir", str(sql_dir)],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": server_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_sql_passes_on_the_repositorys_queries_and_says_how_long_it_took(server_url):
    result = check_sql(server_url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^check-sql: ok: \d+ queries in \d+ files .* in \d+\.\d s$", result.stdout, re.M)


def test_check_sql_fails_naming_query_and_column_when_a_column_is_dropped(server_url, sql_copy):
    sql_copy("users.sql", "    tp.cardio,\n", "")

    result = check_sql(server_url, sql_copy.folder)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "users.get_user_by_id: column cardio missing" in result.stdout.splitlines()
    assert "check-sql: 1 problem(s)" in result.stdout


def test_a_renamed_output_column_is_a_missing_column(database_url_for_tests, sql_copy):
    sql_copy(
        "sessions.sql",
        "    authenticated_at,\n    user_id AS id,\n",
        "    authenticated_at AS signed_in_at,\n    user_id AS id,\n",
    )
    queries = load_queries(sql_copy.folder)

    problems = sqlcheck.check_database(database_url_for_tests, queries, sqlcheck.load_declarations())

    assert problems == ["sessions.authenticate_session: column authenticated_at missing"]


def test_a_json_key_the_schema_requires_is_named_with_its_path(database_url_for_tests, sql_copy):
    sql_copy("users.sql", "        'available', NOT email_taken,\n", "        'free', NOT email_taken,\n")
    queries = load_queries(sql_copy.folder)

    problems = sqlcheck.check_database(database_url_for_tests, queries, sqlcheck.load_declarations())

    assert problems == ["users.check_email_for_caller: JSON column body: key available missing"]


def test_missing_keys_walks_nested_schemas_and_lists():
    import marshmallow as ma

    class Inner(ma.Schema):
        name = ma.fields.String(required=True)
        note = ma.fields.String()

    class Outer(ma.Schema):
        id = ma.fields.Integer(required=True)
        inner = ma.fields.Nested(Inner, required=True)
        items = ma.fields.List(ma.fields.Nested(Inner), required=True)

    value = {"id": 1, "inner": {}, "items": [{"name": "a"}, {"note": "b"}]}

    assert sqlcheck.missing_keys(Outer, value, "") == ["inner.name", "items[1].name"]
    assert sqlcheck.missing_keys(Outer(many=True), [value, {"id": 2}], "") == [
        "[0].inner.name",
        "[0].items[1].name",
        "[1].inner",
        "[1].items",
    ]


def test_a_query_read_by_column_without_a_declaration_is_named(sql_copy):
    sql_copy(
        "courses.sql",
        "-- name: lock_course(id)$",
        "-- name: count_courses_by_level()\n-- How many courses each level has.\n"
        "SELECT\n    difficulty_level,\n    count(*) AS n\nFROM courses\nGROUP BY difficulty_level;\n\n"
        "-- name: lock_course(id)$",
    )
    queries = load_queries(sql_copy.folder)

    problems = sqlcheck.declaration_problems(queries, sqlcheck.load_declarations())

    assert len(problems) == 1
    assert problems[0].startswith("courses.count_courses_by_level: no returns(...) declaration")


def test_a_renamed_parameter_names_the_query_and_the_line_that_calls_it(sql_copy):
    sql_copy("users.sql", "get_login_candidate(login)^", "get_login_candidate(sign_in_name)^")
    sql_copy(
        "users.sql",
        "lower(:login) OR email = lower(:login)",
        "lower(:sign_in_name) OR email = lower(:sign_in_name)",
    )
    sql_copy(
        "users.sql",
        "ORDER BY lower(username) = lower(:login) DESC",
        "ORDER BY lower(username) = lower(:sign_in_name) DESC",
    )
    queries = load_queries(sql_copy.folder)

    problems = sqlcheck.code_call_problems(queries)

    assert len(problems) == 2, problems
    assert re.fullmatch(
        r"users\.get_login_candidate: parameter sign_in_name is not passed by service/api/auth\.py:\d+",
        problems[0],
    )
    assert re.fullmatch(
        r"users\.get_login_candidate: service/api/auth\.py:\d+ passes login, which it does not take",
        problems[1],
    )


def test_a_query_the_code_calls_that_is_gone_is_named(sql_copy):
    sql_copy("health.sql", "-- name: ping_database()$", "-- name: ping()$")
    queries = load_queries(sql_copy.folder)

    problems = sqlcheck.code_call_problems(queries)

    assert any(
        re.fullmatch(r"health\.ping_database: no such query, but service/api/health\.py:\d+ uses it", p)
        for p in problems
    )


def test_a_file_that_does_not_load_fails_naming_file_and_query(server_url, sql_copy):
    sql_copy("courses.sql", "-- name: lock_course(id)$", "-- name: lock_course$")

    result = check_sql(server_url, sql_copy.folder)

    assert result.returncode == 1
    assert "courses.sql" in result.stdout and "lock_course" in result.stdout
