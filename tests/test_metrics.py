"""GET /metrics: Prometheus text format, every gunicorn worker counted."""

import json
import os
import re
import signal
import time
import urllib.request

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import PROJECT_DIR, live_server


def samples(text):
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(client, headers=None):
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def test_requests_are_counted_by_route_template_method_and_status(client, user):
    before = scrape(client)

    for _ in range(3):
        assert client.get(f"/api/users/{user['id']}", headers=user.headers).status_code == 200
    assert client.get("/api/users/999999", headers=user.headers).status_code == 404
    assert client.get("/no/such/page/12345").status_code == 404
    after = scrape(client)

    route = "/api/users/<int:user_id>"
    requests = "urtraining_http_requests_total"
    assert (
        value(after, requests, route=route, method="GET", status="200")
        - value(before, requests, route=route, method="GET", status="200")
        == 3
    )
    assert (
        value(after, requests, route=route, method="GET", status="404")
        - value(before, requests, route=route, method="GET", status="404")
        == 1
    )
    assert (
        value(after, requests, route="<unmatched>", method="GET", status="404")
        - value(before, requests, route="<unmatched>", method="GET", status="404")
        == 1
    )
    assert not any("12345" in str(labels) for _, labels in after)
    seconds = "urtraining_http_request_duration_seconds_count"
    assert (
        value(after, seconds, route=route, method="GET") - value(before, seconds, route=route, method="GET")
        == 4
    )


def test_each_named_query_has_its_calls_and_time(client, user):
    before = scrape(client)

    assert client.get("/auth/me", headers=user.headers).status_code == 200
    after = scrape(client)

    for query in ("users.get_signed_in_user",):  # /auth/me: the token check and the read in one
        calls = "urtraining_db_query_duration_seconds_count"
        assert value(after, calls, query=query) - value(before, calls, query=query) == 1, query
        total = "urtraining_db_query_duration_seconds_sum"
        assert value(after, total, query=query) > value(before, total, query=query)


def test_login_outcomes_are_counted(client, user):
    before = scrape(client)

    assert (
        client.post(
            "/auth/login", json={"username": user["username"], "password": user["password"]}
        ).status_code
        == 200
    )
    for _ in range(5):
        wrong = client.post("/auth/login", json={"username": user["username"], "password": "wrong-password"})
        assert wrong.status_code == 401
    assert (
        client.post("/auth/login", json={"username": user["username"], "password": "x-wrong"}).status_code
        == 429
    )
    after = scrape(client)

    logins = "urtraining_logins_total"
    changes = {
        o: value(after, logins, outcome=o) - value(before, logins, outcome=o)
        for o in ("success", "failure", "throttled")
    }
    assert changes == {"success": 1, "failure": 5, "throttled": 1}


def test_the_pool_is_measured(make_app, database_url_for_tests):
    app = make_app(database_url_for_tests, DB_POOL_MAX_SIZE="3")
    client = app.test_client()
    assert client.get("/health").status_code == 200

    found = scrape(client)

    assert value(found, "urtraining_db_pool_max_size") == 3
    assert value(found, "urtraining_db_pool_size") >= 1
    assert value(found, "urtraining_db_pool_connections_in_use") == 0
    assert value(found, "urtraining_db_pool_requests_waiting") == 0


def test_with_a_token_metrics_need_it(make_app, database_url_for_tests):
    client = make_app(database_url_for_tests, METRICS_TOKEN="s3cret-metrics-token").test_client()

    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-it"})
    right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})

    assert missing.status_code == wrong.status_code == 401
    assert missing.json == {"detail": "Metrics need the metrics token", "status": 401}
    assert right.status_code == 200
    assert "urtraining_http_requests_total" in right.get_data(as_text=True)


def test_in_production_without_a_token_there_are_no_metrics(make_app, database_url_for_tests):
    client = make_app(
        database_url_for_tests, APP_ENV="production", SECRET_KEY="p" * 48, SEED_SAMPLE_DATA="false"
    ).test_client()

    response = client.get("/metrics")

    assert response.status_code == 404
    assert response.json["status"] == 404


def test_the_grafana_dashboard_reads_only_metrics_the_service_exposes(client):
    response = client.get("/metrics")
    families = text_string_to_metric_families(response.get_data(as_text=True))
    exposed = {
        family.name + suffix for family in families for suffix in ("", "_total", "_bucket", "_sum", "_count")
    }
    dashboard = json.loads((PROJECT_DIR / "docs" / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]

    used = {name for expr in expressions for name in re.findall(r"urtraining_\w+", expr)}

    assert used and used <= exposed, sorted(used - exposed)


def test_metrics_are_not_part_of_the_openapi_document(client):
    assert "/metrics" not in client.get("/openapi.json").json["paths"]


# --- under gunicorn: every worker counted ---------------------------------------------------------


def get(server, path):
    request = urllib.request.Request(server.base + path, headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def pids_that_answered(server, path):
    pids = set()
    for line in server.log().splitlines():
        if line.startswith("{") and f'"path": "{path}"' in line:
            pids.add(json.loads(line)["pid"])
    return pids


@pytest.mark.server
def test_metrics_add_up_the_requests_of_both_workers(fresh_database, tmp_path):
    folder = tmp_path / "metrics"
    settings = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "DB_POOL_MAX_SIZE": "3"}
    with live_server(fresh_database, tmp_path, **settings) as server:
        sent = 0
        deadline = time.monotonic() + 30
        while len(pids_that_answered(server, "/health/live")) < 2 or sent < 60:
            assert time.monotonic() < deadline, "one worker answered every request"
            assert get(server, "/health/live")[0] == 200  # a new connection each time: either worker
            sent += 1
        token = server.login("admin", "123")

        status, text = get(server, "/metrics")
        found = samples(text)

        assert status == 200
        requests = "urtraining_http_requests_total"
        assert value(found, requests, route="/health/live", method="GET", status="200") == sent
        assert value(found, "urtraining_logins_total", outcome="success") == 1
        assert (
            value(found, "urtraining_db_query_duration_seconds_count", query="users.get_login_candidate") == 1
        )
        assert value(found, "urtraining_db_pool_max_size") == 6  # 2 workers x 3
        assert len({path.name.rsplit("_", 1)[-1] for path in folder.glob("*.db")}) >= 2  # a file per worker

        # a worker killed: its counts stay, its live gauges go; the new worker adds its own
        worker = psutil.Process(server.process.pid).children()[0]
        os.kill(worker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(psutil.Process(server.process.pid).children()) < 2 or worker.pid in [
            child.pid for child in psutil.Process(server.process.pid).children()
        ]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        for _ in range(20):
            get(server, "/health/live")
        found = samples(get(server, "/metrics")[1])

        assert value(found, requests, route="/health/live", method="GET", status="200") == sent + 20
        assert value(found, "urtraining_db_pool_max_size") <= 6
        assert server.request("GET", "/auth/me", token=token)[0] == 200
