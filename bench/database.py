"""The benchmark's own database: one per scale, filled fast, reused when asked."""

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiosql
import psycopg
from psycopg.rows import dict_row
from werkzeug.security import generate_password_hash

from service.config import Config, libpq_url
from service.devdb import drop_database, ensure_database, start_server
from service.migrations import apply_migrations

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - the known password of the bench accounts
CHUNK = 100_000  # rows per INSERT ... SELECT, so that progress shows


@dataclass(frozen=True)
class Scale:
    name: str
    users: int
    sessions: int
    courses: int
    progress_per_user: int
    live_session_every: int = 20  # one session in 20 unexpired, the rest expired


SCALES = {
    "1k": Scale("1k", users=1_000, sessions=1_000, courses=1_000, progress_per_user=5),
    "1m": Scale("1m", users=1_000_000, sessions=1_000_000, courses=10_000, progress_per_user=1),
}

# Accounts 2..65 hold the benchmark's user tokens; account 1 is the admin.
TOKEN_USERS = range(2, 66)
ENROLLED_COURSES = 20  # token users are enrolled in courses 1..20 (PUT progress targets)


def fill_queries():
    return aiosql.from_path(BENCH_DIR / "fill.sql", "psycopg")


def server_url():
    """BENCH_DATABASE_URL (a server's maintenance database), else the embedded bench server."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return libpq_url(url), None
    DATA_DIR.mkdir(exist_ok=True)
    server = start_server(DATA_DIR / "pgdata")
    return server.get_uri(), server


def postmaster_pid(server):
    """The embedded server's postmaster pid (None for BENCH_DATABASE_URL's server)."""
    if server is None:
        return None
    pid_file = Path(server.pgdata) / "postmaster.pid"
    try:
        return int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _say(message):
    print(f"  {message}", flush=True)


def _chunks(total, size=CHUNK):
    for first in range(1, total + 1, size):
        yield first, min(first + size - 1, total)


def _fill_table(conn, label, total, insert):
    started = time.monotonic()
    for first, last in _chunks(total):
        insert(first, last)
        elapsed = time.monotonic() - started
        rate = last / elapsed if elapsed else 0
        sys.stdout.write(f"\r  {label:<9} {last:>10,}/{total:,}  {elapsed:6.1f} s  ({rate:,.0f} rows/s)")
        sys.stdout.flush()
    sys.stdout.write("\n")


def fill(url, scale):
    """Fill an empty, migrated database to `scale`, printing progress."""
    q = fill_queries()
    # Every account gets the production-strength hash of one known password: login pays full price.
    hashed = generate_password_hash(BENCH_PASSWORD, method=Config(environ={}).PASSWORD_HASH_METHOD)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        q.tune_fill_session(conn)
        q.create_fill_marker(conn)
        q.empty_service_tables(conn)
        _fill_table(
            conn,
            "users",
            scale.users,
            lambda a, b: q.fill_users(conn, first_id=a, last_id=b, hashed_password=hashed),
        )
        _fill_table(conn, "profiles", scale.users, lambda a, b: q.fill_profiles(conn, first_id=a, last_id=b))
        _fill_table(conn, "courses", scale.courses, lambda a, b: q.fill_courses(conn, first_id=a, last_id=b))
        _fill_table(
            conn,
            "sessions",
            scale.sessions,
            lambda a, b: q.fill_sessions(
                conn, first_id=a, last_id=b, user_count=scale.users, live_every=scale.live_session_every
            ),
        )
        per_chunk = max(1, CHUNK // scale.progress_per_user)
        _fill_table(
            conn,
            "progress",
            scale.users,
            lambda a, b: [
                q.fill_progress(
                    conn,
                    first_user=x,
                    last_user=min(x + per_chunk - 1, b),
                    per_user=scale.progress_per_user,
                    course_count=scale.courses,
                )
                for x in range(a, b + 1, per_chunk)
            ],
        )
        q.fill_bench_enrolments(
            conn, first_user=TOKEN_USERS[0], last_user=TOKEN_USERS[-1], course_count=ENROLLED_COURSES
        )
        q.reset_id_sequences(conn)
        _say("vacuum analyze ...")
        q.vacuum_analyze(conn)
        q.set_fill_marker(
            conn,
            scale=scale.name,
            users=scale.users,
            sessions=scale.sessions,
            courses=scale.courses,
            progress_per_user=scale.progress_per_user,
        )
        return q.count_filled_rows(conn)


def _marker(url, scale):
    q = fill_queries()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        q.create_fill_marker(conn)
        return q.get_fill_marker(conn, scale=scale.name)


def prepare(server, scale, reuse):
    """A migrated database filled to `scale`; returns (url, row counts, fill seconds or None)."""
    name = f"urtraining_bench_{scale.name}"
    url = ensure_database(server, name)
    apply_migrations(url)
    marker = _marker(url, scale)
    if reuse and marker and marker["users"] == scale.users and marker["courses"] == scale.courses:
        _say(f"reusing {name}, filled {marker['filled_at']:%Y-%m-%d %H:%M}")
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            return url, fill_queries().count_filled_rows(conn), None
    drop_database(server, name)
    url = ensure_database(server, name)
    apply_migrations(url)
    _say(f"filling {name} to scale {scale.name} ...")
    started = time.monotonic()
    counts = fill(url, scale)
    return url, counts, time.monotonic() - started


def server_settings(url):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return {row["name"]: row["setting"] for row in fill_queries().server_settings(conn)}
