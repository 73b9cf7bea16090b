"""Maintained counts (counter_deltas, migration 0010): exact through every kind of write, never
making one writer wait for another, recountable; and the admin routes that read them."""

import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row
from yoyo import get_backend, read_migrations

from service.config import yoyo_url
from service.housekeeping import clean_up
from service.migrations import MIGRATIONS_DIR, apply_migrations
from service.queries import load_queries

STATS_KEYS = ("total_users", "active_users", "completed_profiles", "last_week_signups")


@pytest.fixture(scope="module")
def q():
    return load_queries()


@pytest.fixture
def connect(database_url_for_tests):
    """Extra connections to the test database (autocommit, dict rows), closed at the end."""
    opened = []

    def make(url=database_url_for_tests):
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


def wait_until(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stats(conn, q):
    return {key: q.admin.get_stats(conn)[key] for key in STATS_KEYS}


def truth(conn, oq):
    return {key: oq.get_true_stats(conn)[key] for key in STATS_KEYS}


def assert_exact(conn, q, oq):
    assert stats(conn, q) == truth(conn, oq)
    assert q.admin.count_users(conn) == truth(conn, oq)["total_users"]


# --- exact through every kind of write ------------------------------------------------------------


def test_the_counts_stay_exact_through_inserts_deletes_activations_profiles_and_truncation(db, q, oq, tq):
    assert stats(db, q) == dict.fromkeys(STATS_KEYS, 0)

    oq.insert_users_numbered(db, first=1, last=25)
    oq.insert_users_with_ids(db, ids=[50_000, 50_001, 123_456])
    assert_exact(db, q, oq)

    ids = [row["id"] for row in oq.list_user_ids_page(db, skip=0, page_size=100)]
    oq.set_users_active(db, ids=ids[:7], is_active=False)
    oq.set_users_active(db, ids=ids[3:10], is_active=True)  # some already active, some not
    oq.insert_profiles_for(db, ids=ids[5:12])
    assert_exact(db, q, oq)

    oq.delete_profiles_of(db, ids=ids[5:7])
    oq.delete_users(db, ids=[*ids[6:9], 123_456])  # a profile goes with its account (cascade)
    tq.set_user_created_at(db, id=ids[0], days_ago=30)
    oq.set_user_created_seconds_ago(db, id=ids[1], seconds=7 * 86400 - 60)
    oq.set_user_created_seconds_ago(db, id=ids[2], seconds=7 * 86400 + 60)
    assert_exact(db, q, oq)
    assert stats(db, q)["total_users"] == 24
    assert stats(db, q)["last_week_signups"] == 22

    tq.empty_all_tables(db)  # TRUNCATE ... CASCADE: users and training_profiles
    assert stats(db, q) == dict.fromkeys(STATS_KEYS, 0)
    oq.insert_users_numbered(db, first=1, last=3)
    assert_exact(db, q, oq)


def test_admin_stats_answer_the_maintained_counts(client, db, tq, admin, user):
    response = client.post(
        "/api/users",
        headers=admin.headers,
        json={
            "username": "carol",
            "email": "carol@example.org",
            "password": "correct-horse-1",
            "full_name": "Carol C",
            "is_active": False,
            "training_profile": {"age": 40},
        },
    )
    assert response.status_code == 201

    body = client.get("/admin/stats", headers=admin.headers).json

    assert body == {"total_users": 3, "active_users": 2, "completed_profiles": 1, "last_week_signups": 3}


@pytest.mark.parametrize("hours_ago", [0, 1, 24 * 6 + 23, 24 * 7 - 1])
def test_last_weeks_signups_are_exact_at_every_distance_from_the_weeks_start(db, q, oq, hours_ago):
    """Whole hours come from hourly counts, the part-hour at the week's start from the index."""
    oq.insert_users_numbered(db, first=1, last=40)
    for n, row in enumerate(oq.list_user_ids_page(db, skip=0, page_size=40)):
        oq.set_user_created_seconds_ago(db, id=row["id"], seconds=hours_ago * 3600 + n * 97)

    assert stats(db, q)["last_week_signups"] == truth(db, oq)["last_week_signups"]


# --- writers never wait for each other -------------------------------------------------------------


def test_two_transactions_inserting_users_at_once_do_not_wait_for_each_other(connect, oq, q, db):
    first, second = connect(), connect()
    oq.set_lock_timeout(second, milliseconds=1000)

    with first.transaction():
        oq.insert_user_named(first, username="first_writer")  # uncommitted: its counter rows too
        started = time.monotonic()
        with second.transaction():
            oq.insert_user_named(second, username="second_writer")  # LockNotAvailable if it waited
        assert time.monotonic() - started < 1.0
        assert q.admin.count_users(db) == 1  # the committed one; the open one is not seen yet

    assert_exact(db, q, oq)
    assert q.admin.count_users(db) == 2


def test_a_registration_is_not_held_up_by_an_open_transaction_that_inserted_or_deleted_a_user(
    make_app, database_url_for_tests, connect, oq, q, db
):
    victim = oq.insert_user_named(db, username="victim")
    app = make_app(database_url_for_tests, DB_STATEMENT_TIMEOUT_MS="2000")
    writer = connect()

    with writer.transaction():
        oq.insert_user_named(writer, username="pending")
        oq.delete_users(writer, ids=[victim])
        response = app.test_client().post(
            "/auth/register",
            json={
                "username": "newcomer",
                "email": "newcomer@example.org",
                "password": "correct-horse-1",
                "full_name": "New Comer",
            },
        )
        assert response.status_code == 201, response.json  # a 503 after 2 s if it had waited

    assert_exact(db, q, oq)
    assert q.admin.count_users(db) == 2  # newcomer and pending; victim is gone


# --- compaction and recount --------------------------------------------------------------------------


def test_compaction_merges_the_rows_of_each_count_without_changing_it(app, db, q, oq):
    for n in range(30):
        oq.insert_user_named(db, username=f"one{n}")
    oq.delete_users(db, ids=[row["id"] for row in oq.list_user_ids_page(db, skip=5, page_size=4)])
    before = stats(db, q)
    rows_before = oq.count_counter_rows(db)

    with app.app_context():
        result = clean_up(batch_size=7, max_batches=None)

    assert stats(db, q) == before == truth(db, oq)
    assert oq.count_counter_rows(db) == 3  # one per counter and bucket: block 0, active, this hour
    assert result.deleted["counter_deltas"] == rows_before - 3


def test_compaction_leaves_the_rows_of_an_uncommitted_insert_alone(app, connect, db, q, oq):
    for n in range(5):
        oq.insert_user_named(db, username=f"one{n}")
    writer = connect()

    with writer.transaction():
        oq.insert_user_named(writer, username="late")
        with app.app_context():
            clean_up(batch_size=100)

    assert_exact(db, q, oq)
    assert q.admin.count_users(db) == 6


def test_recount_corrects_a_count_that_drifted(app, db, q, oq):
    oq.insert_users_numbered(db, first=1, last=12)
    oq.add_counter_delta(db, counter="user_id_block", delta=-5)  # a row written by hand
    oq.add_counter_delta(db, counter="active_users", delta=2)
    assert stats(db, q)["total_users"] == 7

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["recount"])

    assert result.exit_code == 0, result.output
    assert "user_id_block: 12 (corrected by +5)" in result.output
    assert "active_users: 12 (corrected by -2)" in result.output
    assert "profiled_users: 0 (exact)" in result.output
    assert_exact(db, q, oq)


def test_recount_is_exact_while_another_transaction_has_an_uncommitted_insert_and_delete(
    app, connect, db, q, oq
):
    oq.insert_users_numbered(db, first=1, last=10)
    ids = [row["id"] for row in oq.list_user_ids_page(db, skip=0, page_size=10)]
    writer = connect()

    with writer.transaction():
        oq.insert_user_named(writer, username="pending")
        oq.delete_users(writer, ids=ids[:3])
        with app.app_context():
            app.test_cli_runner().invoke(args=["recount"])
        assert q.admin.count_users(db) == 10

    assert_exact(db, q, oq)
    assert q.admin.count_users(db) == 8


# --- numbered pages from per-block counts ------------------------------------------------------


@pytest.mark.parametrize("compacted", [False, True])
def test_every_numbered_page_is_the_page_offset_would_give_across_blocks_and_holes(app, db, q, oq, compacted):
    ids = [1, 2, 3, 9_998, 9_999, 10_000, 10_001, 19_999, 20_000, 20_001, 35_000, *range(50_001, 50_011)]
    oq.insert_users_with_ids(db, ids=ids)
    oq.delete_users(db, ids=[2, 10_000, 20_000, 50_005])
    if compacted:
        with app.app_context():
            clean_up(batch_size=1000)
    total = q.admin.count_users(db)
    assert total == len(ids) - 4

    for page_size in (1, 3, 5):
        for skip in range(total + 2):
            page = [row["id"] for row in q.admin.list_users_page(db, page_size=page_size, skip=skip)]
            expected = [row["id"] for row in oq.list_user_ids_page(db, skip=skip, page_size=page_size)]
            assert page == expected, (page_size, skip)


def test_the_admin_user_list_pages_through_every_account_once(client, db, oq, admin):
    oq.insert_users_with_ids(db, ids=[*range(100, 110), *range(20_000, 20_005), 40_000])
    seen = []
    for page in range(1, 6):
        body = client.get(f"/admin/users?page={page}&limit=4", headers=admin.headers).json
        assert body["pagination"] == {"page": page, "limit": 4, "total": 17, "pages": 5}
        seen += [user["id"] for user in body["users"]]

    assert seen == sorted([admin["id"], *range(100, 110), *range(20_000, 20_005), 40_000])


# --- the migration counts exactly --------------------------------------------------------------


def test_a_user_inserted_while_the_counting_migration_waits_is_counted_exactly_once(scratch_database, oq, q):
    url = scratch_database()
    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        older = migrations.filter(lambda m: m.id < "0010")
        with backend.lock():
            backend.apply_migrations(backend.to_apply(older))
    finally:
        backend.connection.close()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as watcher:
        oq.insert_users_numbered(watcher, first=1, last=3)
        writer = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        with writer, writer.transaction():
            oq.insert_user_named(writer, username="racing")
            migrating = threading.Thread(target=apply_migrations, args=(url,))
            migrating.start()
            wait_until(lambda: oq.count_lock_waiters(watcher, datname=watcher.info.dbname) == 1)
            assert migrating.is_alive()  # 0010 waits for this transaction's insert to end
        migrating.join(30)
        assert not migrating.is_alive()

        assert q.admin.count_users(watcher) == 4 == oq.get_true_stats(watcher)["total_users"]
