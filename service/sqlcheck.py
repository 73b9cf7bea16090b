"""`make check-sql`: every named query runs against the migrated schema and returns what the code reads.

    python -m service.sqlcheck [--sql-dir DIR]

For DBAs who edit sql/. Without a database it checks that every file loads, that every query
the code calls exists and gets the parameters it needs (read from the code itself), and that
every query the code reads by column (`^`, or no operator) declares those columns next to the
reading code (`service.queries.returns`). Then, on a scratch database created on DATABASE_URL's
server and migrated, it runs every query once with sample arguments, inside a transaction that
is rolled back after writing a few sample rows (sql/check/sample_rows.sql), and checks each
declaration: every declared column is in the result, and every declared JSON column holds the
keys its marshmallow schema requires, recursively. A problem names the query and the column:

    users.get_user_by_id: column cardio missing
    progress.get_progress: JSON column course: key title missing

The sample arguments are chosen by parameter name (SAMPLE_ARGUMENTS), with a few overrides per
query (SAMPLE_OVERRIDES); a new parameter name needs a sample value here.
"""

import argparse
import ast
import hashlib
import importlib
import json
import os
import pkgutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import marshmallow as ma
import psycopg
from aiosql.types import SQLOperationType
from psycopg.rows import dict_row
from psycopg.types.json import Json

from service.queries import RETURNS, SQL_DIR, QueryFileError, load_file, load_queries

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVICE_DIR = PROJECT_DIR / "service"
SAMPLE_ROWS = PROJECT_DIR / "sql" / "check" / "sample_rows.sql"

# Operations whose rows the code reads by column name: these need a returns() declaration.
READ_BY_COLUMN = (SQLOperationType.SELECT, SQLOperationType.SELECT_ONE)

# Sample values by parameter name. "{user}", "{course}", "{other_course}" and "{session}" are the
# ids of the sample rows written in the same transaction ({user} is enrolled in {course}, has a
# questionnaire and the session {session}; {other_course} has no enrolment).
SAMPLE_ARGUMENTS = {
    "after_id": 0,
    "age": 30,
    "allowances": [20, 5, 50],
    "authenticated_at": datetime.now(UTC),
    "batch_size": 100,
    "before_id": 10**12,
    "cardio": 3,
    "category": "mobility",
    "checked_hash": "pbkdf2:sha256:1000$salt$0000",
    "chronic_conditions": False,
    "course_id": "{course}",
    "description": "A sample description",
    "difficulty_level": "beginner",
    "duration_minutes": 30,
    "email": "sample@example.org",
    "expected_version": 1,
    "expires_at": datetime.now(UTC) + timedelta(hours=1),
    "fields_sent": ["description", "health_details"],
    "forget_after_seconds": 3600,
    "frequency_last_3_months": "daily",
    "full_name": "Sample Person",
    "functional_training": 3,
    "gender": "female",
    "hashed_password": "pbkdf2:sha256:1000$salt$0000",
    "health_details": "None to speak of",
    "height_cm": 170,
    "hiit": 3,
    "include_inactive": False,
    "ip_address": "127.0.0.1",
    "is_active": True,
    "is_admin": False,
    "joint_back_problems": False,
    "keep_session_id": "{session}",
    "known_address_seconds": 30 * 86400,
    "known_pair_subject": "pair:sample",
    "location_details": "basic_gym",
    "lockout_seconds": 60,
    "login": "arranged",
    "max_lockout_seconds": 3600,
    "name": "urtraining_no_such_database",
    "page_size": 10,
    "password_version": 1,
    "progress_percentage": 50,
    "q": "arr",
    "retention_seconds": 0,
    "scopes": ["account", "pair", "address"],
    "session_duration": "30_45_min",
    "skip": 0,
    "strength_training": 3,
    "stretching": 3,
    "subjects": ["login:sample", "pair:sample", "ip:127.0.0.1"],
    "succeeded": True,
    "thumbnail_url": "https://example.org/thumbnail.png",
    "title": "Sample course",
    "token_hash": hashlib.sha256(b"arranged").digest(),  # the sample session's
    "touch_after_seconds": 60,
    "training_goals": Json(["weight_loss"]),
    "training_level": "beginner",
    "training_location": "gym",
    "up_to_id": 10**12,
    "user_agent": "check-sql",
    "user_id": "{user}",
    "username": "sample_user",
    "video_url": "https://example.org/video.mp4",
    "weight_kg": 70.0,
    "window_seconds": 60,
    "yoga_pilates": 3,
}

# Where one query needs another value than its parameter's name gives, so that it returns a row.
SAMPLE_OVERRIDES = {
    "sessions.insert_session": {"token_hash": hashlib.sha256(b"sample").digest()},
    "progress.enroll_in_course": {"course_id": "{other_course}"},
    "courses.delete_course": {"id": "{other_course}"},
}

ARRANGED = ("{user}", "{course}", "{other_course}", "{session}")


class CheckError(Exception):
    """The check itself cannot go on (no sample value for a parameter, sample rows refused)."""


# --- declarations and the code's calls (no database) -------------------------------------------


def load_declarations():
    """Import every module of the service package, so that each returns(...) declaration is made."""
    import service

    for module in pkgutil.walk_packages(service.__path__, prefix="service."):
        if module.name != __name__:
            importlib.import_module(module.name)
    return dict(RETURNS)


def _query_attribute(node, aliases):
    """(file, query) when node is `queries.<file>.<query>` (or `<alias>.<query>`), else None."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "queries":
        return owner.attr, node.attr
    if isinstance(owner, ast.Name) and owner.id in aliases:
        return aliases[owner.id], node.attr
    return None


def _file_aliases(tree, file_names):
    """Names bound to one query file, as in `q = load_queries().maintenance`."""
    aliases = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in file_names
            and "load_queries" in ast.unparse(node.value.value)
        ):
            aliases[node.targets[0].id] = node.value.attr
    return aliases


def code_call_problems(queries, source_dir=SERVICE_DIR):
    """Every `queries.<file>.<query>` in the code names a loaded query, and each call passes the
    parameters that query takes (calls through **kwargs are checked for the name only)."""
    problems = []
    file_names = {query_file.name for query_file in queries.files}
    for path in sorted(Path(source_dir).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        aliases = _file_aliases(tree, file_names)
        calls = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
        where = path.relative_to(source_dir.parent) if path.is_relative_to(source_dir.parent) else path
        for node in ast.walk(tree):
            named = _query_attribute(node, aliases)
            if named is None or named[0] not in file_names:
                continue
            qualified = ".".join(named)
            try:
                query = queries.get(qualified)
            except AttributeError:
                problems.append(f"{qualified}: no such query, but {where}:{node.lineno} uses it")
                continue
            call = calls.get(id(node))
            if call is None or any(keyword.arg is None for keyword in call.keywords):
                continue
            passed = {keyword.arg for keyword in call.keywords}
            needed = set(query.parameters or ())
            for name in sorted(needed - passed):
                problems.append(f"{qualified}: parameter {name} is not passed by {where}:{node.lineno}")
            for name in sorted(passed - needed):
                problems.append(f"{qualified}: {where}:{node.lineno} passes {name}, which it does not take")
    return problems


def declaration_problems(queries, declarations):
    """Each declaration names a query; each query read by column has a declaration."""
    names = {name for name, _ in queries}
    problems = [
        f"{name}: declared with returns(...) but no such query"
        for name in sorted(declarations)
        if name not in names
    ]
    for name, query in queries:
        if query.operation in READ_BY_COLUMN and name not in declarations:
            problems.append(
                f"{name}: no returns(...) declaration; declare the columns the code reads from it "
                "next to that code (service/queries.py, returns)"
            )
    return problems


# --- running the queries -----------------------------------------------------------------------


def sample_rows():
    return load_file(SAMPLE_ROWS)


def arrange(conn, rows=None):
    """Write the sample rows (inside the caller's transaction); returns their ids by placeholder."""
    rows = rows or sample_rows()
    user = rows.insert_sample_user(conn)
    course = rows.insert_sample_course(conn, title="Arranged course")
    arranged = {
        "{user}": user,
        "{course}": course,
        "{other_course}": rows.insert_sample_course(conn, title="Another arranged course"),
        "{session}": rows.insert_sample_session(conn, user_id=user),
    }
    rows.insert_sample_profile(conn, user_id=user)
    rows.insert_sample_enrolment(conn, user_id=user, course_id=course)
    return arranged


def _id_for(query_name):
    """What a bare `id` parameter means, judged by the query's name."""
    if "course" in query_name:
        return "{course}"
    if "session" in query_name:
        return "{session}"
    return "{user}"


def sample_arguments(query_name, parameters, arranged):
    """Arguments for one query: by parameter name, then the query's overrides, ids resolved."""
    overrides = SAMPLE_OVERRIDES.get(query_name, {})
    missing = [
        name for name in parameters if name != "id" and name not in SAMPLE_ARGUMENTS and name not in overrides
    ]
    if missing:
        raise CheckError(f"{query_name}: add sample values for {missing} to SAMPLE_ARGUMENTS in {__file__}")
    arguments = {}
    for name in parameters:
        value = overrides.get(name, _id_for(query_name) if name == "id" else SAMPLE_ARGUMENTS.get(name))
        arguments[name] = arranged[value] if value in ARRANGED else value
    return arguments


def run_query(conn, query_name, query, rows=None):
    """Arrange the sample rows and run one query with sample arguments, in a rolled-back
    transaction; returns (result column names or None, result rows)."""
    with conn.transaction(force_rollback=True):
        arranged = arrange(conn, rows)
        arguments = sample_arguments(query_name, query.parameters or [], arranged)
        with conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(query.sql, arguments)
            if cursor.description is None:
                return None, []
            return [column.name for column in cursor.description], cursor.fetchall()


def missing_keys(schema, value, path):
    """Paths of the keys a marshmallow schema requires that a JSON value lacks, recursively."""
    if isinstance(schema, type):
        schema = schema()
    if isinstance(value, list):
        return [
            key for index, item in enumerate(value) for key in missing_keys(schema, item, f"{path}[{index}]")
        ]
    if not isinstance(value, dict):
        return [f"{path} (not an object)"]
    found = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        where = f"{path}.{key}" if path else key
        if key not in value:
            if field.required:
                found.append(where)
            continue
        found += _nested_missing(field, value[key], where)
    return found


def _nested_missing(field, value, where):
    if value is None:
        return []
    if isinstance(field, ma.fields.Nested):
        return missing_keys(field.schema, value, where)
    if (
        isinstance(field, ma.fields.List)
        and isinstance(field.inner, ma.fields.Nested)
        and isinstance(value, list)
    ):
        return [
            key
            for i, item in enumerate(value)
            for key in missing_keys(field.inner.schema, item, f"{where}[{i}]")
        ]
    return []


def result_problems(query_name, declaration, columns, rows):
    """What a query's result lacks of its declaration."""
    if columns is None:
        return [f"{query_name}: returns no rows at all, but the code reads columns from it"]
    problems = [
        f"{query_name}: column {name} missing"
        for name in (*declaration.columns, *declaration.json)
        if name not in columns
    ]
    for name, schema in declaration.json.items():
        if name not in columns:
            continue
        # A body PostgreSQL builds for the client arrives as text (passed through unparsed).
        values = [
            json.loads(row[name]) if isinstance(row[name], str) else row[name]
            for row in rows
            if row[name] is not None
        ]
        if not values:
            problems.append(
                f"{query_name}: returned no row with a {name} value for the sample data, so JSON column "
                f"{name} could not be checked (add a sample row or SAMPLE_OVERRIDES in {__file__})"
            )
        for value in values[:20]:
            for key in dict.fromkeys(missing_keys(schema, value, "")):
                problems.append(f"{query_name}: JSON column {name}: key {key} missing")
            if problems and problems[-1].startswith(f"{query_name}: JSON column {name}:"):
                break
    return problems


def check_query(conn, query_name, query, declarations, rows=None):
    """Run one query and check its declaration; returns the problems found."""
    try:
        columns, result = run_query(conn, query_name, query, rows)
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return [f"{query_name}: {first_line}"]
    declaration = declarations.get(query_name)
    return result_problems(query_name, declaration, columns, result) if declaration else []


def check_database(database_url, queries, declarations):
    """Every query against a migrated database; returns the problems found."""
    rows = sample_rows()
    problems = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        try:
            with conn.transaction(force_rollback=True):
                arrange(conn, rows)
        except psycopg.Error as error:
            raise CheckError(f"the sample rows of {SAMPLE_ROWS} were refused: {error}") from error
        for name, query in queries:
            problems += check_query(conn, name, query, declarations, rows)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql-dir", default=os.environ.get("SQL_DIR") or str(SQL_DIR))
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        queries = load_queries(args.sql_dir)
    except QueryFileError as error:
        print(f"check-sql: {error}")
        return 1
    declarations = load_declarations()
    problems = code_call_problems(queries) + declaration_problems(queries, declarations)
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        print("check-sql: DATABASE_URL is not set (make check-sql starts an embedded server)")
        return 2
    from service.devdb import scratch_database
    from service.migrations import apply_migrations

    with scratch_database(database_url, prefix="urtraining_check_sql") as url:
        apply_migrations(url)
        try:
            problems += check_database(url, queries, declarations)
        except CheckError as error:
            problems.append(str(error))
    count = sum(1 for _ in queries)
    checked = sum(1 for name, _ in queries if name in declarations)
    for problem in problems:
        print(problem)
    verdict = f"{len(problems)} problem(s)" if problems else "ok"
    shown = (
        os.path.relpath(args.sql_dir)
        if Path(args.sql_dir).resolve().is_relative_to(Path.cwd())
        else args.sql_dir
    )
    print(
        f"check-sql: {verdict}: {count} queries in {len(queries.files)} files from {shown}, "
        f"{checked} declarations checked, in {time.monotonic() - started:.1f} s"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
