"""Sign-in: registration, login, logout, who am I, token checks and availability."""

import hashlib
import threading
import time
from datetime import datetime

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from service.security import TOKEN_SALT, token_secret
from tests.shapes import USER_KEYS

BAD_CREDENTIALS = {"detail": "Incorrect username or password", "status": 401}


def registration(**overrides):
    body = {
        "username": "carol",
        "password": "a-good-password",
        "email": "carol@example.org",
        "full_name": "Carol Jones",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert set(response.json) == {"detail", "status"}
    assert isinstance(response.json["detail"], str) and response.json["detail"]
    assert response.json["status"] == 401


def login(client, username, password):
    return client.post("/auth/login", json={"username": username, "password": password})


# --- registration ------------------------------------------------------------------------------


def test_registration_answers_201_with_the_new_user(client, db, tq):
    response = client.post("/auth/register", json=registration())

    assert response.status_code == 201
    assert set(response.json) == {"message", "user_info"}
    assert response.json["message"] == "User registered successfully"
    info = response.json["user_info"]
    assert set(info) == USER_KEYS
    assert info["username"] == "carol"
    assert info["email"] == "carol@example.org"
    assert info["full_name"] == "Carol Jones"
    assert info["is_active"] is True
    assert info["is_admin"] is False
    assert info["training_profile"] is None
    assert datetime.fromisoformat(info["created_at"]).utcoffset() is not None
    assert tq.get_user_row(db, username="carol")["id"] == info["id"]


def test_registration_lowercases_the_email_and_trims_the_full_name(client, db, tq):
    response = client.post(
        "/auth/register", json=registration(email="Carol.Jones@Example.ORG", full_name="  Carol  ")
    )

    assert response.status_code == 201
    assert response.json["user_info"]["email"] == "carol.jones@example.org"
    assert response.json["user_info"]["full_name"] == "Carol"
    assert tq.get_user_row(db, username="carol")["email"] == "carol.jones@example.org"


@pytest.mark.parametrize(
    "overrides",
    [
        {"username": "abc", "full_name": "Al"},
        {"username": "a" * 50, "full_name": "x" * 100},
        {"username": "A.b-c_9"},
        {"password": "8chars!!"},
        {"password": "p" * 128},
    ],
    ids=["shortest", "longest", "every-allowed-character", "shortest-password", "longest-password"],
)
def test_registration_accepts_the_limits_of_each_field(client, overrides):
    response = client.post("/auth/register", json=registration(**overrides))

    assert response.status_code == 201, response.json
    assert response.json["user_info"]["username"] == registration(**overrides)["username"]


def test_a_duplicate_username_is_a_409_even_in_another_case(client, db, tq):
    assert client.post("/auth/register", json=registration()).status_code == 201

    response = client.post("/auth/register", json=registration(username="CAROL", email="other@example.org"))

    assert response.status_code == 409
    assert response.json == {"detail": "Username already registered", "status": 409}
    assert tq.count_users(db) == 1


def test_a_duplicate_email_is_a_409_even_in_another_case(client, db, tq):
    assert client.post("/auth/register", json=registration()).status_code == 201

    response = client.post("/auth/register", json=registration(username="carol2", email="CAROL@example.org"))

    assert response.status_code == 409
    assert response.json == {"detail": "Email already registered", "status": 409}
    assert tq.count_users(db) == 1


INVALID_REGISTRATIONS = {
    "username-too-short": ("username", {"username": "ab"}),
    "username-too-long": ("username", {"username": "a" * 51}),
    "username-with-space": ("username", {"username": "carol jones"}),
    "username-with-umlaut": ("username", {"username": "cäröl"}),
    "username-with-semicolon": ("username", {"username": "carol;--"}),
    "username-not-a-string": ("username", {"username": 12345}),
    "username-missing": ("username", {"username": None}),
    "full-name-one-character": ("full_name", {"full_name": "C"}),
    "full-name-101-characters": ("full_name", {"full_name": "c" * 101}),
    "full-name-only-spaces": ("full_name", {"full_name": "    "}),
    "full-name-missing": ("full_name", {"full_name": None}),
    "email-without-at": ("email", {"email": "carol.example.org"}),
    "email-without-domain": ("email", {"email": "carol@"}),
    "email-too-long": ("email", {"email": "c" * 250 + "@example.org"}),
    "email-a-list": ("email", {"email": ["carol@example.org"]}),
    "password-too-short": ("password", {"password": "short12"}),
    "password-too-long": ("password", {"password": "p" * 129}),
    "password-null": ("password", {"password": None}),
    "password-a-number": ("password", {"password": 12345678}),
    "unknown-field-is_admin": ("is_admin", {"is_admin": True}),
    "unknown-field-is_active": ("is_active", {"is_active": False}),
    "unknown-field-id": ("id", {"id": 1}),
    "unknown-field-hashed_password": ("hashed_password", {"hashed_password": "pbkdf2:sha256:1$x$y"}),
    "unknown-field-user_id": ("user_id", {"user_id": 7}),
}


@pytest.mark.parametrize(("field", "overrides"), INVALID_REGISTRATIONS.values(), ids=INVALID_REGISTRATIONS)
def test_an_invalid_registration_is_a_422_naming_the_field_and_writes_nothing(
    client, db, tq, field, overrides
):
    body = registration(**overrides)
    if "password" in overrides and overrides["password"] is None:
        body["password"] = None  # sent as JSON null, not left out

    response = client.post("/auth/register", json=body)

    assert response.status_code == 422
    assert response.json["status"] == 422
    assert isinstance(response.json["detail"], str) and field in response.json["detail"]
    assert field in response.json["errors"]
    assert tq.count_users(db) == 0


def test_concurrent_registrations_of_one_username_create_exactly_one_account(
    make_app, database_url_for_tests, db, tq
):
    app = make_app(
        database_url_for_tests, PASSWORD_HASH_QUEUE_LIMIT=64, DB_POOL_MAX_SIZE=8, REGISTRATIONS_PER_ADDRESS=64
    )
    attempts = 30
    barrier = threading.Barrier(attempts)
    statuses = []

    def register(n):
        client = app.test_client()
        barrier.wait()
        body = registration(username="racer" if n % 2 else "RACER", email=f"racer{n}@example.org")
        statuses.append(client.post("/auth/register", json=body).status_code)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] + [409] * (attempts - 1)
    assert tq.count_users(db) == 1


# --- login ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "ALICE", "alice@example.org", "Alice@Example.ORG"])
def test_login_works_with_the_username_or_the_email_in_any_case(client, user, name):
    response = login(client, name, user["password"])

    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "token_type", "expires_in", "user_info"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["user_info"] == {
        "id": user["id"],
        "username": "alice",
        "email": "alice@example.org",
        "full_name": "Test Person",
        "is_admin": False,
    }
    assert (
        client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    )


def test_a_wrong_password_an_unknown_user_and_a_deactivated_account_get_the_same_401(client, db, tq, user):
    wrong_password = login(client, "alice", "not-her-password")
    unknown_user = login(client, "nobody", user["password"])
    tq.set_user_active(db, id=user["id"], is_active=False)
    deactivated = login(client, "alice", user["password"])

    for response in (wrong_password, unknown_user, deactivated):
        assert response.status_code == 401
        assert response.json == BAD_CREDENTIALS
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "alice"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": "", "password": "x"}, "username"),
    ],
)
def test_a_login_without_username_or_password_is_a_422(client, body, field):
    response = client.post("/auth/login", json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_login_stores_only_the_sha256_of_the_token_secret(app, client, db, tq, user):
    with app.app_context():
        secret = token_secret(user["token"])

    hashes = [row["token_hash"] for row in tq.list_user_token_hashes(db, user_id=user["id"])]

    assert hashes == [hashlib.sha256(secret.encode()).digest()]
    assert len(hashes[0]) == 32
    assert tq.count_rows_containing(db, needle=user["token"]) == 0
    assert tq.count_rows_containing(db, needle=secret) == 0


def test_each_login_opens_its_own_session_with_its_own_token(client, db, tq, user):
    second = login(client, "alice", user["password"]).json["access_token"]

    assert second != user["token"]
    assert tq.count_user_sessions(db, user_id=user["id"]) == 2


# --- logout, me, verify-token ------------------------------------------------------------------


def test_after_logout_the_token_is_refused(client, db, tq, user, other_user):
    response = client.post("/auth/logout", headers=user.headers)

    assert response.status_code == 200
    assert response.json == {"message": "Successfully logged out"}
    assert_unauthorized(client.get("/auth/me", headers=user.headers))
    assert_unauthorized(client.post("/auth/logout", headers=user.headers))
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0
    assert client.get("/auth/me", headers=other_user.headers).status_code == 200


def test_logout_without_a_token_is_a_401(client):
    assert_unauthorized(client.post("/auth/logout"))


def test_me_shows_the_callers_account_without_a_profile(client, user):
    response = client.get("/auth/me", headers=user.headers)

    assert response.status_code == 200
    assert set(response.json) == {"user_info"}
    info = response.json["user_info"]
    assert set(info) == USER_KEYS
    assert info["id"] == user["id"]
    assert info["username"] == "alice"
    assert info["email"] == "alice@example.org"
    assert info["is_active"] is True
    assert info["is_admin"] is False
    assert info["training_profile"] is None


def test_verify_token_names_the_tokens_user(client, user):
    response = client.get("/auth/verify-token", headers=user.headers)

    assert response.status_code == 200
    assert response.json == {"valid": True, "username": "alice"}


# --- check-availability ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "username=newbie",
            {"username_available": True, "available": True, "message": "Available"},
        ),
        (
            "username=ALICE",
            {"username_available": False, "available": False, "message": "Username already taken"},
        ),
        (
            "email=new@example.org",
            {"email_available": True, "available": True, "message": "Available"},
        ),
        (
            "email=Alice@Example.org",
            {"email_available": False, "available": False, "message": "Email already taken"},
        ),
        (
            "username=newbie&email=alice@example.org",
            {
                "username_available": True,
                "email_available": False,
                "available": False,
                "message": "Email already taken",
            },
        ),
        (
            "username=alice&email=alice@example.org",
            {
                "username_available": False,
                "email_available": False,
                "available": False,
                "message": "Username and email already taken",
            },
        ),
        (
            "username=newbie&email=new@example.org",
            {"username_available": True, "email_available": True, "available": True, "message": "Available"},
        ),
    ],
)
def test_check_availability_reports_each_field_and_the_combination(client, user, query, expected):
    response = client.get(f"/auth/check-availability?{query}")

    assert response.status_code == 200
    assert response.json == expected


@pytest.mark.parametrize("query", ["", "?", "?other=1", "?email=not-an-email", "?username="])
def test_check_availability_without_a_usable_field_is_a_422(client, query):
    response = client.get(f"/auth/check-availability{query}")

    assert response.status_code == 422
    assert isinstance(response.json["detail"], str) and response.json["detail"]


# --- token failures ---------------------------------------------------------------------------


def _flip(text, index):
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def _sign(app, secret, key=None, age_seconds=0):
    """Sign a token secret as the service does, optionally with another key or an old timestamp."""

    class BackdatedSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age_seconds

    serializer = URLSafeTimedSerializer(
        key or app.config["SERVICE_CONFIG"].SECRET_KEY,
        salt=TOKEN_SALT,
        signer=BackdatedSigner,
        signer_kwargs={"digest_method": hashlib.sha256},
    )
    return serializer.dumps(secret)


def _secret(app, token):
    with app.app_context():
        return token_secret(token)


def test_a_token_re_signed_like_the_service_does_is_accepted(app, client, user):
    """The control for the forged tokens below: the signing helper itself is right."""
    token = _sign(app, _secret(app, user["token"]), age_seconds=60)

    response = client.get("/auth/verify-token", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200


def _forge(kind, app, token):
    payload, timestamp, signature = token.split(".")
    return {
        "missing-header": None,
        "empty-bearer": "Bearer ",
        "wrong-scheme": f"Basic {token}",
        "token-without-scheme": token,
        "garbage": "Bearer not-a-token-at-all",
        "signature-flipped": f"Bearer {payload}.{timestamp}.{_flip(signature, 10)}",
        "payload-flipped": f"Bearer {_flip(payload, 5)}.{timestamp}.{signature}",
        "signature-removed": f"Bearer {payload}.{timestamp}",
        "signed-too-long-ago": f"Bearer {_sign(app, _secret(app, token), age_seconds=31 * 60)}",
        "signed-with-another-key": f"Bearer {_sign(app, _secret(app, token), key='another-secret-key')}",
        "unknown-secret": f"Bearer {_sign(app, 'a-secret-no-session-has')}",
    }[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "missing-header",
        "empty-bearer",
        "wrong-scheme",
        "token-without-scheme",
        "garbage",
        "signature-flipped",
        "payload-flipped",
        "signature-removed",
        "signed-too-long-ago",
        "signed-with-another-key",
        "unknown-secret",
    ],
)
def test_a_bad_token_is_a_401(app, client, user, kind):
    header = _forge(kind, app, user["token"])
    headers = {"Authorization": header} if header is not None else {}

    for path in ("/auth/me", "/auth/verify-token", "/auth/logout"):
        method = client.post if path == "/auth/logout" else client.get
        assert_unauthorized(method(path, headers=headers))
    assert client.get("/auth/me", headers=user.headers).status_code == 200


def test_a_token_whose_session_expired_is_a_401(client, db, tq, user):
    tq.expire_user_sessions(db, user_id=user["id"])

    assert_unauthorized(client.get("/auth/me", headers=user.headers))


def test_a_deactivated_users_token_is_a_401(client, db, tq, user):
    tq.set_user_active(db, id=user["id"], is_active=False)

    assert_unauthorized(client.get("/auth/me", headers=user.headers))
    assert_unauthorized(client.get("/auth/verify-token", headers=user.headers))


def test_a_deleted_users_token_is_a_401(client, admin, user):
    assert client.delete(f"/api/users/{user['id']}", headers=admin.headers).status_code == 200

    assert_unauthorized(client.get("/auth/me", headers=user.headers))


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


def assert_refused_with_a_detail(response, text):
    assert 400 <= response.status_code < 500, (text, response.get_data(as_text=True))
    assert isinstance(response.json["detail"], str) and response.json["detail"], text


def assert_tables_intact(db, tq):
    for table in ("users", "training_profiles", "active_sessions", "courses", "user_course_progress"):
        assert tq.table_exists(db, name=table)


@pytest.mark.parametrize(
    ("field", "make_value"),
    [
        ("username", lambda text, n: text),
        ("username", lambda text, n: f"u{n}{text}x"),
        ("email", lambda text, n: f"{text}{n}@example.org"),
        ("email", lambda text, n: f"carol{n}@{text}.org"),
        ("full_name", lambda text, n: text),
        ("full_name", lambda text, n: f"Ann {text}"),
        ("password", lambda text, n: f"password {text}"),
    ],
    ids=[
        "username",
        "in-username",
        "in-email-local-part",
        "in-email-domain",
        "full_name",
        "in-full_name",
        "password",
    ],
)
def test_hostile_text_at_registration_is_stored_verbatim_or_refused(client, db, tq, field, make_value):
    for n, text in enumerate(HOSTILE_TEXTS):
        value = make_value(text, n)
        body = registration(**{"username": f"carol{n}", "email": f"carol{n}@example.org", field: value})
        users_before = tq.count_users(db)

        response = client.post("/auth/register", json=body)

        if response.status_code == 201:
            row = tq.get_user_row(db, username=body["username"])
            if field == "password":
                assert login(client, body["username"], value).status_code == 200, text
            else:
                expected = {"email": value.lower(), "full_name": value.strip()}.get(field, value)
                assert response.json["user_info"][field] == expected, text
                assert row[field] == expected, text
        else:
            assert_refused_with_a_detail(response, text)
            assert tq.count_users(db) == users_before, text
    assert_tables_intact(db, tq)


def test_hostile_text_at_login_is_refused(client, db, tq, user):
    for text in HOSTILE_TEXTS:
        for response in (login(client, text, user["password"]), login(client, "alice", text)):
            assert_refused_with_a_detail(response, text)
            assert response.status_code in (401, 422, 429), text  # 429: the login throttle
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1
    assert_tables_intact(db, tq)


@pytest.mark.parametrize("field", ["username", "email"])
def test_hostile_text_in_an_availability_check_is_answered_or_refused(client, db, tq, user, field):
    for text in HOSTILE_TEXTS:
        response = client.get("/auth/check-availability", query_string={field: text})

        if response.status_code == 200:
            assert response.json[f"{field}_available"] is True, text
        else:
            assert_refused_with_a_detail(response, text)
    assert_tables_intact(db, tq)


@pytest.mark.parametrize("username", ["alice\n", "alice\r\n"])
def test_a_username_ending_in_a_line_break_is_refused_naming_the_field(client, username):
    response = client.post(
        "/auth/register",
        json={
            "username": username,
            "password": "correct-horse-1",
            "email": "a@example.org",
            "full_name": "Al Smith",
        },
    )

    assert response.status_code == 422
    assert "username" in response.json["errors"]
