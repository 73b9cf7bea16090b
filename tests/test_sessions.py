"""The caller's sessions: listing, ending one or all, refresh, last seen, cleanup, revocation rules."""

from datetime import timedelta

import pytest

SESSION_KEYS = {"id", "created_at", "expires_at", "last_seen_at", "user_agent", "ip_address", "current"}


def login(client, account, password=None, **kwargs):
    return client.post(
        "/auth/login",
        json={"username": account["username"], "password": password or account["password"]},
        **kwargs,
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def session_rows(db, tq, user_id):
    return list(tq.list_session_rows(db, user_id=user_id))


def session_ids(db, tq, user_id):
    return [row["id"] for row in session_rows(db, tq, user_id)]


# --- GET /auth/active-sessions ------------------------------------------------------------------


def test_active_sessions_lists_the_callers_unexpired_sessions_and_marks_the_current_one(
    client, db, tq, user, other_user
):
    second = login(
        client, user, headers={"User-Agent": "PhoneApp/2.0"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert second.status_code == 200
    first_id, second_id = session_ids(db, tq, user["id"])

    response = client.get("/auth/active-sessions", headers=user.headers)

    assert response.status_code == 200
    sessions = response.json["active_sessions"]
    assert [s["id"] for s in sessions] == [second_id, first_id]  # newest first
    assert all(set(s) == SESSION_KEYS for s in sessions)
    assert [s["current"] for s in sessions] == [False, True]
    assert sessions[0]["user_agent"] == "PhoneApp/2.0"
    assert sessions[0]["ip_address"] == "10.1.2.3"
    assert user["token"] not in response.get_data(as_text=True)
    assert second.json["access_token"] not in response.get_data(as_text=True)
    assert response.json["pagination"] == {"limit": 50, "next_cursor": None}


def test_active_sessions_leaves_out_expired_sessions(client, db, tq, user):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=3)

    response = client.get("/auth/active-sessions", headers=user.headers)

    assert response.status_code == 200
    assert len(response.json["active_sessions"]) == 1
    assert response.json["active_sessions"][0]["current"] is True


def test_active_sessions_come_in_pages_with_a_cursor(client, db, tq, user):
    for _ in range(2):
        assert login(client, user).status_code == 200
    ids = sorted(session_ids(db, tq, user["id"]), reverse=True)

    first = client.get("/auth/active-sessions?limit=2", headers=user.headers)
    cursor = first.json["pagination"]["next_cursor"]
    second = client.get(f"/auth/active-sessions?limit=2&cursor={cursor}", headers=user.headers)

    assert [s["id"] for s in first.json["active_sessions"]] == ids[:2]
    assert [s["id"] for s in second.json["active_sessions"]] == ids[2:]
    assert second.json["pagination"]["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "cursor=abc", "cursor=-1"])
def test_active_sessions_refuses_a_bad_page_request_with_a_422(client, user, query):
    response = client.get(f"/auth/active-sessions?{query}", headers=user.headers)
    assert response.status_code == 422
    assert isinstance(response.json["detail"], str)


# --- DELETE /auth/active-sessions/{id} ------------------------------------------------------------


def test_a_user_can_end_another_of_their_own_sessions(client, db, tq, user):
    phone = login(client, user).json["access_token"]
    phone_session = session_ids(db, tq, user["id"])[-1]

    response = client.delete(f"/auth/active-sessions/{phone_session}", headers=user.headers)

    assert response.status_code == 200
    assert response.json == {"message": "Session revoked"}
    assert client.get("/auth/me", headers=bearer(phone)).status_code == 401
    assert client.get("/auth/me", headers=user.headers).status_code == 200


def test_ending_the_current_session_works_like_logout(client, db, tq, user):
    current = session_ids(db, tq, user["id"])[0]
    response = client.delete(f"/auth/active-sessions/{current}", headers=user.headers)
    assert response.status_code == 200
    assert client.get("/auth/me", headers=user.headers).status_code == 401


def test_ending_another_users_session_is_a_404_and_leaves_it_alone(client, db, tq, user, other_user):
    their_session = session_ids(db, tq, other_user["id"])[0]

    response = client.delete(f"/auth/active-sessions/{their_session}", headers=user.headers)

    assert response.status_code == 404
    assert response.json == {"detail": "Session not found", "status": 404}
    assert client.get("/auth/me", headers=other_user.headers).status_code == 200


@pytest.mark.parametrize("session_id", ["999999", "99999999999999999999999"])
def test_ending_a_session_that_does_not_exist_is_a_404(client, user, session_id):
    response = client.delete(f"/auth/active-sessions/{session_id}", headers=user.headers)
    assert response.status_code == 404


# --- POST /auth/logout-all -----------------------------------------------------------------------


def test_logout_all_ends_every_session_of_the_caller_only(client, db, tq, user, other_user):
    phone = login(client, user).json["access_token"]

    response = client.post("/auth/logout-all", headers=user.headers)

    assert response.status_code == 200
    assert response.json == {"message": "Logged out of every session", "revoked": 2}
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert client.get("/auth/me", headers=bearer(phone)).status_code == 401
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get("/auth/me", headers=other_user.headers).status_code == 200


def test_logout_all_ignores_an_empty_json_body(client, user):
    response = client.post("/auth/logout-all", headers={**user.headers, "Content-Type": "application/json"})
    assert response.status_code == 200


# --- POST /auth/refresh ----------------------------------------------------------------------


def test_refresh_gives_a_new_token_and_ends_the_old_session_at_once(client, db, tq, user):
    before = session_rows(db, tq, user["id"])[0]

    response = client.post("/auth/refresh", headers=user.headers)

    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "token_type", "expires_in", "user_info"}
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 30 * 60
    assert body["user_info"] == {
        "id": user["id"],
        "username": "alice",
        "email": "alice@example.org",
        "full_name": "Test Person",
        "is_admin": False,
    }
    assert body["access_token"] != user["token"]
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert client.get("/auth/me", headers=bearer(body["access_token"])).status_code == 200
    (after,) = session_rows(db, tq, user["id"])
    assert after["id"] != before["id"]
    assert after["authenticated_at"] == before["authenticated_at"]  # the sign-in's time carries over


def test_a_token_can_be_refreshed_only_once(client, user):
    assert client.post("/auth/refresh", headers=user.headers).status_code == 200
    again = client.post("/auth/refresh", headers=user.headers)
    assert again.status_code == 401
    assert again.headers["WWW-Authenticate"] == "Bearer"


def test_refresh_past_the_absolute_session_lifetime_is_refused(client, db, tq, user):
    tq.set_sessions_authenticated_at(db, user_id=user["id"], seconds_ago=13 * 3600)

    response = client.post("/auth/refresh", headers=user.headers)

    assert response.status_code == 401
    assert response.json["detail"] == "Session has reached its maximum lifetime; sign in again"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1  # nothing new was opened


def test_a_refreshed_session_never_outlives_the_absolute_lifetime(client, db, tq, user):
    tq.set_sessions_authenticated_at(db, user_id=user["id"], seconds_ago=12 * 3600 - 600)

    response = client.post("/auth/refresh", headers=user.headers)

    assert response.status_code == 200
    assert response.json["expires_in"] <= 600
    (session,) = session_rows(db, tq, user["id"])
    assert session["expires_at"] <= session["authenticated_at"] + timedelta(hours=12)


def test_the_absolute_session_lifetime_is_configurable(make_app, database_url_for_tests, db, tq, user):
    app = make_app(database_url_for_tests, SESSION_ABSOLUTE_LIFETIME_HOURS="1")
    tq.set_sessions_authenticated_at(db, user_id=user["id"], seconds_ago=3600 + 60)

    response = app.test_client().post("/auth/refresh", headers=user.headers)

    assert response.status_code == 401


def test_refresh_without_a_token_is_a_401(client):
    assert client.post("/auth/refresh").status_code == 401


# --- last_seen_at ------------------------------------------------------------------------------


def test_last_seen_is_refreshed_when_older_than_a_minute(client, db, tq, user):
    tq.set_sessions_last_seen(db, user_id=user["id"], seconds_ago=300)
    stale = session_rows(db, tq, user["id"])[0]["last_seen_at"]

    assert client.get("/auth/me", headers=user.headers).status_code == 200

    fresh = session_rows(db, tq, user["id"])[0]["last_seen_at"]
    assert fresh > stale + timedelta(seconds=240)


def test_last_seen_is_not_written_again_within_a_minute(client, db, tq, user):
    tq.set_sessions_last_seen(db, user_id=user["id"], seconds_ago=10)
    recent = session_rows(db, tq, user["id"])[0]["last_seen_at"]

    assert client.get("/auth/me", headers=user.headers).status_code == 200

    assert session_rows(db, tq, user["id"])[0]["last_seen_at"] == recent


# --- cleanup of expired sessions ------------------------------------------------------------------


def test_the_cleanup_command_deletes_every_expired_session_in_batches(app, db, tq, user):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=7)

    with app.app_context():  # the `flask` command pushes one; the test runner does not
        result = app.test_cli_runner().invoke(args=["cleanup-sessions", "--batch-size", "3"])

    assert result.exit_code == 0, result.output
    assert "deleted 7 expired session(s)" in result.output
    assert tq.count_expired_sessions(db) == 0
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1  # the live one stays


# --- revocation rules ---------------------------------------------------------------------------


def test_changing_the_password_ends_the_other_sessions_at_once_and_keeps_this_one(app, client, user):
    if not any(rule.rule == "/auth/change-password" for rule in app.url_map.iter_rules()):
        pytest.skip("PUT /auth/change-password is not in the URL map yet")
    phone = login(client, user).json["access_token"]

    response = client.put(
        "/auth/change-password",
        headers=bearer(phone),
        json={"current_password": user["password"], "new_password": "a-brand-new-passphrase"},
    )

    assert response.status_code == 200
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert client.get("/auth/me", headers=bearer(phone)).status_code == 200


def test_deactivating_a_user_ends_all_their_sessions(client, db, tq, admin, user):
    login(client, user)

    response = client.put(f"/api/users/{user['id']}", headers=admin.headers, json={"is_active": False})

    assert response.status_code == 200
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get("/auth/me", headers=user.headers).status_code == 401


def test_an_admins_password_reset_ends_all_the_users_sessions(client, db, tq, admin, user):
    login(client, user)

    response = client.put(
        f"/api/users/{user['id']}", headers=admin.headers, json={"password": "reset-by-the-admin"}
    )

    assert response.status_code == 200
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert login(client, user, password="reset-by-the-admin").status_code == 200


def test_an_admins_other_changes_leave_the_users_sessions_alone(client, db, tq, admin, user):
    response = client.put(f"/api/users/{user['id']}", headers=admin.headers, json={"full_name": "Alice A."})
    assert response.status_code == 200
    assert client.get("/auth/me", headers=user.headers).status_code == 200


@pytest.mark.parametrize("path", ["/api/users/{id}", "/admin/users/{id}"])
def test_deleting_a_user_ends_all_their_sessions(client, db, tq, admin, user, path):
    response = client.delete(path.format(id=user["id"]), headers=admin.headers)

    assert response.status_code == 200
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get("/auth/me", headers=user.headers).status_code == 401


def test_a_deactivated_user_cannot_log_in_and_gets_the_wrong_password_answer(client, db, tq, user):
    wrong = login(client, user, password="not-the-password")
    tq.set_user_active(db, id=user["id"], is_active=False)

    deactivated = login(client, user)

    assert deactivated.status_code == wrong.status_code == 401
    assert deactivated.json == wrong.json == {"detail": "Incorrect username or password", "status": 401}
    assert deactivated.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"] == "Bearer"
