"""Apply migrations/ with yoyo, under yoyo's lock.

Used by gunicorn's master (through init_db.py), `flask migrate`, `python init_db.py` and the
tests, so every path migrates the same way, through the backend `yoyo apply` uses too
(service/yoyo_backend.py: psycopg 3, and a lock_timeout on the connection).
"""

import time
from pathlib import Path

import psycopg
from yoyo import read_migrations

from service.config import libpq_url
from service.yoyo_backend import backend_for

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _migrations():
    if not MIGRATIONS_DIR.is_dir():  # yoyo would silently find nothing
        raise FileNotFoundError(f"migrations folder not found: {MIGRATIONS_DIR}")
    migrations = read_migrations(str(MIGRATIONS_DIR))
    if not len(migrations):
        raise FileNotFoundError(f"no migrations in {MIGRATIONS_DIR}")
    return migrations


def apply_migrations(database_url):
    """Apply what is pending; returns the ids applied. Safe from several processes at once."""
    backend = backend_for(database_url)
    try:
        with backend.lock():
            pending = backend.to_apply(_migrations())
            backend.apply_migrations(pending)
            return [m.id for m in pending]
    finally:
        backend.connection.close()


def rollback_migrations(database_url, count=None):
    """Roll back the last `count` applied migrations (all when None)."""
    backend = backend_for(database_url)
    try:
        with backend.lock():
            applied = backend.to_rollback(_migrations())
            if count is not None:
                applied = applied[:count]
            backend.rollback_migrations(applied)
            return [m.id for m in applied]
    finally:
        backend.connection.close()


def wait_for_database(database_url, attempts=30, delay=1.0):
    """Retry the first connection for a bounded time (compose starts db and backend together)."""
    for attempt in range(1, attempts + 1):
        try:
            psycopg.connect(libpq_url(database_url), connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            if attempt == attempts:
                raise
            time.sleep(delay)
