"""Account self-service: PUT /auth/profile, PUT /auth/change-password, GET /auth/check-email-availability."""

import pytest


def login(client, username, password):
    return client.post("/auth/login", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- PUT /auth/profile ------------------------------------------------------------------------


def test_a_user_changes_their_name_and_email(client, db, tq, user):
    response = client.put(
        "/auth/profile",
        json={"full_name": "  Alice Liddell ", "email": " Alice@Wonder.Example "},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert response.json["message"] == "Profile updated"
    info = response.json["user_info"]
    assert (info["id"], info["full_name"], info["email"]) == (
        user["id"],
        "Alice Liddell",
        "alice@wonder.example",
    )
    assert info["training_profile"] is None
    assert info["updated_at"] is not None
    row = tq.get_user_row(db, username="alice")
    assert (row["full_name"], row["email"]) == ("Alice Liddell", "alice@wonder.example")


def test_a_partial_profile_change_keeps_the_other_field(client, db, tq, user):
    response = client.put("/auth/profile", json={"full_name": "Alice L"}, headers=user.headers)
    assert response.status_code == 200
    assert response.json["user_info"]["email"] == "alice@example.org"
    assert tq.get_user_row(db, username="alice")["full_name"] == "Alice L"


def test_the_profile_answer_embeds_the_training_profile(client, user):
    client.put("/auth/training-profile", json={"age": 41}, headers=user.headers)
    response = client.put("/auth/profile", json={"full_name": "Alice L"}, headers=user.headers)
    assert response.json["user_info"]["training_profile"]["basic_information"]["age"] == 41


def test_keeping_your_own_email_is_not_a_conflict(client, user):
    response = client.put("/auth/profile", json={"email": "ALICE@example.org"}, headers=user.headers)
    assert response.status_code == 200
    assert response.json["user_info"]["email"] == "alice@example.org"


def test_taking_another_users_email_is_a_conflict(client, db, tq, user, other_user):
    response = client.put(
        "/auth/profile", json={"email": "Bob@Example.org", "full_name": "Eve"}, headers=user.headers
    )
    assert response.status_code == 409
    assert response.json == {"detail": "Email already registered", "status": 409}
    row = tq.get_user_row(db, username="alice")
    assert (row["email"], row["full_name"]) == ("alice@example.org", "Test Person")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": None}, "email"),
        ({"full_name": "A"}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "x" * 101}, "full_name"),
        ({"full_name": 42}, "full_name"),
        ({"username": "mallory"}, "username"),
        ({"is_admin": True}, "is_admin"),
        ({"is_active": False}, "is_active"),
        ({"password": "new-password-1"}, "password"),
    ],
)
def test_an_invalid_or_forbidden_profile_change_is_refused(client, db, tq, user, body, field):
    response = client.put("/auth/profile", json=body, headers=user.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    row = tq.get_user_row(db, username="alice")
    assert (row["email"], row["full_name"], row["is_admin"], row["is_active"]) == (
        "alice@example.org",
        "Test Person",
        False,
        True,
    )


def test_anonymous_callers_cannot_use_the_self_service_routes(client):
    responses = [
        client.put("/auth/profile", json={"full_name": "Nobody"}),
        client.put("/auth/change-password", json={"current_password": "a", "new_password": "b"}),
        client.get("/auth/check-email-availability?email=a@example.org"),
    ]
    for response in responses:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


# --- PUT /auth/change-password ----------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, db, tq, user):
    other_session = login(client, "alice", user["password"]).json["access_token"]
    assert tq.count_rows_owned_by(db, user_id=user["id"])["sessions"] == 2

    response = client.put(
        "/auth/change-password",
        json={"current_password": user["password"], "new_password": "a-new-passphrase"},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert set(response.json) == {"message"}

    assert client.get("/auth/me", headers=user.headers).status_code == 200
    assert client.get("/auth/me", headers=bearer(other_session)).status_code == 401
    assert tq.count_rows_owned_by(db, user_id=user["id"])["sessions"] == 1
    assert login(client, "alice", user["password"]).status_code == 401
    assert login(client, "alice", "a-new-passphrase").status_code == 200


def test_a_wrong_current_password_changes_nothing(client, db, tq, user):
    other_session = login(client, "alice", user["password"]).json["access_token"]
    response = client.put(
        "/auth/change-password",
        json={"current_password": "not-my-password", "new_password": "a-new-passphrase"},
        headers=user.headers,
    )
    assert response.status_code == 400
    assert response.json == {"detail": "Current password is incorrect", "status": 400}
    assert client.get("/auth/me", headers=bearer(other_session)).status_code == 200
    assert login(client, "alice", "a-new-passphrase").status_code == 401
    assert login(client, "alice", user["password"]).status_code == 200


def test_a_password_change_affects_only_the_caller(client, user, other_user):
    client.put(
        "/auth/change-password",
        json={"current_password": user["password"], "new_password": "a-new-passphrase"},
        headers=user.headers,
    )
    assert client.get("/auth/me", headers=other_user.headers).status_code == 200
    assert login(client, "bob", other_user["password"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"current_password": "correct-horse-1", "new_password": "short"}, {"new_password"}),
        ({"current_password": "correct-horse-1", "new_password": "x" * 129}, {"new_password"}),
        ({"current_password": "correct-horse-1"}, {"new_password"}),
        ({"new_password": "a-new-passphrase"}, {"current_password"}),
        ({"current_password": "", "new_password": "a-new-passphrase"}, {"current_password"}),
        ({"current_password": "correct-horse-1", "new_password": 12345678}, {"new_password"}),
        (
            {"current_password": "correct-horse-1", "new_password": "a-new-passphrase", "user_id": 2},
            {"user_id"},
        ),
    ],
)
def test_an_invalid_password_change_is_refused(client, user, body, fields):
    response = client.put("/auth/change-password", json=body, headers=user.headers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == fields
    assert login(client, "alice", user["password"]).status_code == 200


def test_the_new_password_is_stored_only_as_a_hash(client, db, tq, user):
    client.put(
        "/auth/change-password",
        json={"current_password": user["password"], "new_password": "a-distinctive-passphrase"},
        headers=user.headers,
    )
    assert tq.count_rows_containing(db, needle="a-distinctive-passphrase") == 0


# --- GET /auth/check-email-availability -------------------------------------------------------


def test_a_free_email_is_available(client, user):
    response = client.get("/auth/check-email-availability?email=new@example.org", headers=user.headers)
    assert response.status_code == 200
    assert response.json == {"available": True, "message": "Email is available"}


def test_your_own_email_counts_as_available(client, user):
    response = client.get("/auth/check-email-availability?email=ALICE@example.org", headers=user.headers)
    assert response.json == {"available": True, "message": "Email is available"}


def test_another_users_email_is_not_available_in_any_case(client, user, other_user):
    response = client.get("/auth/check-email-availability?email=%20Bob@EXAMPLE.org", headers=user.headers)
    assert response.status_code == 200
    assert response.json == {"available": False, "message": "Email already registered"}


@pytest.mark.parametrize("query", ["", "?email=", "?email=not-an-email", "?username=alice"])
def test_an_email_check_needs_a_valid_email(client, user, query):
    response = client.get(f"/auth/check-email-availability{query}", headers=user.headers)
    assert response.status_code == 422
    assert "email" in response.json["errors"]
