"""The named queries of sql/: one namespace per file, each statement carrying its name.

`load_queries()` reads every `sql/<file>.sql` with aiosql into `queries.<file>.<query>`, spelt in
Python as in SQL (`-- name: get_user_by_id(id)^` in users.sql is `queries.users.get_user_by_id`).
Each statement sent to PostgreSQL carries a sqlcommenter-style comment naming it right after its
first keyword, `SELECT /*query='users.get_user_by_id'*/ ...`, so pg_stat_activity,
pg_stat_statements and the slow-query log say which query a statement is. Not at the end, as
sqlcommenter appends it: pg_stat_activity cuts a statement at track_activity_query_size (1 kB by
default). Not before the first keyword either: pg_stat_statements keeps a statement's text from
its first keyword on, so a leading comment never reaches it.

This module needs no Flask app: gunicorn's master, the seed, `make check-sql` and the tests load
the files with it. A request uses them through `service.db.queries`, bound to its connection.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import aiosql
from aiosql.query_loader import QueryLoader

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class QueryFileError(RuntimeError):
    """A file in sql/ could not be loaded; the message names the file and the query."""


_FIRST_KEYWORD = re.compile(r"\s*[A-Za-z]+")


def named_statement(sql, name):
    """The statement with `/*query='<name>'*/` right after its first keyword."""
    keyword = _FIRST_KEYWORD.match(sql)
    at = keyword.end() if keyword else 0
    return f"{sql[:at]} /*query='{name}'*/{sql[at:]}" if at else f"/*query='{name}'*/ {sql}"


def _loader_for(namespace):
    """An aiosql loader that names each query `<namespace>.<query>` inside its own SQL."""

    class NamingLoader(QueryLoader):
        def _make_query_datum(self, query, ns_parts, floc):
            datum = super()._make_query_datum(query, [namespace, *ns_parts], floc)
            return datum._replace(sql=named_statement(datum.sql, datum.query_name))

    return NamingLoader


class QueryFile:
    """The named queries of one sql/ file, as attributes (aiosql query functions)."""

    def __init__(self, name, path, queries):
        self.name = name
        self.path = path
        self._queries = queries
        for query in queries.available_queries:
            setattr(self, query, getattr(queries, query))

    @property
    def names(self):
        return [name for name in self._queries.available_queries if not name.endswith("_cursor")]


class QuerySet:
    """Every sql/ file: `query_set.users.get_user_by_id(conn, id=1)`."""

    def __init__(self, files):
        self.files = files
        for query_file in files:
            setattr(self, query_file.name, query_file)

    def __iter__(self):
        """(qualified name, query function) of every named query, in file order."""
        for query_file in self.files:
            for name in query_file.names:
                yield f"{query_file.name}.{name}", getattr(query_file, name)

    def get(self, qualified_name):
        file_name, _, name = qualified_name.partition(".")
        return getattr(getattr(self, file_name), name)


def load_file(path):
    path = Path(path)
    text = path.read_text()
    try:
        queries = aiosql.from_str(text, "psycopg", loader_cls=_loader_for(path.stem))
    except Exception as exc:  # aiosql raises several types; all mean "this file is broken"
        raise QueryFileError(f"cannot load {path.name}: {exc}") from exc
    if not queries.available_queries:
        raise QueryFileError(f"cannot load {path.name}: it names no query (-- name: ...)")
    return QueryFile(path.stem, path, queries)


def load_queries(sql_dir=SQL_DIR):
    """Load every <sql_dir>/*.sql file, failing on the first broken one with its file and query."""
    paths = sorted(Path(sql_dir).glob("*.sql"))
    if not paths:
        raise QueryFileError(f"no query files found in {sql_dir}")
    for path in paths:
        if not path.stem.isidentifier() or hasattr(QuerySet, path.stem):
            raise QueryFileError(
                f"cannot load {path.name}: name it as a Python identifier, not {path.stem!r}"
            )
    return QuerySet([load_file(path) for path in paths])


@dataclass(frozen=True)
class Returns:
    """What the code reads from a named query's rows: column names, and JSON columns' schemas."""

    query: str
    columns: tuple = ()
    json: dict = field(default_factory=dict)


RETURNS = {}


def returns(query, *columns, **json_columns):
    """Declare the columns code reads from `query` (and marshmallow schemas of its JSON columns).

    `make check-sql` runs each query and fails, naming the query and the column, when one is
    missing or a JSON column lacks a key its schema requires. Code in several places may
    declare one query: the declarations add up. No column at all declares that the code only
    looks at whether a row came back. Returns the column names (JSON columns last), so the code
    that reads them can use the same declaration.
    """
    earlier = RETURNS.get(query) or Returns(query)
    RETURNS[query] = Returns(
        query,
        tuple(dict.fromkeys((*earlier.columns, *columns))),
        {**earlier.json, **json_columns},
    )
    return (*columns, *json_columns)
