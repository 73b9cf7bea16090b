"""Growth tests: with ~100k rows, every hot query is planned on an index, not a sequential scan.

Plans, not timings. A scratch database (one per module) is filled with INSERT ... SELECT
generate_series and analysed; each named query then runs once, inside a transaction that is
rolled back, with auto_explain sending its plan to the client as a JSON notice, and the test
walks that plan.
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
COURSES = 10_000
ENROLMENTS_PER_USER = 1
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
            tq.analyze_service_tables(conn)
            ids = tq.get_id_ranges(conn)
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
    "users.list_users first page": (
        lambda conn, q, ids: list(
            q.users.list_users(conn, q=None, is_active=None, is_admin=None, after_id=0, page_size=50)
        ),
        "users_pkey",
    ),
    "users.list_users deep page": (
        lambda conn, q, ids: list(
            q.users.list_users(
                conn, q=None, is_active=None, is_admin=None, after_id=ids["max_user_id"] - 60, page_size=50
            )
        ),
        "users_pkey",
    ),
    "courses.list_courses first page": (
        lambda conn, q, ids: list(
            q.courses.list_courses(
                conn,
                include_inactive=False,
                category=None,
                difficulty_level=None,
                q=None,
                after_id=0,
                page_size=50,
            )
        ),
        None,
    ),
    "courses.list_courses deep page": (
        lambda conn, q, ids: list(
            q.courses.list_courses(
                conn,
                include_inactive=False,
                category=None,
                difficulty_level=None,
                q=None,
                after_id=ids["max_course_id"] - 60,
                page_size=50,
            )
        ),
        None,
    ),
    "progress.list_user_progress": (
        lambda conn, q, ids: list(
            q.progress.list_user_progress(conn, user_id=ids["min_user_id"] + 777, after_id=0, page_size=50)
        ),
        None,
    ),
    "sessions.delete_expired_sessions": (
        lambda conn, q, ids: q.sessions.delete_expired_sessions(conn, batch_size=1000),
        "active_sessions_expires_at_idx",
    ),
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
