"""Deleting expired sessions (and stale login counters) in bounded batches.

Never a full scan per request: `flask cleanup-sessions` and POST /admin/cleanup-sessions delete
batch by batch, and a successful login deletes one small batch at most once per
SESSION_CLEANUP_INTERVAL_SECONDS in each worker process. Each batch is its own short
transaction (the connection is in autocommit), so no lock is held for long.
"""

import threading
import time

from flask import current_app

from service import throttle
from service.config import settings
from service.db import queries

_lock = threading.Lock()


def delete_expired_sessions(batch_size, max_batches=None):
    """Delete expired sessions batch by batch (at most max_batches); returns (deleted, more_may_remain)."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        deleted = queries.sessions.delete_expired_sessions(batch_size=batch_size)
        total += deleted
        if deleted < batch_size:
            return total, False
    return total, True


def clean_up_after_login():
    """One small batch of expired sessions and stale login counters, if this worker is due."""
    config = settings()
    now = time.monotonic()
    with _lock:  # the app object lives in one worker process: this is per worker
        if now < current_app.extensions.get("next_session_cleanup", 0.0):
            return
        current_app.extensions["next_session_cleanup"] = now + config.SESSION_CLEANUP_INTERVAL_SECONDS
    queries.sessions.delete_expired_sessions(batch_size=config.SESSION_CLEANUP_BATCH_SIZE)
    queries.throttle.delete_stale_login_counters(
        forget_after_seconds=throttle.forget_after_seconds(config),
        batch_size=config.SESSION_CLEANUP_BATCH_SIZE,
    )
