"""GET /admin/users/export: the export document (or CSV) streamed from a server-side cursor."""

import csv
import http.client
import io
import json
import time
from datetime import datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.live_server import live_server
from tests.shapes import USER_KEYS

HOSTILE_NAMES = [
    'Comma, "Quoted" Name',
    "Line\nBreak Name",
    '=HYPERLINK("http://example.org")',
    "+1 Plus",
    "@SUM(A1)",
    "Zoë 日本語",
]


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


def normalised(value):
    """Timestamps as datetimes: PostgreSQL and Python write the same instant a little differently."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, str) and len(value) > 18 and value[4] == "-" and value[10] == "T":
        return datetime.fromisoformat(value)
    return value


def export(client, admin, query=""):
    response = client.get(f"/admin/users/export{query}", headers=admin.headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def csv_rows(response):
    text = response.get_data(as_text=True)
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --- the JSON document ----------------------------------------------------------------------------


def test_each_exported_user_is_the_user_representation_of_the_api(client, admin, user):
    create_user(
        client,
        admin,
        "carol",
        training_profile={
            "gender": "female",
            "age": 40,
            "weight_kg": 61.5,
            "training_goals": ["muscle_gain", "rehabilitation"],
            "health_details": 'Knee "left"\nsince 2020',
            "cardio": 4,
            "joint_back_problems": True,
        },
    )

    body = export(client, admin).json

    assert body["total_users"] == len(body["users"]) == 3
    for exported in body["users"]:
        shown = client.get(f"/api/users/{exported['id']}", headers=admin.headers).json
        assert set(exported) == USER_KEYS
        assert normalised(exported) == normalised(shown)


def test_the_basic_export_is_each_user_without_the_profile(client, admin, user):
    body = export(client, admin, "?basic=true").json

    assert body["export_type"] == "basic"
    for exported in body["users"]:
        shown = client.get(f"/api/users/{exported['id']}", headers=admin.headers).json
        del shown["training_profile"]
        assert normalised(exported) == normalised(shown)


def test_the_export_document_keeps_its_keys_in_order(client, admin):
    text = export(client, admin).get_data(as_text=True)

    assert list(json.loads(text)) == ["export_type", "export_date", "total_users", "users"]
    assert datetime.fromisoformat(json.loads(text)["export_date"]).utcoffset() is not None


# --- CSV ------------------------------------------------------------------------------------------


def test_the_csv_export_has_a_header_and_one_row_per_user_with_the_profile_flattened(client, admin, user):
    create_user(
        client,
        admin,
        "carol",
        training_profile={"age": 40, "training_goals": ["muscle_gain", "rehabilitation"], "cardio": 4},
    )

    response = export(client, admin, "?format=csv")
    rows = csv_rows(response)

    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="users-full-')
    assert [row["username"] for row in rows] == ["boss", "alice", "carol"]
    assert list(rows[0])[:9] == [
        "id",
        "username",
        "email",
        "full_name",
        "is_active",
        "is_admin",
        "created_at",
        "updated_at",
        "has_training_profile",
    ]
    carol = rows[2]
    assert carol["has_training_profile"] == "true" and rows[1]["has_training_profile"] == "false"
    assert (carol["age"], carol["cardio"], carol["training_goals"]) == (
        "40",
        "4",
        "muscle_gain;rehabilitation",
    )
    assert rows[1]["age"] == ""
    assert rows[0]["is_admin"] == "true" and carol["is_admin"] == "false"
    assert datetime.fromisoformat(carol["created_at"]).utcoffset() is not None
    assert "hashed_password" not in response.get_data(as_text=True)
    assert "pbkdf2" not in response.get_data(as_text=True)


def test_the_basic_csv_export_has_account_columns_only(client, admin, user):
    response = export(client, admin, "?format=csv&basic=true")
    rows = csv_rows(response)

    assert list(rows[0]) == [
        "id",
        "username",
        "email",
        "full_name",
        "is_active",
        "is_admin",
        "created_at",
        "updated_at",
    ]
    assert [int(row["id"]) for row in rows] == [admin["id"], user["id"]]
    assert 'filename="users-basic-' in response.headers["Content-Disposition"]


def test_csv_cells_are_quoted_as_rfc_4180_says_and_formulas_are_neutralised(client, admin, db, oq):
    # Written as a DBA could (the API refuses a line break in a name): the export must still quote it.
    for n, name in enumerate(HOSTILE_NAMES):
        oq.insert_user_with_full_name(db, username=f"hostile{n}", full_name=name)

    text = export(client, admin, "?format=csv&basic=true").get_data(as_text=True)
    names = [row["full_name"] for row in csv.DictReader(io.StringIO(text, newline=""))][1:]

    assert names == [
        'Comma, "Quoted" Name',
        "Line\nBreak Name",
        '\'=HYPERLINK("http://example.org")',
        "'+1 Plus",
        "'@SUM(A1)",
        "Zoë 日本語",
    ]
    assert '"Comma, ""Quoted"" Name"' in text


@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_a_head_request_gives_the_exports_connection_back(make_app, database_url_for_tests, admin, query):
    app = make_app(database_url_for_tests, DB_POOL_MAX_SIZE=2, DB_POOL_TIMEOUT=2)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin['token']}"}

    for _ in range(3):  # more than the pool holds: a connection kept by a HEAD would run it dry
        response = client.head(f"/admin/users/export{query}", headers=headers)
        assert response.status_code == 200
        assert response.get_data() == b""
        response.close()

    assert client.get("/admin/stats", headers=headers).status_code == 200
    assert app.extensions["pool"].get_stats()["pool_available"] >= 1


@pytest.mark.parametrize("query", ["?format=xml", "?format=", "?format=CSV&basic=maybe"])
def test_an_unknown_export_format_is_a_422(client, admin, query):
    response = client.get(f"/admin/users/export{query}", headers=admin.headers)

    assert response.status_code == 422
    assert "format" in response.json["errors"] or "basic" in response.json["errors"]


# --- under gunicorn -------------------------------------------------------------------------------


def fill(url, oq, users):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        oq.insert_users_numbered(conn, first=1, last=users)
        oq.fill_profiles_for_all(conn)


def open_export(server, token, query=""):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", f"/admin/users/export{query}", headers={"Authorization": f"Bearer {token}"})
    return connection, connection.getresponse()


def service_backends(url, oq):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return list(oq.list_service_backends(conn, datname=conn.info.dbname))


def wait_until(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


@pytest.mark.server
def test_the_connection_stays_with_the_stream_and_returns_to_the_pool_when_the_client_leaves(
    fresh_database, tmp_path, oq
):
    settings = {
        "WEB_CONCURRENCY": "1",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "1",
        "DB_POOL_TIMEOUT": "5",
    }
    with live_server(fresh_database, tmp_path, **settings) as server:
        fill(fresh_database, oq, 30_000)
        token = server.login("admin", "123")
        connection, response = open_export(server, token)
        assert response.status == 200
        first = response.read(1000)
        assert first.startswith(b'{"export_type": "full", "export_date": "')

        # mid-stream: the connection is checked out, in the export's transaction, at its cursor
        backends = wait_until(
            lambda: [b for b in service_backends(fresh_database, oq) if b["state"] == "idle in transaction"],
            "the export's transaction",
        )
        assert "admin.export_users_full_json" in backends[0]["query"]

        connection.close()  # the client goes away mid-stream

        wait_until(
            lambda: (
                not any(
                    b["state"].startswith("idle in transaction") for b in service_backends(fresh_database, oq)
                )
            ),
            "the export's transaction to end",
        )
        # the worker's only pooled connection is back: the next request gets it at once
        status, body, _ = server.request("GET", "/admin/stats", token=token)
        assert status == 200 and body["total_users"] == 30_002
    assert "Traceback" not in server.log()


@pytest.mark.server
def test_an_export_that_takes_longer_than_the_worker_timeout_completes(fresh_database, tmp_path, oq):
    with live_server(fresh_database, tmp_path, GUNICORN_CMD_ARGS="--timeout 2") as server:
        fill(fresh_database, oq, 10_000)
        token = server.login("admin", "123")
        connection, response = open_export(server, token)
        started = time.monotonic()
        parts = []
        while chunk := response.read(64 * 1024):  # a slow client: the server waits on it
            parts.append(chunk)
            time.sleep(0.05)
        connection.close()

        assert time.monotonic() - started > 4  # twice the worker timeout
        body = json.loads(b"".join(parts))
        assert body["total_users"] == len(body["users"]) == 10_002
        assert "WORKER TIMEOUT" not in server.log()


@pytest.mark.server
def test_a_csv_export_streams_under_gunicorn(fresh_database, tmp_path, oq):
    with live_server(fresh_database, tmp_path) as server:
        fill(fresh_database, oq, 5_000)
        token = server.login("admin", "123")
        connection, response = open_export(server, token, "?format=csv")
        text = response.read().decode()
        connection.close()

    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 5_002
    assert [int(row["id"]) for row in rows] == sorted(int(row["id"]) for row in rows)
