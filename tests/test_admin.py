"""The admin console's API (/admin). Who may call each route is checked by the authorization
matrix (test_authorization_matrix.py); these tests check what each route answers and does."""

from datetime import datetime

import pytest

from tests.shapes import USER_KEYS

LIST_ITEM_KEYS = {
    "id",
    "username",
    "email",
    "full_name",
    "is_active",
    "is_admin",
    "has_training_profile",
    "created_at",
}


def create_user(client, admin, username, **extra):
    body = {
        "username": username,
        "email": f"{username}@example.org",
        "password": "correct-horse-1",
        "full_name": "Made By Admin",
        **extra,
    }
    response = client.post("/api/users", headers=admin.headers, json=body)
    assert response.status_code == 201, response.json
    return response.json


def login(client, username, password="correct-horse-1"):
    return client.post("/auth/login", json={"username": username, "password": password})


# --- GET /admin/stats ------------------------------------------------------------------------


def test_stats_count_accounts_active_accounts_profiles_and_last_weeks_signups(client, db, tq, admin, user):
    create_user(client, admin, "carol", training_profile={"age": 40})
    dormant = create_user(client, admin, "dave", is_active=False)
    tq.set_user_created_at(db, id=dormant["id"], days_ago=30)

    response = client.get("/admin/stats", headers=admin.headers)

    assert response.status_code == 200
    assert response.json == {
        "total_users": 4,
        "active_users": 3,
        "completed_profiles": 1,
        "last_week_signups": 3,
    }


# --- GET /admin/users ------------------------------------------------------------------------


def test_the_user_list_is_paged_with_page_limit_total_and_pages(client, admin, user, other_user):
    create_user(client, admin, "carol", training_profile={"age": 40})

    first = client.get("/admin/users?page=1&limit=3", headers=admin.headers)
    second = client.get("/admin/users?page=2&limit=3", headers=admin.headers)
    beyond = client.get("/admin/users?page=3&limit=3", headers=admin.headers)

    assert first.status_code == second.status_code == beyond.status_code == 200
    assert [u["username"] for u in first.json["users"]] == ["boss", "alice", "bob"]
    assert [u["username"] for u in second.json["users"]] == ["carol"]
    assert beyond.json["users"] == []
    assert first.json["pagination"] == {"page": 1, "limit": 3, "total": 4, "pages": 2}
    assert second.json["pagination"] == {"page": 2, "limit": 3, "total": 4, "pages": 2}
    assert all(set(item) == LIST_ITEM_KEYS for item in first.json["users"] + second.json["users"])
    assert [u["has_training_profile"] for u in first.json["users"] + second.json["users"]] == [
        False,
        False,
        False,
        True,
    ]


def test_the_user_list_defaults_to_page_1_of_50(client, admin):
    response = client.get("/admin/users", headers=admin.headers)

    assert response.status_code == 200
    assert response.json["pagination"] == {"page": 1, "limit": 50, "total": 1, "pages": 1}


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "limit=0", "limit=101", "limit=x"])
def test_a_bad_page_request_is_a_422_naming_the_parameter(client, admin, query):
    response = client.get(f"/admin/users?{query}", headers=admin.headers)

    assert response.status_code == 422
    assert list(response.json["errors"]) == [query.split("=")[0]]


# --- GET /admin/users/{id} -----------------------------------------------------------------------


def test_one_user_comes_with_their_profile_and_count_of_unexpired_sessions(client, db, tq, admin):
    carol = create_user(client, admin, "carol", training_profile={"age": 40, "gender": "female"})
    assert login(client, "carol").status_code == 200
    assert login(client, "carol").status_code == 200
    tq.insert_expired_sessions(db, user_id=carol["id"], how_many=3)

    response = client.get(f"/admin/users/{carol['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert set(response.json) == USER_KEYS | {"active_sessions_count"}
    assert response.json["active_sessions_count"] == 2
    assert response.json["training_profile"]["basic_information"]["age"] == 40


@pytest.mark.parametrize("user_id", ["999999", "99999999999999999999"])
def test_an_unknown_user_is_a_404(client, admin, user_id):
    response = client.get(f"/admin/users/{user_id}", headers=admin.headers)
    assert response.status_code == 404
    assert response.json == {"detail": "User not found", "status": 404}


# --- GET /admin/users/export -------------------------------------------------------------------


def test_the_full_export_has_every_user_with_their_profile_and_no_hash(client, admin, user):
    create_user(client, admin, "carol", training_profile={"age": 40})

    response = client.get("/admin/users/export", headers=admin.headers)

    assert response.status_code == 200
    body = response.json
    assert body["export_type"] == "full"
    assert datetime.fromisoformat(body["export_date"]).utcoffset() is not None
    assert body["total_users"] == 3
    assert [u["username"] for u in body["users"]] == ["boss", "alice", "carol"]
    assert all(set(u) == USER_KEYS for u in body["users"])
    assert body["users"][2]["training_profile"]["basic_information"]["age"] == 40
    assert body["users"][1]["training_profile"] is None
    text = response.get_data(as_text=True)
    assert "hashed_password" not in text
    assert "pbkdf2" not in text


def test_the_basic_export_has_accounts_only(client, admin, user):
    create_user(client, admin, "carol", training_profile={"age": 40})

    response = client.get("/admin/users/export?basic=true", headers=admin.headers)

    assert response.status_code == 200
    assert response.json["export_type"] == "basic"
    assert response.json["total_users"] == 3
    assert all(set(u) == USER_KEYS - {"training_profile"} for u in response.json["users"])


def test_an_export_flag_that_is_not_a_boolean_is_a_422(client, admin):
    response = client.get("/admin/users/export?basic=maybe", headers=admin.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["basic"]


# --- GET /admin/activity -----------------------------------------------------------------------


def test_activity_lists_registrations_and_questionnaire_changes_newest_first(client, db, tq, admin, user):
    tq.set_user_created_at(db, id=admin["id"], days_ago=4)
    tq.set_user_created_at(db, id=user["id"], days_ago=3)
    for age in (30, 31):
        response = client.put(
            f"/api/users/{user['id']}", headers=admin.headers, json={"training_profile": {"age": age}}
        )
        assert response.status_code == 200

    response = client.get("/admin/activity", headers=admin.headers)

    assert response.status_code == 200
    assert [(a["action"], a["user_email"]) for a in response.json] == [
        ("profile_updated", "alice@example.org"),
        ("profile_created", "alice@example.org"),
        ("user_registered", "alice@example.org"),
        ("user_registered", "boss@example.org"),
    ]
    assert all(set(a) == {"action", "user_email", "timestamp", "details"} for a in response.json)
    timestamps = [datetime.fromisoformat(a["timestamp"]) for a in response.json]
    assert timestamps == sorted(timestamps, reverse=True)
    assert response.json[2]["details"] == "New account: alice"


def test_activity_is_limited_to_the_requested_number(client, make_account, admin):
    for n in range(12):
        make_account(f"member{n}")

    default = client.get("/admin/activity", headers=admin.headers)
    two = client.get("/admin/activity?limit=2", headers=admin.headers)

    assert len(default.json) == 10
    assert [a["details"] for a in two.json] == ["New account: member11", "New account: member10"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten"])
def test_a_bad_activity_limit_is_a_422(client, admin, query):
    assert client.get(f"/admin/activity?{query}", headers=admin.headers).status_code == 422


# --- DELETE /admin/users/{id} ------------------------------------------------------------------


def test_an_admin_deletes_a_user_with_their_profile_and_sessions(client, db, tq, admin):
    carol = create_user(client, admin, "carol", training_profile={"age": 40})
    assert login(client, "carol").status_code == 200

    response = client.delete(f"/admin/users/{carol['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json == {"message": "User deleted successfully"}
    assert tq.get_user_row(db, username="carol") is None
    assert tq.count_user_sessions(db, user_id=carol["id"]) == 0
    assert tq.count_user_profiles(db, user_id=carol["id"]) == 0


def test_an_admin_cannot_delete_their_own_account(client, db, tq, admin):
    response = client.delete(f"/admin/users/{admin['id']}", headers=admin.headers)

    assert response.status_code == 400
    assert response.json == {"detail": "You cannot delete your own account", "status": 400}
    assert tq.get_user_row(db, username="boss") is not None


def test_deleting_an_unknown_user_is_a_404(client, admin):
    assert client.delete("/admin/users/424242", headers=admin.headers).status_code == 404


# --- DELETE /admin/users/{id}/sessions ----------------------------------------------------------


def test_an_admin_ends_every_session_of_a_user_at_once(client, db, tq, admin, user, other_user):
    phone = login(client, "alice").json["access_token"]

    response = client.delete(f"/admin/users/{user['id']}/sessions", headers=admin.headers)

    assert response.status_code == 200
    assert response.json == {"message": "Revoked 2 session(s)", "revoked": 2}
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {phone}"}).status_code == 401
    assert client.get("/auth/me", headers=other_user.headers).status_code == 200
    assert client.get("/auth/me", headers=admin.headers).status_code == 200


def test_ending_the_sessions_of_a_user_without_any_says_zero(client, db, tq, admin, user):
    assert client.post("/auth/logout", headers=user.headers).status_code == 200

    response = client.delete(f"/admin/users/{user['id']}/sessions", headers=admin.headers)

    assert response.status_code == 200
    assert response.json["revoked"] == 0


def test_ending_the_sessions_of_an_unknown_user_is_a_404(client, admin):
    response = client.delete("/admin/users/424242/sessions", headers=admin.headers)
    assert response.status_code == 404
    assert response.json["detail"] == "User not found"


# --- POST /admin/cleanup-sessions ------------------------------------------------------------


def test_cleanup_deletes_expired_sessions_only(client, db, tq, admin, user):
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=5)

    response = client.post("/admin/cleanup-sessions", headers=admin.headers)

    assert response.status_code == 200
    assert response.json == {"message": "Expired sessions deleted", "cleaned_sessions": 5}
    assert tq.count_expired_sessions(db) == 0
    assert client.get("/auth/me", headers=user.headers).status_code == 200


def test_cleanup_works_in_bounded_batches_and_says_when_more_remain(
    make_app, database_url_for_tests, db, tq, admin, user
):
    client = make_app(database_url_for_tests, CLEANUP_BATCH_SIZE=2, CLEANUP_MAX_BATCHES=2).test_client()
    tq.insert_expired_sessions(db, user_id=user["id"], how_many=5)

    first = client.post("/admin/cleanup-sessions", headers=admin.headers)
    second = client.post("/admin/cleanup-sessions", headers=admin.headers)

    assert first.json == {
        "message": "Expired sessions deleted; more remain, call again",
        "cleaned_sessions": 4,
    }
    assert second.json == {"message": "Expired sessions deleted", "cleaned_sessions": 1}
    assert tq.count_expired_sessions(db) == 0


def test_cleanup_ignores_an_empty_json_body(client, admin):
    response = client.post(
        "/admin/cleanup-sessions", headers={**admin.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json["cleaned_sessions"] == 0
