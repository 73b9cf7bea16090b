"""Maintenance that needs nobody: `flask cleanup` deletes every kind of expired row in bounded
batches, and the service runs the same cleanup by itself, one process at a time."""

import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from service.housekeeping import CleanupScheduler, clean_up
from service.queries import load_queries
from tests.live_server import live_server

FORGOTTEN = 3 * 3600  # older than the failure window (1 h) and the longest lockout (15 min)


def wait_until(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def arrange_expired_rows(db, tq, oq, user, sessions=7, counters=5):
    """Expired sessions, stale and fresh login counters, and counter rows to merge."""
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=sessions)
    oq.insert_login_counters(db, subjects=[f"ip:stale{n}" for n in range(counters)], seconds_ago=FORGOTTEN)
    oq.insert_login_counters(db, subjects=["ip:recent"], seconds_ago=60)
    for n in range(4):
        oq.insert_user_named(db, username=f"extra{n}")


def only_fresh_counters_left(db, tq):
    """The stale counters arranged are gone, the recent one stays (signing in keeps its own)."""
    subjects = [row["subject"] for row in tq.list_login_counters(db)]
    return "ip:recent" in subjects and not any(subject.startswith("ip:stale") for subject in subjects)


def test_the_cleanup_command_deletes_every_kind_of_expired_row_in_batches(app, db, tq, oq, user):
    arrange_expired_rows(db, tq, oq, user)
    rows_before = oq.count_counter_rows(db)

    with app.app_context():  # the `flask` command pushes one; the test runner does not
        result = app.test_cli_runner().invoke(args=["cleanup", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "deleted 7 expired session(s)" in result.output
    assert "deleted 5 stale login counter(s)" in result.output
    assert tq.count_expired_sessions(db) == 0
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1  # the live one stays
    assert only_fresh_counters_left(db, tq)
    assert oq.count_counter_rows(db) <= rows_before


def test_the_cleanup_command_merges_counter_rows_and_keeps_the_counts(app, db, oq, tq, user):
    arrange_expired_rows(db, tq, oq, user)
    expected = oq.get_true_stats(db)

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["cleanup"])

    assert result.exit_code == 0, result.output
    assert "merged away" in result.output
    assert oq.count_counter_rows(db) == 3  # one per counter and bucket: block 0, active, this hour
    assert load_queries().admin.get_stats(db) == expected


def test_cleanup_sessions_is_the_same_command(app, db, tq, oq, user):
    arrange_expired_rows(db, tq, oq, user)

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["cleanup-sessions", "--batch-size", "3"])

    assert result.exit_code == 0, result.output
    assert "deleted 7 expired session(s)" in result.output
    assert only_fresh_counters_left(db, tq)


def test_a_run_deletes_at_most_its_batches_of_each_kind_and_says_more_remain(app, db, tq, oq, user):
    arrange_expired_rows(db, tq, oq, user, sessions=9, counters=9)

    with app.app_context():
        first = clean_up(batch_size=2, max_batches=3, wait=False)
        second = clean_up(batch_size=2, max_batches=3, wait=False)

    assert first.deleted["sessions"] == 6 and first.deleted["login_counters"] == 6
    assert first.more
    assert second.deleted["sessions"] == 3 and second.deleted["login_counters"] == 3
    assert not second.more


def test_expired_sessions_are_kept_for_the_retention_period(make_app, database_url_for_tests, db, tq, user):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=4)  # expired an hour ago
    keeping = make_app(database_url_for_tests, SESSION_RETENTION_SECONDS="7200")
    deleting = make_app(database_url_for_tests, SESSION_RETENTION_SECONDS="1800")

    with keeping.app_context():
        kept = clean_up(batch_size=10)
    with deleting.app_context():
        deleted = clean_up(batch_size=10)

    assert kept.deleted["sessions"] == 0
    assert deleted.deleted["sessions"] == 4
    assert tq.count_expired_sessions(db) == 0


def test_a_scheduled_run_skips_while_another_process_holds_the_cleanup_lock(
    app, database_url_for_tests, db, tq, oq, user
):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=3)
    scheduler = CleanupScheduler(app)

    with psycopg.connect(database_url_for_tests, autocommit=True, row_factory=dict_row) as other:
        with other.transaction():
            oq.hold_cleanup_lock(other)
            assert scheduler.run_once() is None
            assert tq.count_expired_sessions(db) == 3
        result = scheduler.run_once()

    assert result.deleted["sessions"] == 3
    assert tq.count_expired_sessions(db) == 0


def test_two_instances_running_the_cleanup_at_once_do_not_both_work(
    make_app, database_url_for_tests, db, tq, user
):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=20_000)
    apps = [
        make_app(database_url_for_tests, CLEANUP_BATCH_SIZE="500", CLEANUP_MAX_BATCHES="40") for _ in range(2)
    ]
    schedulers = [CleanupScheduler(instance) for instance in apps]
    for instance in apps:  # a connection each, opened before the race starts
        with instance.app_context():
            pass
    start = threading.Barrier(2)
    results = [None, None]

    def run(n):
        start.wait()
        results[n] = schedulers[n].run_once()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    ran = [result for result in results if result is not None]
    assert len(ran) == 1, results  # one did the work; the other found the lock taken and skipped
    assert ran[0].deleted["sessions"] == 20_000
    assert tq.count_expired_sessions(db) == 0


def test_the_scheduler_thread_cleans_up_by_itself_and_stops_when_asked(
    make_app, database_url_for_tests, db, tq, oq, user
):
    instance = make_app(database_url_for_tests, CLEANUP_INTERVAL_SECONDS="0.2")
    scheduler = instance.extensions["cleanup_scheduler"]
    arrange_expired_rows(db, tq, oq, user)

    assert scheduler.start()
    try:
        wait_until(lambda: tq.count_expired_sessions(db) == 0 and only_fresh_counters_left(db, tq), "cleanup")
    finally:
        scheduler.stop(timeout=5)

    assert not scheduler.running
    assert not any(thread.name == "cleanup-scheduler" for thread in threading.enumerate())


def test_the_scheduler_is_off_when_its_interval_is_zero(make_app, database_url_for_tests):
    instance = make_app(database_url_for_tests, CLEANUP_INTERVAL_SECONDS="0")

    assert not instance.extensions["cleanup_scheduler"].start()


def test_the_scheduler_survives_a_failed_run(make_app, database_url_for_tests, db, tq, user):
    instance = make_app(database_url_for_tests, DB_POOL_TIMEOUT="0.5")
    scheduler = CleanupScheduler(instance)
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=2)
    pool = instance.extensions["pool"]
    held = [pool.getconn() for _ in range(4)]  # every connection taken: the run times out
    try:
        assert scheduler.run_once() is None
    finally:
        for conn in held:
            pool.putconn(conn)

    assert scheduler.run_once().deleted["sessions"] == 2


# --- under gunicorn -------------------------------------------------------------------------------


@pytest.mark.server
def test_gunicorn_workers_clean_up_by_themselves_and_stop_their_schedulers_on_exit(
    fresh_database, tmp_path, tq, oq
):
    with live_server(fresh_database, tmp_path, CLEANUP_INTERVAL_SECONDS="1") as server:
        with psycopg.connect(fresh_database, autocommit=True, row_factory=dict_row) as conn:
            user_id = oq.insert_user_named(conn, username="sleeper")
            tq.insert_expired_sessions(conn, user_id=user_id, how_many=50)
            oq.insert_login_counters(conn, subjects=["ip:stale"], seconds_ago=FORGOTTEN)

            wait_until(
                lambda: tq.count_expired_sessions(conn) == 0 and oq.count_login_counters(conn) == 0,
                "the workers' scheduled cleanup",
            )
        process = server.process
    assert process.returncode == 0
    log = server.log()
    assert log.count('"message": "cleanup scheduler started"') == 2
    assert log.count('"message": "cleanup scheduler stopped", "stopped_cleanly": true') == 2, log
    assert "Traceback" not in log
