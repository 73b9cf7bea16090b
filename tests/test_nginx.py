"""The production entry (deploy/nginx) with Debian's real nginx in front of a real gunicorn:
slow clients are held by nginx, not gunicorn; nginx's own errors are JSON; the client's address
reaches the service and cannot be chosen by the client."""

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.live_nginx import NGINX, live_nginx, nginx_available, site_config
from tests.live_server import free_port, live_server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not nginx_available(), reason="Debian's nginx is not installed (.ci/install-system-packages)"
    ),
]


@pytest.fixture
def stack(fresh_database, tmp_path):
    """gunicorn with 2 workers x 4 threads (8 threads in all), behind nginx."""
    with (
        live_server(
            fresh_database, tmp_path, WEB_CONCURRENCY=2, GUNICORN_THREADS=4, TRUSTED_PROXY_COUNT=1
        ) as server,
        live_nginx(tmp_path, server.port) as proxy,
    ):
        yield server, proxy


def get(base, path, headers=None, timeout=5):
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def exchange(port, data, timeout=15):
    """Send raw bytes; return (status, headers text, JSON body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), head.decode("latin1"), json.loads(body)


def test_the_template_is_a_valid_nginx_configuration(tmp_path):
    (tmp_path / "site.conf").write_text(
        site_config(8080, "backend:8000").replace("backend:8000", "127.0.0.1:9")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/pid;\nevents {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n")

    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


class SlowClient(threading.Thread):
    """Sends its request head one header line every 2 s, or its body one byte every 2 s."""

    def __init__(self, port, kind, stop):
        super().__init__(daemon=True)
        self.port, self.kind, self.stop_event = port, kind, stop

    def run(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            if self.kind == "headers":
                sock.sendall(b"GET /ping HTTP/1.1\r\nHost: slow\r\n")
                drip = b"X-Slow: 1\r\n"
            else:
                sock.sendall(
                    b"POST /auth/login HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 60000\r\n\r\n"
                )
                drip = b" "
            while not self.stop_event.wait(2.0):
                try:
                    sock.sendall(drip)
                except OSError:
                    return  # closed by nginx: fine


def test_64_slow_clients_do_not_stop_ping(stack):
    _, proxy = stack
    stop = threading.Event()
    clients = [SlowClient(proxy.port, "headers" if n % 2 else "body", stop) for n in range(64)]
    for client in clients:
        client.start()
    try:
        time.sleep(1.0)
        probes = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            status, _, body = get(proxy.base, "/ping", timeout=5)
            probes.append((status, body))
            time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)

    assert len(probes) >= 8
    assert {status for status, _ in probes} == {200}


def test_a_body_over_the_limit_gets_nginx_json_413(stack):
    _, proxy = stack
    declared = (
        b"POST /auth/login HTTP/1.1\r\nHost: big\r\nContent-Type: application/json\r\n"
        b"Content-Length: 70000\r\nConnection: close\r\n\r\n" + b" " * 70000
    )
    chunk = b" " * 8192
    chunked = (
        b"POST /auth/login HTTP/1.1\r\nHost: big\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + (b"2000\r\n" + chunk + b"\r\n") * 9
        + b"0\r\n\r\n"
    )

    for request in (declared, chunked):
        status, head, body = exchange(proxy.port, request)

        assert status == 413
        assert body == {"detail": "Request body is too large (at most 65536 bytes)", "status": 413}
        assert "Content-Type: application/json" in head
        assert "X-Content-Type-Options: nosniff" in head


@pytest.mark.parametrize(
    ("request_bytes", "status", "detail"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "The request could not be read as HTTP"),
        (
            b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414,
            "Request line is too long (at most 8 KiB)",
        ),
        (
            b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
            431,
            "A request header is too large (at most 8 KiB)",
        ),
    ],
    ids=["bad request line", "long request line", "huge header"],
)
def test_errors_nginx_answers_itself_are_json(stack, request_bytes, status, detail):
    _, proxy = stack

    answer_status, head, body = exchange(proxy.port, request_bytes)

    assert (answer_status, body) == (status, {"detail": detail, "status": status})
    assert "Content-Type: application/json" in head


def test_an_unreachable_backend_is_a_json_502_with_retry_after(tmp_path):
    with live_nginx(tmp_path, free_port()) as proxy:  # nothing listens there
        status, headers, body = get(proxy.base, "/ping")

    assert status == 502
    assert body == {"detail": "The service is unavailable; try again shortly", "status": 502}
    assert headers["Retry-After"] == "5"


def test_the_service_sees_the_clients_address_and_a_forged_forwarded_for_is_ignored(stack):
    _, proxy = stack
    status, _, body = exchange(
        proxy.port,
        b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"X-Forwarded-For: 203.0.113.66\r\nContent-Length: 41\r\n\r\n"
        b'{"username": "admin", "password": "123"}\n',
    )
    assert status == 200, body

    _, _, sessions = get(
        proxy.base, "/auth/active-sessions", headers={"Authorization": f"Bearer {body['access_token']}"}
    )

    assert [session["ip_address"] for session in sessions["active_sessions"]] == ["127.0.0.1"]


def test_the_services_own_errors_pass_through_and_nginx_pages_are_not_reachable(stack):
    _, proxy = stack

    service_answer = get(proxy.base, "/api/courses/999999")
    internal_page = get(proxy.base, "/_errors/502")

    assert (service_answer[0], service_answer[2]) == (404, {"detail": "Course not found", "status": 404})
    assert (internal_page[0], internal_page[2]) == (404, {"detail": "Not found", "status": 404})


def test_the_public_entry_does_not_serve_metrics(stack):
    server, proxy = stack

    through_nginx = get(proxy.base, "/metrics")
    with urllib.request.urlopen(server.base + "/metrics", timeout=5) as direct:  # what Prometheus scrapes
        assert direct.status == 200
        assert b"urtraining_http_requests_total" in direct.read()

    assert (through_nginx[0], through_nginx[2]) == (404, {"detail": "Not found", "status": 404})
