"""Operations: one JSON log line per request with a request id, no secrets; liveness vs readiness."""

import json
import logging
import re

import pytest

from service.logs import JsonFormatter
from tests.live_server import live_server

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/x"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def request_lines(caplog):
    """The request log lines of this test, as the JSON the service writes."""
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "service.request"]


def test_a_request_logs_one_json_line_with_method_path_status_and_duration(client, user, caplog):
    caplog.set_level(logging.INFO, logger="service.request")

    response = client.get("/auth/me?fields=secret-query", headers=user.headers)

    assert response.status_code == 200
    (line,) = request_lines(caplog)
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == "/auth/me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user["id"]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert "secret-query" not in json.dumps(line)


def test_a_sane_request_id_from_the_client_is_kept_and_echoed(client, caplog):
    caplog.set_level(logging.INFO, logger="service.request")

    response = client.get("/ping", headers={"X-Request-ID": "edge-7f3a:42_b.c"})

    assert response.headers["X-Request-ID"] == "edge-7f3a:42_b.c"
    assert request_lines(caplog)[0]["request_id"] == "edge-7f3a:42_b.c"


@pytest.mark.parametrize(
    "sent",
    ["x" * 129, "has space", 'quote"d', "semi;colon", "{json}", "ümlaut", ""],
    ids=["too-long", "space", "quote", "semicolon", "braces", "non-ascii", "empty"],
)
def test_an_unsafe_request_id_is_replaced_by_a_generated_one(client, caplog, sent):
    caplog.set_level(logging.INFO, logger="service.request")

    response = client.get("/ping", headers={"X-Request-ID": sent})

    assert response.status_code == 200
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])
    assert request_lines(caplog)[0]["request_id"] == response.headers["X-Request-ID"]


def test_every_request_gets_its_own_id_and_errors_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="service.request")

    ids = {client.get("/ping").headers["X-Request-ID"] for _ in range(3)}
    missing = client.get("/no/such/path")
    invalid = client.post("/auth/register", json={"username": "x"})

    assert len(ids) == 3
    assert invalid.status_code == 422
    assert GENERATED_ID.fullmatch(missing.headers["X-Request-ID"])
    statuses = [(line["path"], line["status"]) for line in request_lines(caplog)]
    assert statuses[-2:] == [("/no/such/path", 404), ("/auth/register", 422)]


def test_no_password_token_or_body_reaches_the_log(client, make_account, caplog):
    caplog.set_level(logging.DEBUG)
    account = make_account("carol", password="very-secret-password-1")

    client.get("/auth/me", headers=account.headers)
    client.post("/auth/login", json={"username": "carol", "password": "wrong-secret-password"})
    client.put("/auth/change-password", headers=account.headers, json={"current_password": "nope-nope-1"})

    formatter = JsonFormatter()
    text = "\n".join(formatter.format(record) for record in caplog.records)
    for secret in ("very-secret-password-1", "wrong-secret-password", "nope-nope-1", account["token"]):
        assert secret not in text
    assert "Authorization" not in text and "Bearer" not in text


def test_every_line_of_a_real_server_is_json_and_carries_no_secret(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        token = server.login("user", "password")
        status, _, headers = server.request(
            "GET", "/auth/me?q=query-text", token=token, headers={"X-Request-ID": "trace-1234"}
        )
        assert status == 200
        assert headers["X-Request-ID"] == "trace-1234"

    lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    by_id = [line for line in lines if line.get("request_id") == "trace-1234"]
    assert len(by_id) == 1
    assert by_id[0]["logger"] == "service.request"
    assert (by_id[0]["method"], by_id[0]["path"], by_id[0]["status"]) == ("GET", "/auth/me", 200)
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert any("init_db: applied" in line["message"] for line in lines)
    text = server.log()
    assert token not in text
    assert "password" not in text.lower()
    assert "query-text" not in text


# --- liveness and readiness ----------------------------------------------------------------------


def test_liveness_answers_without_the_database_and_readiness_says_it_is_unavailable(make_app):
    app = make_app(UNREACHABLE_DATABASE, DB_POOL_TIMEOUT="0.5", DB_CONNECT_TIMEOUT="1")
    client = app.test_client()

    live = client.get("/health/live")
    ready = client.get("/health/ready")

    assert (live.status_code, live.json) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json["database"] == "unavailable"
    assert int(ready.headers["Retry-After"]) > 0


def test_readiness_is_ok_while_the_database_answers(client):
    response = client.get("/health/ready")

    assert (response.status_code, response.json) == (200, {"status": "ok", "database": "ok"})


def test_the_health_probes_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json["paths"]

    assert {"/health", "/health/live", "/health/ready"} <= set(paths)
