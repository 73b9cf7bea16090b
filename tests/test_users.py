"""User management (/api/users): who may do what, filters and pages, and what changes do."""

import re
import threading

import pytest

from tests.shapes import USER_KEYS

PROFILE_INPUT = {
    "gender": "female",
    "age": 34,
    "height_cm": 170,
    "weight_kg": 64.5,
    "training_goals": ["weight_loss", "improve_endurance"],
    "training_level": "beginner",
    "frequency_last_3_months": "not_trained",
    "training_location": "outdoor",
    "location_details": "park_outdoor",
    "session_duration": "15_30_min",
    "joint_back_problems": True,
    "chronic_conditions": False,
    "health_details": "Left knee",
    "strength_training": 1,
    "cardio": 5,
    "hiit": 2,
    "yoga_pilates": 3,
    "functional_training": 4,
    "stretching": 5,
}
PROFILE_OUTPUT = {
    "basic_information": {"gender": "female", "age": 34, "height_cm": 170, "weight_kg": 64.5},
    "training_goals": ["weight_loss", "improve_endurance"],
    "training_experience": {"level": "beginner", "frequency_last_3_months": "not_trained"},
    "preferences": {
        "training_location": "outdoor",
        "location_details": "park_outdoor",
        "session_duration": "15_30_min",
    },
    "health": {"joint_back_problems": True, "chronic_conditions": False, "health_details": "Left knee"},
    "training_types": {
        "strength_training": 1,
        "cardio": 5,
        "hiit": 2,
        "yoga_pilates": 3,
        "functional_training": 4,
        "stretching": 5,
    },
}


def new_user(**overrides):
    body = {
        "username": "dave",
        "email": "dave@example.org",
        "password": "dave-password",
        "full_name": "Dave Smith",
    }
    body.update(overrides)
    return body


def login(client, username, password):
    return client.post("/auth/login", json={"username": username, "password": password})


def without_timestamps(profile):
    return {key: value for key, value in profile.items() if key not in ("created_at", "updated_at")}


# --- who may call what -------------------------------------------------------------------------

ROUTES = [
    ("get", "/api/users", None),
    ("post", "/api/users", new_user()),
    ("get", "/api/users/{id}", None),
    ("put", "/api/users/{id}", {"full_name": "Changed Name"}),
    ("delete", "/api/users/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_users_route_needs_a_token(client, db, tq, user, method, path, body):
    response = getattr(client, method)(path.format(id=user["id"]), json=body)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance(response.json["detail"], str)
    assert tq.get_user_row(db, username="alice")["full_name"] == "Test Person"
    assert tq.count_users(db) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/users", None),
        ("post", "/api/users", new_user()),
        ("delete", "/api/users/{other}", None),
        ("delete", "/api/users/{self}", None),
    ],
)
def test_a_plain_user_gets_403_on_admin_routes(client, db, tq, user, other_user, method, path, body):
    url = path.format(self=user["id"], other=other_user["id"])

    response = getattr(client, method)(url, json=body, headers=user.headers)

    assert response.status_code == 403
    assert response.json == {"detail": "Admin privileges required", "status": 403}
    assert tq.count_users(db) == 2


@pytest.mark.parametrize(("method", "body"), [("get", None), ("put", {"full_name": "Hijacked"})])
def test_another_users_account_is_a_404_for_a_plain_user(client, db, tq, user, other_user, method, body):
    response = getattr(client, method)(f"/api/users/{other_user['id']}", json=body, headers=user.headers)

    assert response.status_code == 404
    assert response.json == {"detail": "User not found", "status": 404}
    assert tq.get_user_row(db, username="bob")["full_name"] == "Test Person"


def test_a_user_reads_their_own_account(client, user):
    response = client.get(f"/api/users/{user['id']}", headers=user.headers)

    assert response.status_code == 200
    assert set(response.json) == USER_KEYS
    assert response.json["username"] == "alice"
    assert response.json["training_profile"] is None


def test_an_admin_reads_any_account(client, admin, user):
    response = client.get(f"/api/users/{user['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json["id"] == user["id"]
    assert response.json["username"] == "alice"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("who", ["admin", "user"])
def test_an_unknown_user_id_is_a_404(client, request, who, method):
    caller = request.getfixturevalue(who)
    body = {"full_name": "Nobody Here"} if method == "put" else None

    response = getattr(client, method)("/api/users/999999", json=body, headers=caller.headers)

    expected = 403 if (who, method) == ("user", "delete") else 404
    assert response.status_code == expected
    assert isinstance(response.json["detail"], str)


# --- updates -----------------------------------------------------------------------------------


def test_a_user_changes_their_name_email_and_profile(client, db, tq, user):
    response = client.put(
        f"/api/users/{user['id']}",
        json={"full_name": "Alice Cooper", "email": "Alice.C@Example.org", "training_profile": PROFILE_INPUT},
        headers=user.headers,
    )

    assert response.status_code == 200
    assert response.json["full_name"] == "Alice Cooper"
    assert response.json["email"] == "alice.c@example.org"
    assert without_timestamps(response.json["training_profile"]) == PROFILE_OUTPUT
    assert response.json["updated_at"] is not None
    row = tq.get_user_row(db, username="alice")
    assert (row["full_name"], row["email"]) == ("Alice Cooper", "alice.c@example.org")
    assert tq.count_user_profiles(db, user_id=user["id"]) == 1


def test_a_partial_profile_update_keeps_the_other_answers(client, user):
    url = f"/api/users/{user['id']}"
    client.put(url, json={"training_profile": PROFILE_INPUT}, headers=user.headers)

    response = client.put(
        url, json={"training_profile": {"age": 35, "health_details": None}}, headers=user.headers
    )

    assert response.status_code == 200
    profile = response.json["training_profile"]
    assert profile["basic_information"] == {
        "gender": "female",
        "age": 35,
        "height_cm": 170,
        "weight_kg": 64.5,
    }
    assert profile["health"]["health_details"] is None
    assert profile["training_types"] == PROFILE_OUTPUT["training_types"]


@pytest.mark.parametrize(
    "body",
    [
        {"is_admin": True},
        {"is_active": False},
        {"password": "a-new-password"},
        {"is_admin": True, "full_name": "X Y"},
    ],
    ids=["is_admin", "is_active", "password", "is_admin-with-a-name"],
)
def test_a_plain_user_may_not_set_admin_only_fields(client, db, tq, user, body):
    response = client.put(f"/api/users/{user['id']}", json=body, headers=user.headers)

    assert response.status_code == 422
    field = next(iter(body))
    assert field in response.json["detail"]
    assert field in response.json["errors"]
    row = tq.get_user_row(db, username="alice")
    assert (row["is_admin"], row["is_active"], row["full_name"]) == (False, True, "Test Person")
    assert login(client, "alice", user["password"]).status_code == 200


@pytest.mark.parametrize("field", ["id", "username", "hashed_password", "user_id", "created_at"])
def test_an_update_with_a_field_nobody_may_set_is_a_422(client, db, tq, admin, user, field):
    response = client.put(f"/api/users/{user['id']}", json={field: "x"}, headers=admin.headers)

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert tq.get_user_row(db, username="alice")["id"] == user["id"]


def test_an_admin_promotes_and_a_promoted_user_can_list_users(client, db, tq, admin, user):
    response = client.put(f"/api/users/{user['id']}", json={"is_admin": True}, headers=admin.headers)

    assert response.status_code == 200
    assert response.json["is_admin"] is True
    assert tq.get_user_row(db, username="alice")["is_admin"] is True
    assert client.get("/api/users", headers=user.headers).status_code == 200


def test_an_email_taken_by_another_account_is_a_409(client, db, tq, user, other_user):
    response = client.put(f"/api/users/{user['id']}", json={"email": "BOB@example.org"}, headers=user.headers)

    assert response.status_code == 409
    assert response.json == {"detail": "Email already registered", "status": 409}
    assert tq.get_user_row(db, username="alice")["email"] == "alice@example.org"


def test_deactivating_a_user_ends_their_sessions(client, db, tq, admin, user):
    response = client.put(f"/api/users/{user['id']}", json={"is_active": False}, headers=admin.headers)

    assert response.status_code == 200
    assert response.json["is_active"] is False
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert login(client, "alice", user["password"]).status_code == 401
    assert (
        client.put(f"/api/users/{user['id']}", json={"is_active": True}, headers=admin.headers).status_code
        == 200
    )
    assert login(client, "alice", user["password"]).status_code == 200


def test_an_admin_password_reset_ends_sessions_and_the_new_password_works(client, db, tq, admin, user):
    response = client.put(
        f"/api/users/{user['id']}", json={"password": "brand-new-pass"}, headers=admin.headers
    )

    assert response.status_code == 200
    assert client.get("/auth/me", headers=user.headers).status_code == 401
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert login(client, "alice", user["password"]).status_code == 401
    assert login(client, "alice", "brand-new-pass").status_code == 200
    assert client.get("/auth/me", headers=admin.headers).status_code == 200


def test_a_name_change_keeps_the_sessions(client, db, tq, admin, user):
    client.put(f"/api/users/{user['id']}", json={"full_name": "Still Alice"}, headers=admin.headers)

    assert client.get("/auth/me", headers=user.headers).status_code == 200
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1


@pytest.mark.parametrize(
    "body",
    [{"full_name": "X"}, {"email": "nope"}, {"training_profile": {"age": 12}}, {"password": "short"}],
    ids=["full_name", "email", "training_profile", "password"],
)
def test_an_invalid_update_is_a_422_and_changes_nothing(client, db, tq, admin, user, body):
    response = client.put(f"/api/users/{user['id']}", json=body, headers=admin.headers)

    assert response.status_code == 422
    assert next(iter(body)) in response.json["errors"]
    assert tq.get_user_row(db, username="alice")["full_name"] == "Test Person"
    assert tq.count_user_profiles(db, user_id=user["id"]) == 0


# --- creation ----------------------------------------------------------------------------------


def test_an_admin_creates_a_user_with_a_training_profile(client, db, tq, admin):
    response = client.post("/api/users", json=new_user(training_profile=PROFILE_INPUT), headers=admin.headers)

    assert response.status_code == 201
    assert set(response.json) == USER_KEYS
    assert response.json["username"] == "dave"
    assert response.json["is_admin"] is False
    assert response.json["is_active"] is True
    assert without_timestamps(response.json["training_profile"]) == PROFILE_OUTPUT
    assert tq.count_user_profiles(db, user_id=response.json["id"]) == 1
    assert login(client, "dave", "dave-password").status_code == 200


def test_an_admin_creates_an_inactive_admin(client, db, tq, admin):
    response = client.post("/api/users", json=new_user(is_admin=True, is_active=False), headers=admin.headers)

    assert response.status_code == 201
    assert (response.json["is_admin"], response.json["is_active"]) == (True, False)
    assert response.json["training_profile"] is None
    row = tq.get_user_row(db, username="dave")
    assert (row["is_admin"], row["is_active"]) == (True, False)
    assert login(client, "dave", "dave-password").status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"username": "ALICE"}, 409, None),
        ({"email": "alice@example.org"}, 409, None),
        ({"id": 5}, 422, "id"),
        ({"hashed_password": "x"}, 422, "hashed_password"),
        ({"training_profile": {"user_id": 1}}, 422, "training_profile"),
        ({"training_profile": {"gender": "other"}}, 422, "training_profile"),
        ({"username": "no"}, 422, "username"),
    ],
)
def test_a_bad_user_creation_writes_nothing(client, db, tq, admin, user, overrides, status, field):
    response = client.post("/api/users", json=new_user(**overrides), headers=admin.headers)

    assert response.status_code == status
    assert isinstance(response.json["detail"], str)
    if field:
        assert field in response.json["errors"]
    assert tq.count_users(db) == 2


# --- listing -----------------------------------------------------------------------------------


@pytest.fixture
def crowd(client, db, tq, admin, make_account):
    """boss (admin), then five more accounts, one of them inactive and one an admin."""
    make_account("erin", full_name="Erin Walker")
    make_account("frank", full_name="Frank Underwood")
    make_account("gina_b", full_name="Gina Baker")
    inactive = make_account("henry", full_name="Henry Ford")
    tq.set_user_active(db, id=inactive["id"], is_active=False)
    second_admin = make_account("iris", full_name="Iris Walker", is_admin=True)
    return {"inactive": inactive, "second_admin": second_admin}


def list_users(client, admin, query=""):
    response = client.get(f"/api/users{query}", headers=admin.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_an_admin_lists_every_user_in_id_order(client, admin, crowd):
    body = list_users(client, admin)

    assert [u["username"] for u in body["users"]] == ["boss", "erin", "frank", "gina_b", "henry", "iris"]
    assert set(body["users"][0]) == USER_KEYS
    assert body["pagination"] == {"limit": 50, "next_cursor": None}


LIST_FILTERS = [
    ("?q=walker", ["erin", "iris"]),
    ("?q=WALKER", ["erin", "iris"]),
    ("?q=frank%40example", ["frank"]),
    ("?q=ina_b", ["gina_b"]),
    ("?q=_", []),  # under three letters or digits in a row: a whole username or email only
    ("?q=%25", []),
    ("?q=nobody", []),
    ("?is_active=false", ["henry"]),
    ("?is_admin=true", ["boss", "iris"]),
    ("?is_admin=false&is_active=true", ["erin", "frank", "gina_b"]),
    ("?q=walker&is_admin=false", ["erin"]),
]


def test_the_user_list_filters(client, admin, crowd):
    for query, expected in LIST_FILTERS:
        assert [u["username"] for u in list_users(client, admin, query)["users"]] == expected, query


def test_the_user_list_pages_with_a_cursor(client, admin, crowd):
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = list_users(client, admin, query)
        pages += 1
        seen += [u["username"] for u in body["users"]]
        assert body["pagination"]["limit"] == 4
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)

    assert pages == 2
    assert seen == ["boss", "erin", "frank", "gina_b", "henry", "iris"]


def test_a_page_that_ends_exactly_at_the_end_is_followed_by_an_empty_last_page(client, admin, crowd):
    first = list_users(client, admin, "?limit=3")
    second = list_users(client, admin, f"?limit=3&cursor={first['pagination']['next_cursor']}")
    third = list_users(client, admin, f"?limit=3&cursor={second['pagination']['next_cursor']}")

    assert [u["username"] for u in second["users"]] == ["gina_b", "henry", "iris"]
    assert third == {"users": [], "pagination": {"limit": 3, "next_cursor": None}}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=abc", "cursor"),
        ("?cursor=-1", "cursor"),
        ("?cursor=99999999999999999999", "cursor"),
        ("?is_admin=maybe", "is_admin"),
        ("?q=", "q"),
        ("?q=" + "x" * 101, "q"),
    ],
)
def test_a_bad_list_query_is_a_422(client, admin, query, field):
    response = client.get(f"/api/users{query}", headers=admin.headers)

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert isinstance(response.json["detail"], str)


# --- deletion ----------------------------------------------------------------------------------


def test_an_admin_cannot_delete_their_own_account(client, db, tq, admin):
    response = client.delete(f"/api/users/{admin['id']}", headers=admin.headers)

    assert response.status_code == 400
    assert response.json == {"detail": "You cannot delete your own account", "status": 400}
    assert tq.get_user_row(db, username="boss") is not None


def test_deleting_a_user_removes_their_profile_and_sessions(client, db, tq, admin, user, other_user):
    client.put(f"/api/users/{user['id']}", json={"training_profile": PROFILE_INPUT}, headers=user.headers)
    assert tq.count_user_profiles(db, user_id=user["id"]) == 1

    response = client.delete(f"/api/users/{user['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json == {"message": "User deleted successfully"}
    assert tq.get_user_row(db, username="alice") is None
    assert tq.count_user_profiles(db, user_id=user["id"]) == 0
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get(f"/api/users/{user['id']}", headers=admin.headers).status_code == 404
    assert client.delete(f"/api/users/{user['id']}", headers=admin.headers).status_code == 404
    assert tq.get_user_row(db, username="bob") is not None
    assert tq.count_user_sessions(db, user_id=other_user["id"]) == 1


# --- hostile text in every string field --------------------------------------------------------

HOSTILE_TEXTS = [
    "'; DROP TABLE users; --",
    "%",
    "_",
    "\\",
    "%_\\%",
    "\"double\" and 'single' quotes",
    "%(id)s :id $1 {id}",
    "Zoë 日本語 🏋️",
    "nul\u0000byte",
]
TABLES = ("users", "training_profiles", "active_sessions", "courses", "user_course_progress")


def assert_refused_with_a_detail(response, text):
    assert 400 <= response.status_code < 500, (text, response.get_data(as_text=True))
    assert isinstance(response.json["detail"], str) and response.json["detail"], text


def assert_tables_intact(db, tq):
    for table in TABLES:
        assert tq.table_exists(db, name=table)


@pytest.mark.parametrize(
    ("field", "make_value", "read"),
    [
        ("full_name", lambda text: f"Ann {text}", lambda user: user["full_name"]),
        ("email", lambda text: f"{text}@example.org", lambda user: user["email"]),
        (
            "training_profile",
            lambda text: {"health_details": text},
            lambda user: {"health_details": user["training_profile"]["health"]["health_details"]},
        ),
        ("training_profile", lambda text: {"gender": text}, None),
        ("training_profile", lambda text: {"training_goals": [text]}, None),
    ],
    ids=["full_name", "email", "health_details", "gender", "training_goals"],
)
def test_hostile_text_in_an_update_is_stored_verbatim_or_refused(
    client, db, tq, admin, user, field, make_value, read
):
    url = f"/api/users/{user['id']}"
    for text in HOSTILE_TEXTS:
        value = make_value(text)
        before = client.get(url, headers=admin.headers).json

        response = client.put(url, json={field: value}, headers=admin.headers)

        if read is not None and response.status_code == 200:
            expected = value.lower() if field == "email" else value
            assert read(response.json) == expected, text
            assert read(client.get(url, headers=user.headers).json) == expected, text
        else:
            assert_refused_with_a_detail(response, text)
            assert client.get(url, headers=admin.headers).json == before, text
    assert_tables_intact(db, tq)


def test_hostile_text_in_an_admin_creation_is_stored_verbatim_or_refused(client, db, tq, admin):
    for n, text in enumerate(HOSTILE_TEXTS):
        body = new_user(
            username=f"dave{n}",
            email=f"dave{n}@example.org",
            full_name=f"Ann {text}",
            password=f"password {text}",
        )
        users_before = tq.count_users(db)

        response = client.post("/api/users", json=body, headers=admin.headers)

        if response.status_code == 201:
            assert response.json["full_name"] == body["full_name"], text
            assert tq.get_user_row(db, username=body["username"])["full_name"] == body["full_name"], text
            assert login(client, body["username"], body["password"]).status_code == 200, text
        else:
            assert_refused_with_a_detail(response, text)
            assert tq.count_users(db) == users_before, text
    assert_tables_intact(db, tq)


def search_finds(text, body):
    """GET /api/users?q= as documented: a substring with three letters or digits in a row,
    otherwise a whole username or email."""
    if re.search(r"[^\W_]{3}", text):
        return any(text.lower() in body[name].lower() for name in ("username", "email", "full_name"))
    return text.lower() in (body["username"].lower(), body["email"].lower())


def test_hostile_text_as_a_list_filter_matches_literally_or_is_refused(client, db, tq, admin):
    stored = []
    for n, text in enumerate(HOSTILE_TEXTS):
        body = new_user(username=f"dave{n}", email=f"dave{n}@example.org", full_name=f"Ann {text}")
        if client.post("/api/users", json=body, headers=admin.headers).status_code == 201:
            stored.append(body)
    assert len(stored) == len(HOSTILE_TEXTS) - 1  # all but the NUL byte

    for text in HOSTILE_TEXTS:
        response = client.get("/api/users", query_string={"q": text}, headers=admin.headers)

        if response.status_code == 200:
            expected = [body["username"] for body in stored if search_finds(text, body)]
            assert [u["username"] for u in response.json["users"]] == expected, text
        else:
            assert_refused_with_a_detail(response, text)
    assert_tables_intact(db, tq)


def test_an_admin_cannot_give_a_user_an_empty_questionnaire(client, admin, user):
    response = client.put(f"/api/users/{user['id']}", json={"training_profile": {}}, headers=admin.headers)
    assert response.status_code == 422
    assert "training_profile" in response.json["errors"]
    assert client.get("/auth/training-profile", headers=user.headers).json["training_profile"] is None


def test_account_flags_must_be_json_booleans(client, admin, user):
    for value in (1, "true", "yes", None):
        response = client.put(f"/api/users/{user['id']}", json={"is_active": value}, headers=admin.headers)
        assert response.status_code == 422, value
        assert "is_active" in response.json["errors"]
    assert client.get("/auth/me", headers=user.headers).status_code == 200


# --- the last active admin ----------------------------------------------------------------------


def active_admins(db, tq):
    return [row["username"] for row in tq.list_user_rows(db) if row["is_admin"] and row["is_active"]]


@pytest.mark.parametrize("change", [{"is_admin": False}, {"is_active": False}], ids=["demote", "deactivate"])
def test_the_last_active_admin_cannot_remove_their_own_rights(client, db, tq, admin, change):
    response = client.put(f"/api/users/{admin['id']}", json=change, headers=admin.headers)

    assert response.status_code == 409
    assert response.json["detail"] == "This is the last active admin: make another account an admin first"
    assert active_admins(db, tq) == ["boss"]


@pytest.mark.parametrize("change", [{"is_admin": False}, {"is_active": False}], ids=["demote", "deactivate"])
def test_an_admin_may_step_down_while_another_active_admin_remains(
    client, db, tq, admin, make_account, change
):
    make_account("deputy", is_admin=True)

    response = client.put(f"/api/users/{admin['id']}", json=change, headers=admin.headers)

    assert response.status_code == 200
    assert active_admins(db, tq) == ["deputy"]


def demote_each_other_at_once(app, first, second):
    """Each admin demotes the other at the same moment; returns both statuses."""
    barrier = threading.Barrier(2)
    statuses = []

    def demote(caller, target):
        client = app.test_client()
        barrier.wait()
        response = client.put(f"/api/users/{target['id']}", json={"is_admin": False}, headers=caller.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=demote, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, db, tq, admin, make_account):
    deputy = make_account("deputy", is_admin=True)
    for _ in range(5):  # the race is run several times; the outcome must hold each time
        statuses = demote_each_other_at_once(app, admin, deputy)

        assert len(active_admins(db, tq)) == 1, statuses
        assert 200 in statuses
        for account in (admin, deputy):  # both admins again for the next round
            tq.make_admin(db, id=account["id"])
