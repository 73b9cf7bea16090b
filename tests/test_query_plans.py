"""Growth tests: with ~100k rows, every hot query is planned on an index, not a sequential scan,
and a keyset page reads as many rows in the middle or at the end of a list as at its start.

Plans, not timings. A scratch database (one per module) is filled with INSERT ... SELECT
generate_series and analysed; each named query then runs once, inside a transaction that is
rolled back, with auto_explain sending its executed plan (EXPLAIN ANALYZE) to the client as a
JSON notice, and the test walks that plan.
"""

import hashlib
import json
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from service.devdb import drop_database, ensure_database
from service.migrations import apply_migrations
from service.queries import load_queries

USERS = 100_000
SESSIONS = 100_000
COURSES = 100_000
ENROLMENTS_PER_USER = 1
# One account (made an admin) with many live sessions and an enrolment in every course: lists
# of its own long enough to have a middle.
HEAVY_USER_OFFSET = 31_337
HEAVY_USER_SESSIONS = 20_000
PAGE = 50
BIG_TABLES = {"users", "training_profiles", "active_sessions", "courses", "user_course_progress"}


@pytest.fixture(scope="module")
def big_database(server_url, tq):
    name = f"urtraining_plans_{uuid.uuid4().hex[:12]}"
    url = ensure_database(server_url, name)
    try:
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            tq.plan_fill_users(conn, user_count=USERS)
            tq.plan_fill_profiles(conn)
            tq.plan_fill_sessions(conn, session_count=SESSIONS)
            tq.plan_fill_courses(conn, course_count=COURSES)
            tq.plan_fill_progress(conn, per_user=ENROLMENTS_PER_USER)
            ids = tq.get_id_ranges(conn)
            heavy = ids["min_user_id"] + HEAVY_USER_OFFSET
            tq.plan_fill_heavy_user(conn, user_id=heavy, session_count=HEAVY_USER_SESSIONS)
            tq.analyze_service_tables(conn)
            ids = {**ids, **tq.get_heavy_user_ranges(conn, user_id=heavy), "heavy_user_id": heavy}
        yield url, ids
    finally:
        drop_database(server_url, name)


@pytest.fixture(scope="module")
def plan_of(big_database, tq):
    """plan_of(run) -> every plan node of the statements run(conn, q, ids) executes."""
    url, ids = big_database
    q = load_queries()
    notices = []
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        tq.load_auto_explain(conn)
        tq.enable_plan_notices(conn)
        tq.enable_plan_analysis(conn)
        conn.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))

        def plan(run):
            notices.clear()
            with conn.transaction(force_rollback=True):
                run(conn, q, ids)
            nodes = [node for text in notices if "{" in text for node in _plan_nodes(_plan_json(text))]
            assert nodes, f"auto_explain sent no plan; notices: {notices}"
            return nodes

        yield plan


def _plan_json(text):
    document = json.loads(text[text.index("{") :])
    return document.get("Plan", document)


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _seq_scans_on_big_tables(nodes):
    return [
        n["Relation Name"]
        for n in nodes
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG_TABLES
    ]


def _indexes_used(nodes):
    return {n["Index Name"] for n in nodes if "Index Name" in n}


def _token_hash(n):
    return hashlib.sha256(f"plan-session-{n}".encode()).digest()


def _heavy_session():
    """The caller of the keyset lists: the heavy account (an admin) signed in."""
    return {"token_hash": hashlib.sha256(b"heavy-session-1").digest(), "touch_after_seconds": 60}


def _search_users(conn, q, text):
    return q.users.list_users_page(
        conn, **_heavy_session(), q=text, is_active=None, is_admin=None, after_id=0, page_size=50
    )


def _search_courses(conn, q, text):
    return q.courses.list_courses_page(
        conn, include_inactive=False, category=None, difficulty_level=None, q=text, after_id=0, page_size=50
    )


# (query, how to run it, an index the plan must use)
HOT_QUERIES = {
    "sessions.authenticate_session (token lookup)": (
        lambda conn, q, ids: q.sessions.authenticate_session(
            conn, token_hash=_token_hash(40), touch_after_seconds=60
        ),
        "active_sessions_token_hash_key",
    ),
    "users.get_login_candidate": (
        lambda conn, q, ids: q.users.get_login_candidate(conn, login="Plan54321"),
        "users_username_lower_key",
    ),
    "users.get_login_candidate by email": (
        lambda conn, q, ids: q.users.get_login_candidate(conn, login="plan54321@example.org"),
        "users_email_key",
    ),
    "users.get_user_by_id": (
        lambda conn, q, ids: q.users.get_user_by_id(conn, id=ids["min_user_id"] + 54_321),
        "users_pkey",
    ),
    "housekeeping.delete_expired_sessions": (
        lambda conn, q, ids: q.housekeeping.delete_expired_sessions(
            conn, retention_seconds=0, batch_size=1000
        ),
        "active_sessions_expires_at_idx",
    ),
    "users.list_users_page searching a rare text (trigram index)": (
        lambda conn, q, ids: _search_users(conn, q, "zqxw"),
        "users_search_trgm_idx",
    ),
    "users.list_users_page searching one account's name (trigram index)": (
        lambda conn, q, ids: _search_users(conn, q, "plan54321"),
        "users_search_trgm_idx",
    ),
    "users.list_users_page searching a text most accounts hold": (
        lambda conn, q, ids: _search_users(conn, q, "Plan Person"),
        "users_pkey",
    ),
    "users.list_users_page searching fewer than three letters (whole username or email)": (
        lambda conn, q, ids: _search_users(conn, q, "zq"),
        "users_username_lower_key",
    ),
    "courses.list_courses_page searching a rare text (trigram index)": (
        lambda conn, q, ids: _search_courses(conn, q, "zqxw"),
        "courses_search_trgm_idx",
    ),
    "courses.list_courses_page searching fewer than three letters (whole title)": (
        lambda conn, q, ids: _search_courses(conn, q, "zq"),
        "courses_active_title_key",
    ),
    "admin.get_stats": (lambda conn, q, ids: q.admin.get_stats(conn), "users_created_at_id_idx"),
    "admin.list_users_page first page": (
        lambda conn, q, ids: list(q.admin.list_users_page(conn, page_size=50, skip=0)),
        "users_pkey",
    ),
    "admin.list_users_page deep page": (
        lambda conn, q, ids: list(q.admin.list_users_page(conn, page_size=50, skip=USERS - 60)),
        "users_pkey",
    ),
}


@pytest.mark.parametrize("name", list(HOT_QUERIES))
def test_a_hot_query_reads_big_tables_through_an_index_at_100k_rows(plan_of, name):
    run, expected_index = HOT_QUERIES[name]
    nodes = plan_of(run)
    assert _seq_scans_on_big_tables(nodes) == [], f"{name}: {[n['Node Type'] for n in nodes]}"
    used = _indexes_used(nodes)
    assert used, f"{name} uses no index: {[n['Node Type'] for n in nodes]}"
    if expected_index:
        assert expected_index in used, f"{name} uses {used}, not {expected_index}"


def test_a_search_keeps_its_index_once_the_list_query_is_prepared_and_used_without_one(plan_of):
    """psycopg prepares a statement after 5 uses; PostgreSQL may then plan it once for any q."""

    def unfiltered(conn, q, ids):
        for _ in range(12):
            q.users.list_users_page(
                conn, **_heavy_session(), q=None, is_active=None, is_admin=None, after_id=0, page_size=50
            )

    plan_of(unfiltered)
    nodes = plan_of(lambda conn, q, ids: _search_users(conn, q, "zqxw"))

    assert _seq_scans_on_big_tables(nodes) == []
    assert "users_search_trgm_idx" in _indexes_used(nodes)


# --- the admin list's total comes from a counter (migration 0004), not from count(*) ---------


def test_the_admin_user_total_stays_exact_through_registrations_deletions_and_truncation(
    client, admin, make_account, db, tq
):
    doomed = make_account()
    make_account()
    assert client.delete(f"/api/users/{doomed['id']}", headers=admin.headers).status_code == 200

    response = client.get("/admin/users?page=1&limit=50", headers=admin.headers)

    assert response.status_code == 200
    assert response.json["pagination"]["total"] == tq.count_users(db) == 2
    tq.truncate_service_tables(db)
    assert load_queries().admin.count_users(db) == 0


# --- keyset lists: an index seek at any depth ----------------------------------------------------


def _users_page(after):
    def run(conn, q, ids):
        return q.users.list_users_page(
            conn,
            **_heavy_session(),
            q=None,
            is_active=None,
            is_admin=None,
            after_id=after(ids),
            page_size=PAGE,
        )

    return run


def _courses_page(after):
    def run(conn, q, ids):
        return q.courses.list_courses_page(
            conn,
            include_inactive=False,
            category=None,
            difficulty_level=None,
            q=None,
            after_id=after(ids),
            page_size=PAGE,
        )

    return run


def _my_progress_page(after):
    def run(conn, q, ids):
        return q.progress.list_my_progress_page(conn, **_heavy_session(), after_id=after(ids), page_size=PAGE)

    return run


def _user_progress_page(after):
    def run(conn, q, ids):
        return q.progress.list_user_progress_page(
            conn, **_heavy_session(), user_id=ids["heavy_user_id"], after_id=after(ids), page_size=PAGE
        )

    return run


def _sessions_page(before):
    def run(conn, q, ids):
        return q.sessions.list_my_sessions_page(
            conn, **_heavy_session(), before_id=before(ids), page_size=PAGE
        )

    return run


# Each keyset list: its first page, a page in the middle, and its last full page.
KEYSET_LISTS = {
    "users.list_users_page": {
        "first": _users_page(lambda ids: 0),
        "middle": _users_page(lambda ids: ids["min_user_id"] + USERS // 2),
        "last": _users_page(lambda ids: ids["max_user_id"] - PAGE - 10),
    },
    "courses.list_courses_page": {
        "first": _courses_page(lambda ids: 0),
        "middle": _courses_page(lambda ids: ids["min_course_id"] + COURSES // 2),
        "last": _courses_page(lambda ids: ids["max_course_id"] - PAGE - 10),
    },
    "progress.list_my_progress_page": {
        "first": _my_progress_page(lambda ids: 0),
        "middle": _my_progress_page(lambda ids: ids["mid_progress_id"]),
        "last": _my_progress_page(lambda ids: ids["max_progress_id"] - PAGE - 10),
    },
    "progress.list_user_progress_page": {
        "first": _user_progress_page(lambda ids: 0),
        "middle": _user_progress_page(lambda ids: ids["mid_progress_id"]),
        "last": _user_progress_page(lambda ids: ids["max_progress_id"] - PAGE - 10),
    },
    "sessions.list_my_sessions_page": {
        "first": _sessions_page(lambda ids: None),
        "middle": _sessions_page(lambda ids: ids["mid_session_id"]),
        # Its sessions were made in one statement: the last HEAVY_USER_SESSIONS ids.
        "last": _sessions_page(lambda ids: ids["max_session_id"] - HEAVY_USER_SESSIONS + 1 + PAGE + 10),
    },
}
KEYSET_PAGES = [(name, where) for name, pages in KEYSET_LISTS.items() for where in pages]
LIST_KEYS = {
    "users.list_users_page": "users",
    "courses.list_courses_page": "courses",
    "progress.list_my_progress_page": "progress",
    "progress.list_user_progress_page": "progress",
    "sessions.list_my_sessions_page": "active_sessions",
}
# What one page may read, whatever the size of the table or the list: the page (and a look-up
# per row of it, e.g. a user's profile or an enrolment's course), the caller's session.
ROWS_PER_PAGE_READ = 3 * PAGE + 10
# Except for one user's enrolments: the planner reckons a user has about one (rows / distinct
# users) and reads all of theirs through the unique (user_id, course_id) index, then keeps the
# page (a top-N sort); an index on (user_id, id) was measured unused. So such a page reads the
# user's enrolments - bounded by the catalogue, the same at any depth, whatever the table size.
READS_ONE_USERS_LIST = {"progress.list_my_progress_page", "progress.list_user_progress_page"}


def _rows_read(nodes):
    """Rows the scans of the big tables produced or threw away (EXPLAIN ANALYZE), over all loops."""
    total = 0
    for node in nodes:
        if node.get("Relation Name") in BIG_TABLES and "Scan" in node["Node Type"]:
            per_loop = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            total += per_loop * node.get("Actual Loops", 1)
    return total


def _page_of(plan_of, name, where):
    """(plan nodes, the page's JSON) of one page of a keyset list."""
    bodies = []

    def run(conn, q, ids):
        bodies.append(KEYSET_LISTS[name][where](conn, q, ids)["body"])

    nodes = plan_of(run)
    return nodes, json.loads(bodies[0])


@pytest.mark.parametrize(("name", "where"), KEYSET_PAGES)
def test_a_keyset_page_is_an_index_seek_wherever_it_is_in_the_list(plan_of, name, where):
    nodes, page = _page_of(plan_of, name, where)

    assert len(page[LIST_KEYS[name]]) == PAGE, f"{name} {where}: not a full page"
    assert _seq_scans_on_big_tables(nodes) == [], f"{name} {where}: {[n['Node Type'] for n in nodes]}"
    assert _indexes_used(nodes), f"{name} {where} uses no index"
    bound = ROWS_PER_PAGE_READ + (COURSES if name in READS_ONE_USERS_LIST else 0)
    assert _rows_read(nodes) <= bound, f"{name} {where} read {_rows_read(nodes)} rows"


@pytest.mark.parametrize("name", list(KEYSET_LISTS))
def test_a_page_in_the_middle_or_at_the_end_reads_no_more_rows_than_the_first(plan_of, name):
    read = {where: _rows_read(_page_of(plan_of, name, where)[0]) for where in ("first", "middle", "last")}

    assert read["first"] > 0, read
    # A few rows of slack (the caller's session), never a number that grows with the list.
    assert read["middle"] <= read["first"] + 10, f"{name}: rows read by page {read}"
    assert read["last"] <= read["first"] + 10, f"{name}: rows read by page {read}"
