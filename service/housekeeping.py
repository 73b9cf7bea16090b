"""Deleting expired sessions (and stale login counters) in bounded batches.

Never a full scan per request: `flask cleanup-sessions` and POST /admin/cleanup-sessions delete
batch by batch, and a successful login deletes one small batch at most once per
SESSION_CLEANUP_INTERVAL_SECONDS in each worker process. Each batch is its own short
transaction (the connection is in autocommit), so no lock is held for long.
"""

import threading
import time

from flask import current_app

from service import db, throttle

_lock = threading.Lock()


def delete_expired_sessions(conn, batch_size, max_batches):
    """Delete expired sessions, batch by batch; returns (deleted, more_may_remain)."""
    total = 0
    for _ in range(max_batches):
        deleted = db.queries().delete_expired_sessions(conn, batch_size=batch_size)
        total += deleted
        if deleted < batch_size:
            return total, False
    return total, True


def clean_up_after_login():
    """One small batch of expired sessions and stale login counters, if this worker is due."""
    config = current_app.config["SERVICE_CONFIG"]
    now = time.monotonic()
    with _lock:  # the app object lives in one worker process: this is per worker
        if now < current_app.extensions.get("next_session_cleanup", 0.0):
            return
        current_app.extensions["next_session_cleanup"] = now + config.SESSION_CLEANUP_INTERVAL_SECONDS
    conn = db.connection()
    q = db.queries()
    q.delete_expired_sessions(conn, batch_size=config.SESSION_CLEANUP_BATCH_SIZE)
    q.delete_stale_login_counters(
        conn,
        forget_after_seconds=throttle.forget_after_seconds(config),
        batch_size=config.SESSION_CLEANUP_BATCH_SIZE,
    )
