"""Every named query in sql/ runs against the migrated schema and returns what the code reads
from it; the code calls only queries that exist, with their parameters; a broken query file
stops loading, naming file and query.

The machinery is `make check-sql`'s (service/sqlcheck.py): each query runs once, in a rolled-back
transaction, after the sample rows of sql/check/sample_rows.sql, with sample arguments chosen by
parameter name. A new query is covered automatically; a query with a parameter name not in
sqlcheck.SAMPLE_ARGUMENTS fails here until a sample value (valid for the schema's CHECKs) is added.
"""

import re

import pglast
import pytest

from service import sqlcheck
from service.queries import QueryFileError, load_queries

QUERIES = load_queries()
QUERY_NAMES = sorted(name for name, _ in QUERIES)
DECLARATIONS = sqlcheck.load_declarations()


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: every query here runs in a rolled-back transaction."""


@pytest.mark.parametrize("query_name", QUERY_NAMES)
def test_every_named_query_runs_and_returns_the_columns_the_code_reads(db, tq, query_name):
    query = QUERIES.get(query_name)
    assert query.__doc__ and query.__doc__.strip(), f"{query_name} has no purpose comment"
    users_before = tq.count_users(db)

    problems = sqlcheck.check_query(db, query_name, query, DECLARATIONS)

    assert problems == []
    assert tq.count_users(db) == users_before


def test_every_query_the_code_reads_by_column_declares_those_columns():
    assert sqlcheck.declaration_problems(QUERIES, DECLARATIONS) == []


def test_the_code_calls_only_queries_that_exist_with_the_parameters_they_take():
    assert sqlcheck.code_call_problems(QUERIES) == []


def test_queries_are_named_by_their_file():
    assert {
        "users.get_user_by_id",
        "users.insert_user",
        "sessions.authenticate_session",
        "users.list_users_page",
    } <= set(QUERY_NAMES)


def test_every_statement_names_its_query_in_a_comment_after_its_first_keyword():
    for name, query in QUERIES:
        assert re.match(
            rf"(SELECT|WITH|INSERT|UPDATE|DELETE) /\*query='{re.escape(name)}'\*/\s", query.sql
        ), name


def test_the_name_is_inside_the_statement_text_that_pg_stat_statements_keeps():
    """pg_stat_statements stores a statement from its first keyword (the parser's stmt_location)
    to its end (stmt_len): a comment before the first keyword never reaches it. Checked with
    PostgreSQL's own parser (pglast)."""
    for name, query in QUERIES:
        text = re.sub(r"%\(\w+\)s", "$1", query.sql)
        (statement,) = pglast.parser.parse_sql(text)
        kept = text[statement.stmt_location :][: statement.stmt_len or None]
        assert 0 <= kept.find(f"/*query='{name}'*/") < 40, name


# --- loading -----------------------------------------------------------------------------------


def test_a_query_without_a_parameter_list_stops_loading_naming_file_and_query(tmp_path):
    (tmp_path / "good.sql").write_text("-- name: fine()$\n-- Fine.\nSELECT 1;\n")
    (tmp_path / "broken.sql").write_text("-- name: oops\n-- Broken: no parameter list.\nSELECT 1;\n")

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "broken.sql" in str(raised.value)
    assert "oops" in str(raised.value)


def test_an_undeclared_parameter_stops_loading_naming_file_and_query(tmp_path):
    (tmp_path / "broken.sql").write_text("-- name: get-thing(id)^\n-- Broken.\nSELECT :other;\n")

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "broken.sql" in str(raised.value)
    assert "get_thing" in str(raised.value)


def test_one_name_in_two_files_is_two_queries(tmp_path):
    (tmp_path / "a.sql").write_text("-- name: same()$\n-- One.\nSELECT 1;\n")
    (tmp_path / "b.sql").write_text("-- name: same()$\n-- Two.\nSELECT 2;\n")

    queries = load_queries(tmp_path)

    assert {name for name, _ in queries} == {"a.same", "b.same"}


def test_a_query_name_defined_twice_in_one_file_stops_loading(tmp_path):
    (tmp_path / "a.sql").write_text(
        "-- name: same()$\n-- One.\nSELECT 1;\n\n-- name: same()$\n-- Two.\nSELECT 2;\n"
    )

    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert "a.sql" in str(raised.value)
    assert "same" in str(raised.value)


def test_a_folder_without_query_files_stops_loading(tmp_path):
    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)

    assert str(tmp_path) in str(raised.value)


def test_the_repositorys_query_files_load():
    assert list(load_queries())
