"""Deleting what has expired, compacting the maintained counts, and doing it on a schedule.

Kinds of rows that would grow without bound, and what cleanup does with them:
- expired sessions (active_sessions): deleted SESSION_RETENTION_SECONDS after they expire;
- throttling counters (login_throttle): deleted once past their forget_at (failures after the
  failure window and the longest lockout, a known address after LOGIN_KNOWN_ADDRESS_DAYS);
- counter rows (counter_deltas): each counter and bucket compacted into one row; sign-up
  hours older than 8 days deleted.

Every kind is deleted in batches of a bounded size, so no statement holds many locks for long.
`flask cleanup` works until nothing is left; a scheduled run stops after CLEANUP_MAX_BATCHES
batches of each kind and runs again soon when more remain.

The schedule: every gunicorn worker has a CleanupScheduler thread (started by gunicorn.conf.py's
post_worker_init hook, stopped by worker_exit) that wakes every CLEANUP_INTERVAL_SECONDS. A run
is one transaction that first takes a transaction-level advisory lock with
pg_try_advisory_xact_lock: whoever gets it does the work, and a worker or instance that finds it
taken skips that turn, so two runs never overlap (runs are short, so most turns find it free and
each run finds little left to do). A transaction-level lock works through PgBouncer's
transaction pooling, where a session-level lock would stay behind on a server connection.
"""

import logging
import random
import threading
from dataclasses import dataclass, field

from service import metrics
from service.config import settings
from service.db import queries, transaction
from service.queries import returns

log = logging.getLogger(__name__)


returns("housekeeping.compact_counter_deltas", "taken", "removed")
returns("housekeeping.recount_counters", "counter", "before", "after")


@dataclass
class CleanupResult:
    """What one cleanup did: rows deleted per kind, and whether more may remain."""

    deleted: dict = field(default_factory=dict)
    more: bool = False

    def add(self, kind, rows, more):
        self.deleted[kind] = self.deleted.get(kind, 0) + rows
        self.more = self.more or more


def _in_batches(delete_one_batch, batch_size, max_batches):
    """Call delete_one_batch() until a batch is not full or max_batches ran; (rows, more_may_remain)."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        deleted = delete_one_batch()
        total += deleted
        if deleted < batch_size:
            return total, False
    return total, True


def delete_expired_sessions(batch_size, max_batches=None, retention_seconds=None):
    """Delete expired sessions batch by batch (at most max_batches); returns (deleted, more_may_remain)."""
    if retention_seconds is None:
        retention_seconds = settings().SESSION_RETENTION_SECONDS
    return _in_batches(
        lambda: queries.housekeeping.delete_expired_sessions(
            retention_seconds=retention_seconds, batch_size=batch_size
        ),
        batch_size,
        max_batches,
    )


def delete_stale_login_counters(batch_size, max_batches=None):
    """Counters past their forget_at (each count says when it may go: sql/throttle.sql)."""
    return _in_batches(
        lambda: queries.throttle.delete_stale_login_counters(batch_size=batch_size),
        batch_size,
        max_batches,
    )


def compact_counters(batch_size, max_batches=None):
    """Compact counter_deltas (shared lock: not during a recount); (rows removed, more_may_remain).

    A pass works through the rows up to the newest one when it starts, batch by batch; each
    batch writes back one row per counter and bucket it held, so a table of many batches is
    left with a few rows per group, and another pass merges those. Passes continue while they
    remove rows (at most max_batches batches in all).
    """
    queries.housekeeping.lock_counters_for_compaction()
    removed = 0
    batches = 0
    while True:
        up_to_id = queries.housekeeping.last_counter_delta_id()
        removed_in_pass = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                return removed, removed_in_pass > 0  # a pass that merged nothing had nothing to merge
            batches += 1
            batch = queries.housekeeping.compact_counter_deltas(up_to_id=up_to_id, batch_size=batch_size)
            removed += batch["removed"]
            removed_in_pass += batch["removed"]
            if batch["taken"] < batch_size:
                break
        if removed_in_pass == 0 or batches == 1:
            return removed, False


def clean_up(batch_size, max_batches=None, wait=True):
    """One cleanup run in one transaction under the cleanup lock; None when another holds it.

    wait=False (the scheduler) skips the run when the lock is taken; wait=True (`flask cleanup`)
    waits for the run in progress to end.
    """
    result = CleanupResult()
    with transaction():
        if wait:
            queries.housekeeping.lock_cleanup()
        elif not queries.housekeeping.try_lock_cleanup():
            return None
        result.add("sessions", *delete_expired_sessions(batch_size, max_batches))
        result.add("login_counters", *delete_stale_login_counters(batch_size, max_batches))
        result.add("counter_deltas", *compact_counters(batch_size, max_batches))
    return result


def clean_up_everything(batch_size):
    """Runs of bounded size until nothing expired is left (for `flask cleanup`)."""
    total = CleanupResult()
    while True:
        run = clean_up(batch_size, max_batches=10, wait=True)
        for kind, rows in run.deleted.items():
            total.add(kind, rows, False)
        if not run.more:
            return total


def recount():
    """Rebuild every maintained count from the tables; [{counter, before, after}]."""
    with transaction():
        queries.housekeeping.lock_counters_for_recount()
        return list(queries.housekeeping.recount_counters())


class CleanupScheduler:
    """A daemon thread of one worker that runs the cleanup every CLEANUP_INTERVAL_SECONDS.

    The first run comes after a random part of the interval, so workers started together do
    not all try at once. When a run stops with rows left, the next one follows after a second.
    stop() wakes the thread and waits for the run in progress (it is short: bounded batches).
    """

    def __init__(self, app):
        self.app = app
        self._stop = threading.Event()
        self._thread = None

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        config = self.app.config["SERVICE_CONFIG"]
        if config.CLEANUP_INTERVAL_SECONDS <= 0 or self.running:
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cleanup-scheduler", daemon=True)
        self._thread.start()
        log.info("cleanup scheduler started", extra={"interval_seconds": config.CLEANUP_INTERVAL_SECONDS})
        return True

    def stop(self, timeout=10.0):
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        self._thread = None
        log.info("cleanup scheduler stopped", extra={"stopped_cleanly": stopped})

    def _loop(self):
        interval = self.app.config["SERVICE_CONFIG"].CLEANUP_INTERVAL_SECONDS
        delay = random.uniform(0, interval)
        while not self._stop.wait(delay):
            result = self.run_once()
            delay = 1.0 if result is not None and result.more else interval

    def run_once(self):
        """One scheduled run: its CleanupResult, or None when skipped (or failed)."""
        config = self.app.config["SERVICE_CONFIG"]
        try:
            with self.app.app_context():
                result = clean_up(config.CLEANUP_BATCH_SIZE, config.CLEANUP_MAX_BATCHES, wait=False)
        except Exception:  # a database outage must not end the thread: the next turn retries
            log.warning("scheduled cleanup failed; trying again next time", exc_info=True)
            metrics.observe_cleanup("failed")
            return None
        if result is None:
            metrics.observe_cleanup("skipped")
            return None
        metrics.observe_cleanup("ran", result.deleted)
        if any(result.deleted.values()):
            log.info("scheduled cleanup", extra={"deleted": result.deleted, "more": result.more})
        return result


def init_app(app):
    app.extensions["cleanup_scheduler"] = CleanupScheduler(app)
