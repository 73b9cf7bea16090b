"""Keys and the production guard: SECRET_KEY rotation, refusing unsafe production settings,
the request size limit, and CORS origins."""

import re

import pytest

from service import create_app
from tests.conftest import PROJECT_DIR, make_config

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40
OLDER_KEY = "older-key-" + "x" * 40
STRONG_KEY = "a-production-secret-key-that-is-long-enough"


def signed_in_token(client, username="rotator", password="correct-horse-1"):
    """Register (if needed) and log in through this app; returns the bearer header."""
    client.post(
        "/auth/register",
        json={
            "username": username,
            "password": password,
            "email": f"{username}@example.org",
            "full_name": "Ro Tate",
        },
    )
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


# --- SECRET_KEY rotation ----------------------------------------------------------------------


def test_a_token_signed_with_a_previous_key_stays_valid_while_that_key_is_listed(
    make_app, database_url_for_tests
):
    before_rotation = make_app(database_url_for_tests, SECRET_KEY=OLD_KEY).test_client()
    after_rotation = make_app(
        database_url_for_tests, SECRET_KEY=NEW_KEY, PREVIOUS_SECRET_KEYS=OLD_KEY
    ).test_client()
    old_token = signed_in_token(before_rotation)

    response = after_rotation.get("/auth/me", headers=old_token)

    assert response.status_code == 200
    assert response.json["user_info"]["username"] == "rotator"


def test_a_token_signed_with_a_key_no_longer_listed_is_refused(make_app, database_url_for_tests):
    before_rotation = make_app(database_url_for_tests, SECRET_KEY=OLD_KEY).test_client()
    key_dropped = make_app(database_url_for_tests, SECRET_KEY=NEW_KEY).test_client()
    old_token = signed_in_token(before_rotation)

    response = key_dropped.get("/auth/me", headers=old_token)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_new_tokens_are_signed_with_the_current_key_not_a_previous_one(make_app, database_url_for_tests):
    after_rotation = make_app(
        database_url_for_tests, SECRET_KEY=NEW_KEY, PREVIOUS_SECRET_KEYS=OLD_KEY
    ).test_client()
    only_new_key = make_app(database_url_for_tests, SECRET_KEY=NEW_KEY).test_client()
    only_old_key = make_app(database_url_for_tests, SECRET_KEY=OLD_KEY).test_client()
    new_token = signed_in_token(after_rotation)

    assert only_new_key.get("/auth/me", headers=new_token).status_code == 200
    assert only_old_key.get("/auth/me", headers=new_token).status_code == 401


def test_several_previous_keys_can_be_listed(make_app, database_url_for_tests):
    oldest = make_app(database_url_for_tests, SECRET_KEY=OLDER_KEY).test_client()
    old = make_app(database_url_for_tests, SECRET_KEY=OLD_KEY).test_client()
    current = make_app(
        database_url_for_tests, SECRET_KEY=NEW_KEY, PREVIOUS_SECRET_KEYS=f"{OLDER_KEY}, {OLD_KEY}"
    ).test_client()

    assert current.get("/auth/me", headers=signed_in_token(oldest, "first")).status_code == 200
    assert current.get("/auth/me", headers=signed_in_token(old, "second")).status_code == 200


# --- production guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # the documented development default key
        {"SECRET_KEY": "dev-secret-key-change-me"},
        {"SECRET_KEY": "short-but-not-default"},
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(database_url_for_tests, overrides):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_config(database_url_for_tests, APP_ENV="production", **overrides))


def example_key():
    """The SECRET_KEY that .env.example shows (and the database guide prints)."""
    example = (PROJECT_DIR / ".env.example").read_text()
    return re.search(r"^SECRET_KEY=(.+)$", example, re.M).group(1).strip()


def test_production_refuses_the_example_key_from_env_example(database_url_for_tests):
    assert len(example_key()) >= 32  # long enough: only knowing it is an example can refuse it

    with pytest.raises(RuntimeError, match="example"):
        create_app(make_config(database_url_for_tests, APP_ENV="production", SECRET_KEY=example_key()))


@pytest.mark.parametrize("previous", ["example", "dev-secret-key-change-me", "short-old-key"])
def test_production_refuses_a_previous_key_anyone_could_sign_with(database_url_for_tests, previous):
    previous = example_key() if previous == "example" else previous

    with pytest.raises(RuntimeError, match="PREVIOUS_SECRET_KEYS"):
        create_app(
            make_config(
                database_url_for_tests,
                APP_ENV="production",
                SECRET_KEY=STRONG_KEY,
                PREVIOUS_SECRET_KEYS=previous,
            )
        )


def test_production_refuses_to_start_with_sample_users_enabled(database_url_for_tests):
    with pytest.raises(RuntimeError, match="SEED_SAMPLE_DATA"):
        create_app(
            make_config(
                database_url_for_tests, APP_ENV="production", SECRET_KEY=STRONG_KEY, SEED_SAMPLE_DATA="true"
            )
        )


def test_production_starts_with_sample_users_only_when_explicitly_allowed(make_app, database_url_for_tests):
    app = make_app(
        database_url_for_tests,
        APP_ENV="production",
        SECRET_KEY=STRONG_KEY,
        SEED_SAMPLE_DATA="true",
        ALLOW_SAMPLE_DATA_IN_PRODUCTION="true",
    )
    assert app.test_client().get("/ping").status_code == 200


def test_production_with_a_real_key_starts_and_seeds_nothing_by_default(make_app, database_url_for_tests):
    app = make_app(database_url_for_tests, APP_ENV="production", SECRET_KEY=STRONG_KEY)
    assert app.config["SERVICE_CONFIG"].SEED_SAMPLE_DATA is False
    assert app.test_client().get("/ping").status_code == 200


def test_development_starts_with_the_default_key(make_app, database_url_for_tests):
    app = make_app(database_url_for_tests)
    assert app.test_client().get("/ping").status_code == 200


# --- request size ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_even_where_the_body_is_never_read(client, db, tq, user):
    response = client.post(
        "/auth/logout",
        headers=user.headers,
        data='{"pad": "' + "x" * 70_000 + '"}',
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json == {"detail": "Request body is too large (at most 65536 bytes)", "status": 413}
    assert tq.count_user_sessions(db, user_id=user["id"]) == 1  # not logged out


def test_the_size_limit_comes_from_configuration(make_app, database_url_for_tests):
    client = make_app(database_url_for_tests, MAX_CONTENT_LENGTH=100).test_client()

    response = client.post("/auth/login", json={"username": "u" * 80, "password": "p" * 40})

    assert response.status_code == 413
    assert response.json["status"] == 413


# --- CORS ---------------------------------------------------------------------------------------

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "Authorization, Content-Type",
}


def preflight(client, origin, path="/auth/login"):
    return client.options(path, headers={"Origin": origin, **PREFLIGHT})


def test_development_answers_a_preflight_from_any_origin(client):
    response = preflight(client, "http://localhost:5173")

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:5173")
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_production_allows_no_origin_by_default(make_app, database_url_for_tests):
    client = make_app(database_url_for_tests, APP_ENV="production", SECRET_KEY=STRONG_KEY).test_client()

    response = preflight(client, "https://app.example.com")

    assert "Access-Control-Allow-Origin" not in response.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/ping", headers={"Origin": "https://x.example"}).headers
    )


def test_production_allows_exactly_the_configured_origins(make_app, database_url_for_tests):
    client = make_app(
        database_url_for_tests,
        APP_ENV="production",
        SECRET_KEY=STRONG_KEY,
        CORS_ORIGINS="https://app.example.com, https://admin.example.com",
    ).test_client()

    allowed = preflight(client, "https://admin.example.com")
    refused = preflight(client, "https://evil.example.net")

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/auth/me", 401), ("GET", "/no/such/route", 404), ("POST", "/auth/login", 422)],
)
def test_error_responses_carry_the_cors_headers_too(make_app, database_url_for_tests, method, path, status):
    client = make_app(
        database_url_for_tests,
        APP_ENV="production",
        SECRET_KEY=STRONG_KEY,
        CORS_ORIGINS="https://app.example.com",
    ).test_client()

    response = client.open(
        path,
        method=method,
        json={} if method == "POST" else None,
        headers={"Origin": "https://app.example.com"},
    )

    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert isinstance(response.json["detail"], str)


def test_a_429_carries_the_cors_headers_so_browsers_can_read_retry_after(client, user):
    for _ in range(5):
        client.post("/auth/login", json={"username": "alice", "password": "wrong-password"})

    response = client.post(
        "/auth/login",
        json={"username": "alice", "password": "wrong-password"},
        headers={"Origin": "https://app.example.com"},
    )

    assert response.status_code == 429
    assert "Access-Control-Allow-Origin" in response.headers
