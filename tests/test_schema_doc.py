"""A schema that explains itself: every table and column is described in the catalog, and
docs/SCHEMA.md is what `make schema-doc` writes from the migrations."""

import psycopg
import pytest
from psycopg.rows import dict_row

from service.migrations import apply_migrations
from service.schema_doc import MARKDOWN, read_catalog, render_dot, render_markdown


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: these tests read a scratch database of their own."""


@pytest.fixture(scope="module")
def catalog(server_url):
    """The catalog of a scratch database with every migration applied (nothing else in it)."""
    from service.devdb import scratch_database

    with scratch_database(server_url, prefix="urtraining_test_schema") as url:
        apply_migrations(url)
        with psycopg.connect(url, row_factory=dict_row) as conn:
            yield read_catalog(conn)


def test_every_table_of_the_service_has_a_comment(catalog):
    assert catalog["tables"], "no table found"
    undescribed = [table["table_name"] for table in catalog["tables"] if not table["description"]]

    assert undescribed == [], f"COMMENT ON TABLE missing for {undescribed}"


def test_every_column_of_every_table_of_the_service_has_a_comment(catalog):
    undescribed = [
        f"{column['table_name']}.{column['column_name']}"
        for columns in catalog["columns"].values()
        for column in columns
        if not column["description"]
    ]

    assert sum(map(len, catalog["columns"].values())) > 50
    assert undescribed == [], (
        f"COMMENT ON COLUMN missing (add it in the migration that adds them): {undescribed}"
    )


def test_the_committed_schema_document_matches_the_migrations(catalog):
    expected = render_markdown(catalog)

    committed = MARKDOWN.read_text() if MARKDOWN.exists() else ""

    assert committed == expected, "docs/SCHEMA.md no longer matches migrations/: run make schema-doc"


def test_the_schema_document_shows_types_defaults_constraints_indexes_and_comments(catalog):
    text = render_markdown(catalog)

    assert "| `is_active` | `boolean` | not null | `true` | Whether the account may sign in" in text
    assert (
        "| `training_profiles_cardio_range` | check | `CHECK (((cardio >= 1) AND (cardio <= 5)))` |" in text
    )
    assert (
        "`CREATE UNIQUE INDEX users_username_lower_key ON public.users USING btree (lower((username)::text))`"
        in text
    )
    assert "![Entity-relationship diagram" in text


def test_the_diagram_has_a_box_per_table_and_an_arrow_per_foreign_key(catalog):
    dot = render_dot(catalog)

    for table in catalog["tables"]:
        assert f"  {table['table_name']} [label=<" in dot
    assert "active_sessions:user_id_out:e -> users:id_in:w;" in dot
    assert "user_course_progress:course_id_out:e -> courses:id_in:w;" in dot
    assert dot.count(" -> ") == 4
