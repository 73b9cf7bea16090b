"""Statements carry their names: PostgreSQL's own views say which named query a statement is."""

import threading
import time

import psycopg
from psycopg.rows import dict_row


def test_pg_stat_activity_names_the_query_a_waiting_request_runs(
    app, client, db, tq, admin, user, database_url_for_tests
):
    answers = []
    with psycopg.connect(database_url_for_tests, row_factory=dict_row) as holder:
        with holder.transaction():
            tq.lock_user_row(holder, id=user["id"])  # the update below waits for this lock
            request = threading.Thread(
                target=lambda: answers.append(
                    client.put(
                        f"/api/users/{user['id']}",
                        json={"full_name": "Renamed Person"},
                        headers=admin.headers,
                    )
                )
            )
            request.start()
            waiting = None
            deadline = time.monotonic() + 30
            while waiting is None and time.monotonic() < deadline:
                waiting = next(
                    (
                        row
                        for row in tq.list_named_statements(db)
                        if row["query"].startswith("UPDATE /*query='users.update_user'*/")
                    ),
                    None,
                )
                time.sleep(0.05)
        request.join(timeout=30)

    assert waiting is not None, "no statement named users.update_user in pg_stat_activity"
    assert waiting["state"] == "active"
    assert waiting["wait_event_type"] == "Lock"
    assert answers and answers[0].status_code == 200
    assert answers[0].json["full_name"] == "Renamed Person"
