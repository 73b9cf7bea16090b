"""Service status, the error body for HTTP-level failures, and behaviour with the database down."""

import hashlib
import json

import pytest
from itsdangerous import URLSafeTimedSerializer

from service.security import TOKEN_SALT

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/x"


def test_ping_answers_pong(client):
    response = client.get("/ping")

    assert response.status_code == 200
    assert response.json == {"message": "pong"}


def test_health_reports_a_reachable_database(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_the_openapi_document_lists_the_foundation_routes(client):
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")
    for path in ("/ping", "/health", "/auth/register", "/auth/login", "/api/users", "/api/users/{user_id}"):
        assert path in response.json["paths"]


def test_the_api_docs_page_is_served(client):
    response = client.get("/docs")

    assert response.status_code == 200
    assert "swagger" in response.get_data(as_text=True).lower()


# --- HTTP-level errors -------------------------------------------------------------------------


def test_an_unknown_path_is_a_json_404(client):
    response = client.get("/no/such/path")

    assert response.status_code == 404
    assert response.is_json
    assert response.json == {"detail": "Not found", "status": 404}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("delete", "/ping", "GET"), ("get", "/auth/login", "POST"), ("patch", "/api/users", "GET")],
)
def test_a_wrong_method_is_a_json_405_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response.json == {"detail": "Method not allowed for this URL", "status": 405}
    assert allowed in {name.strip() for name in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("username=carol&password=x", "application/x-www-form-urlencoded"),
        ('{"username": "carol"}', "text/plain"),
        ("<user/>", "application/xml"),
    ],
)
def test_a_body_that_is_not_json_is_a_415_and_writes_nothing(client, db, tq, data, content_type):
    response = client.post("/auth/register", data=data, content_type=content_type)

    assert response.status_code == 415
    assert response.json["status"] == 415
    assert "JSON" in response.json["detail"]
    assert tq.count_users(db) == 0


@pytest.mark.parametrize("data", ['{"username": "carol",', "{'single': 'quotes'}", "nul\u0000l", "\xff\xfe"])
def test_invalid_json_is_a_400(client, db, tq, data):
    response = client.post("/auth/register", data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.json == {"detail": "Request body is not valid JSON", "status": 400}
    assert tq.count_users(db) == 0


@pytest.mark.parametrize("data", ["[]", '[{"username": "carol"}]', '"carol"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_a_400(client, db, tq, data):
    response = client.post("/auth/register", data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.json == {"detail": "Request body must be a JSON object", "status": 400}
    assert tq.count_users(db) == 0


@pytest.mark.parametrize(
    "data",
    [
        "[" * 20_000 + "]" * 20_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"username": "carol", "password": ' + "9" * 5_000 + "}",
    ],
    ids=["deep-array", "deep-object", "five-thousand-digit-number"],
)
def test_json_too_deep_or_with_too_long_a_number_is_a_400_not_a_500(client, db, tq, data):
    response = client.post("/auth/register", data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.json["status"] == 400
    assert "JSON" in response.json["detail"]
    assert tq.count_users(db) == 0


REGISTRATION = {
    "username": "carol",
    "password": "long-enough",
    "email": "c@example.org",
    "full_name": "Carol",
}


@pytest.mark.parametrize("field", ["username", "password", "email", "full_name", "a-key"])
def test_a_lone_surrogate_escape_in_a_body_is_a_400_not_a_500(client, db, tq, field):
    text = json.dumps(REGISTRATION)
    if field in REGISTRATION:  # the value gets a "\ud800" escape: valid JSON, but no Unicode text
        data = text.replace(f'"{REGISTRATION[field]}"', f'"{REGISTRATION[field]}\\ud800"')
    else:
        data = text[:-1] + ', "key\\udc00": 1}'

    response = client.post("/auth/register", data=data, content_type="application/json")

    assert response.status_code == 400
    assert "Unicode" in response.json["detail"]
    assert tq.count_users(db) == 0


def test_a_surrogate_pair_escape_is_an_ordinary_character(client, db, tq):
    data = json.dumps(REGISTRATION).replace('"Carol"', '"Carol \\ud83c\\udfcb"')

    response = client.post("/auth/register", data=data, content_type="application/json")

    assert response.status_code == 201
    assert response.json["user_info"]["full_name"] == "Carol \U0001f3cb"
    assert tq.get_user_row(db, username="carol")["full_name"] == "Carol \U0001f3cb"


def test_a_five_thousand_digit_number_in_a_query_string_is_a_422(client, admin):
    response = client.get("/api/users?limit=" + "9" * 5_000, headers=admin.headers)

    assert response.status_code == 422
    assert "limit" in response.json["errors"]


def test_an_empty_json_object_at_registration_names_the_missing_fields(client, db, tq):
    response = client.post("/auth/register", json={})

    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "password", "email", "full_name"}
    assert tq.count_users(db) == 0


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_logout_ignores_an_empty_body_whatever_its_content_type(client, db, tq, user, content_type):
    headers = {**user.headers, **({"Content-Type": content_type} if content_type else {})}

    response = client.post("/auth/logout", data="", headers=headers)

    assert response.status_code == 200
    assert response.json == {"message": "Successfully logged out"}
    assert tq.count_user_sessions(db, user_id=user["id"]) == 0


def test_a_body_over_the_size_limit_is_a_413(client, db, tq):
    response = client.post(
        "/auth/register", data='{"full_name": "' + "x" * 70_000 + '"}', content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json["status"] == 413
    assert isinstance(response.json["detail"], str)
    assert tq.count_users(db) == 0


# --- the database is unreachable ---------------------------------------------------------------


@pytest.fixture
def app_without_database(make_app):
    return make_app(UNREACHABLE_DATABASE, DB_POOL_TIMEOUT="0.2", DB_CONNECT_TIMEOUT="1")


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert isinstance(response.json["detail"], str) and response.json["detail"]


def test_health_is_503_when_the_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/health")

    assert_unavailable(response)
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "unavailable"


def test_ping_answers_while_the_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/ping")

    assert response.status_code == 200
    assert response.json == {"message": "pong"}


def _well_signed_token(app):
    """A token whose signature is valid, so checking it needs the database."""
    key = app.config["SERVICE_CONFIG"].SECRET_KEY
    serializer = URLSafeTimedSerializer(key, salt=TOKEN_SALT, signer_kwargs={"digest_method": hashlib.sha256})
    return serializer.dumps("some-session-secret")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/auth/me", None),
        ("get", "/api/users", None),
        ("post", "/auth/login", {"username": "alice", "password": "whatever"}),
        (
            "post",
            "/auth/register",
            {"username": "carol", "password": "long-enough", "email": "c@x.org", "full_name": "Carol"},
        ),
        ("get", "/auth/check-availability?username=carol", None),
    ],
)
def test_a_database_route_is_503_when_the_database_is_unreachable(app_without_database, method, path, body):
    headers = {"Authorization": f"Bearer {_well_signed_token(app_without_database)}"}

    response = getattr(app_without_database.test_client(), method)(path, json=body, headers=headers)

    assert_unavailable(response)
    assert response.json["status"] == 503


def test_a_bad_token_is_still_a_401_while_the_database_is_unreachable(app_without_database):
    response = app_without_database.test_client().get("/auth/me", headers={"Authorization": "Bearer forged"})

    assert response.status_code == 401
