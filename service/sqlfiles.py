"""The query files a running service serves: validated copies of sql/ ("snapshots").

    python -m service.sqlfiles snapshot --into DIR [--sql-dir DIR]
    python -m service.sqlfiles check [--sql-dir DIR]

A DBA edits sql/ (SQL_DIR) while the service runs; gunicorn's workers never read it directly.
At start and on every reload (SIGHUP, `make reload`) gunicorn's master runs `snapshot` in a
child process (the master must not import the app). It validates the folder without a
database, and when it is good copies its files into a new folder under DIR and prints that
folder; the master hands the folder to the workers it forks (SQL_SNAPSHOT_DIR). When the folder
is not good it prints each problem, naming the file and the query, and exits 1: the master then
refuses to start, or on a reload keeps the last good snapshot, so every worker started later
(after a reload, a timeout, a crash, a kill) serves the last good set.

The validation is cheap and needs no database:
- every file loads (a name line with its parameter list, no query defined twice, ...);
- every statement parses as PostgreSQL (pglast, PostgreSQL's own parser);
- every query the code calls exists and gets the parameters it takes (read from the code).
What only a database can tell (a column renamed, a JSON key gone) is `make check-sql`'s job.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pglast

from service.queries import SQL_DIR, QueryFileError, load_queries
from service.sqlcheck import code_call_problems

SNAPSHOT_PREFIX = "sql-"
_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def syntax_problems(queries):
    """Statements PostgreSQL's parser refuses, as "file.sql: file.query: message"."""
    problems = []
    for name, query in queries:
        statement = _PLACEHOLDER.sub("$1", query.sql).replace("%%", "%")
        try:
            pglast.parser.parse_sql(statement)
        except pglast.parser.ParseError as error:
            problems.append(f"{name}: {error}")
    return problems


def validate(sql_dir):
    """The problems of a query folder, each naming its file and query; [] when it is good."""
    try:
        queries = load_queries(sql_dir)
    except QueryFileError as error:
        return [str(error)]
    problems = syntax_problems(queries) + code_call_problems(queries)
    return [f"{problem.partition('.')[0]}.sql: {problem}" for problem in problems]


def take_snapshot(sql_dir, into):
    """Copy the query files of sql_dir into a new folder under `into`; returns its path."""
    Path(into).mkdir(parents=True, exist_ok=True)
    snapshot = Path(tempfile.mkdtemp(prefix=SNAPSHOT_PREFIX, dir=into))
    for path in sorted(Path(sql_dir).glob("*.sql")):
        shutil.copy2(path, snapshot / path.name)
    snapshot.chmod(0o755)
    return snapshot


def prune(into, keep):
    """Delete older snapshots under `into`, keeping those in `keep` (the new and the previous one:
    a worker forked just before a reload may still be reading the previous)."""
    kept = {Path(path).resolve() for path in keep if path}
    for snapshot in Path(into).glob(f"{SNAPSHOT_PREFIX}*"):
        if snapshot.resolve() not in kept:
            shutil.rmtree(snapshot, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("snapshot", "check"))
    parser.add_argument("--sql-dir", default=os.environ.get("SQL_DIR") or str(SQL_DIR))
    parser.add_argument("--into", help="the folder that holds the snapshots (snapshot)")
    parser.add_argument("--keep", help="a snapshot not to delete besides the new one (snapshot)")
    args = parser.parse_args(argv)
    sql_dir = Path(args.sql_dir).resolve()
    if args.command == "check":
        problems = validate(sql_dir)
        for problem in problems:
            print(problem)
        if problems:
            return 1
        print(f"{sql_dir}: every file loads and parses, and every query the code calls exists")
        return 0
    if not args.into:
        parser.error("snapshot needs --into")
    # The copy is what is checked (and what workers load): an edit made while checking cannot
    # slip into a snapshot unchecked.
    snapshot = take_snapshot(sql_dir, args.into)
    problems = validate(snapshot)
    for problem in problems:
        print(problem.replace(str(snapshot), str(sql_dir)))
    if problems:
        shutil.rmtree(snapshot, ignore_errors=True)
        return 1
    prune(args.into, keep=[snapshot, args.keep])
    print(snapshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
