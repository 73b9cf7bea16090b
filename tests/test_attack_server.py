"""The service under attack, on a real gunicorn: bursts that would hash, guesses that arrive at
once, logins racing a password change, and bodies that hide their size."""

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.live_server import live_server

pytestmark = pytest.mark.server

# About a second of CPU per hash here: a burst that hashed would keep every thread busy for long.
SLOW_HASH = "pbkdf2:sha256:1500000"
PASSWORD = "correct-horse-1"


def register_body(username, email):
    return {"username": username, "password": PASSWORD, "email": email, "full_name": "Burst Person"}


class Probe(threading.Thread):
    """GET a path every 0.2 s with a short timeout, until stopped; records the statuses."""

    def __init__(self, server, path, token=None, timeout=5):
        super().__init__(daemon=True)
        self.server, self.path, self.token, self.timeout = server, path, token, timeout
        self.statuses = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                status = self.server.request("GET", self.path, token=self.token, timeout=self.timeout)[0]
            except OSError:  # timed out
                status = 0
            self.statuses.append(status)
            self.stopping.wait(0.2)

    def stop(self):
        self.stopping.set()
        self.join()
        return self.statuses


def burst(server, bodies):
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(lambda body: server.request("POST", "/auth/register", body, timeout=60), bodies))


def test_a_burst_of_registrations_of_a_taken_name_is_refused_without_hashing_and_ping_keeps_answering(
    fresh_database, tmp_path
):
    with live_server(
        fresh_database, tmp_path, PASSWORD_HASH_METHOD=SLOW_HASH, GUNICORN_THREADS=8, SEED_SAMPLE_DATA="false"
    ) as server:
        assert server.request("POST", "/auth/register", register_body("owner", "owner@example.org"))[0] == 201
        ping = Probe(server, "/ping")
        ping.start()

        answers = burst(server, [register_body("owner", f"other{n}@example.org") for n in range(32)])

        assert {status for status, _, _ in answers} == {409}
        assert {body["detail"] for _, body, _ in answers} == {"Username already registered"}
        statuses = ping.stop()
        assert statuses and set(statuses) == {200}  # no probe waited 5 s behind the burst


def test_a_burst_of_new_registrations_beyond_the_hash_queue_gets_503_at_once_while_reads_answer(
    fresh_database, tmp_path
):
    with live_server(
        fresh_database,
        tmp_path,
        PASSWORD_HASH_METHOD=SLOW_HASH,
        WEB_CONCURRENCY=1,
        GUNICORN_THREADS=8,
        PASSWORD_HASH_THREADS=1,
        PASSWORD_HASH_QUEUE_LIMIT=1,
        SEED_SAMPLE_DATA="false",
    ) as server:
        assert (
            server.request("POST", "/auth/register", register_body("reader", "reader@example.org"))[0] == 201
        )
        token = server.login("reader", PASSWORD)
        ping, me = Probe(server, "/ping"), Probe(server, "/auth/me", token=token)
        ping.start()
        me.start()

        answers = burst(server, [register_body(f"new{n}", f"new{n}@example.org") for n in range(12)])

        statuses = sorted(status for status, _, _ in answers)
        assert 201 in statuses and 503 in statuses
        assert set(statuses) <= {201, 503}
        refused = [headers for status, _, headers in answers if status == 503]
        assert all(int(headers["Retry-After"]) > 0 for headers in refused)
        assert set(ping.stop()) == {200}
        assert set(me.stop()) == {200}


def test_logins_and_refreshes_racing_a_password_change_never_leave_a_working_token(fresh_database, tmp_path):
    with live_server(
        fresh_database,
        tmp_path,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:100000",
        WEB_CONCURRENCY=2,
        GUNICORN_THREADS=8,
        PASSWORD_HASH_QUEUE_LIMIT=16,
        SEED_SAMPLE_DATA="false",
    ) as server:
        assert (
            server.request("POST", "/auth/register", register_body("victim", "victim@example.org"))[0] == 201
        )
        owner = server.login("victim", PASSWORD)
        stop = threading.Event()
        tokens, lock = [], threading.Lock()

        def log_in_again_and_again():
            while not stop.is_set():
                status, body, _ = server.request(
                    "POST", "/auth/login", {"username": "victim", "password": PASSWORD}, timeout=60
                )
                if status == 200:
                    with lock:
                        tokens.append(body["access_token"])

        def refresh_again_and_again(token):
            while not stop.is_set():
                status, body, _ = server.request("POST", "/auth/refresh", token=token, timeout=60)
                if status != 200:
                    break
                token = body["access_token"]
            with lock:
                tokens.append(token)

        # At most 4 logins of one name from one address at once: a fifth in flight would meet
        # the per-name-and-address limit (attempts are counted until their check ends).
        threads = [threading.Thread(target=log_in_again_and_again) for _ in range(4)]
        threads += [
            threading.Thread(target=refresh_again_and_again, args=(server.login("victim", PASSWORD),))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        status, body, _ = server.request(
            "PUT",
            "/auth/change-password",
            {"current_password": PASSWORD, "new_password": "a-much-better-passphrase"},
            token=owner,
            timeout=60,
        )
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join()

        assert status == 200, body
        assert len(tokens) > 10
        working = [token for token in tokens if server.request("GET", "/auth/me", token=token)[0] == 200]
        assert working == []
        assert server.request("GET", "/auth/me", token=owner)[0] == 200


def test_concurrent_wrong_logins_on_two_workers_are_checked_at_most_up_to_the_limit(
    fresh_database, tmp_path, tq
):
    with live_server(
        fresh_database,
        tmp_path,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:100000",
        WEB_CONCURRENCY=2,
        GUNICORN_THREADS=12,
        PASSWORD_HASH_QUEUE_LIMIT=16,
        SEED_SAMPLE_DATA="false",
    ) as server:
        assert (
            server.request("POST", "/auth/register", register_body("target", "target@example.org"))[0] == 201
        )
        wrong = {"username": "target", "password": "not-the-password"}
        assert server.request("POST", "/auth/login", wrong)[0] == 401  # four attempts left
        barrier = threading.Barrier(24)

        def guess(_):
            barrier.wait()
            return server.request("POST", "/auth/login", wrong, timeout=60)[0]

        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = sorted(pool.map(guess, range(24)))

        assert statuses == [401] * 4 + [429] * 20
        with psycopg.connect(fresh_database, autocommit=True, row_factory=dict_row) as conn:
            pair = [row for row in tq.list_login_counters(conn) if row["scope"] == "pair"]
        assert [row["failures"] for row in pair] == [5]


def raw_request(port, head, body_chunks):
    """Send a request by hand (chunked bodies urllib cannot make); returns (status, JSON body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            sock.sendall(chunk)
        response = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            response += data
            if b"\r\n\r\n" in response:
                header, _, rest = response.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in header.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    None,
                )
                if length is not None and len(rest) >= length:
                    break
    header, _, rest = response.partition(b"\r\n\r\n")
    return int(header.split(b" ")[1]), header, json.loads(rest)


def chunked(payload, size=8192):
    for start in range(0, len(payload), size):
        piece = payload[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


CHUNKED_LOGIN = (
    b"POST /auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


def test_a_chunked_body_over_the_limit_is_a_413_not_cut_and_used(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        # Valid JSON for its first 64 KiB: cut at the limit it would still parse and be used.
        payload = json.dumps({"username": "admin", "password": "123"}).encode() + b" " * 70_000

        status, header, body = raw_request(server.port, CHUNKED_LOGIN, chunked(payload))

        assert status == 413
        assert body == {"detail": "Request body is too large (at most 65536 bytes)", "status": 413}
        assert b"application/json" in header


def test_a_chunked_body_within_the_limit_is_read_whole(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        payload = json.dumps({"username": "admin", "password": "123"}).encode() + b" " * 60_000

        status, _, body = raw_request(server.port, CHUNKED_LOGIN, chunked(payload))

        assert status == 200, body
        assert body["user_info"]["username"] == "admin"


@pytest.mark.parametrize(
    ("request_bytes", "status", "detail"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "The request could not be read as HTTP"),
        (
            b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414,
            "Request line is too long (at most 8190 bytes)",
        ),
        (
            b"GET /ping HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-H%d: 1\r\n" % n for n in range(120))
            + b"\r\n",
            431,
            "Too many or too large request header fields",
        ),
    ],
    ids=["bad request line", "long request line", "too many headers"],
)
def test_requests_gunicorn_cannot_read_get_the_json_error_body(
    fresh_database, tmp_path, request_bytes, status, detail
):
    with live_server(fresh_database, tmp_path) as server:
        answer_status, header, body = raw_request(server.port, request_bytes, [])

    assert (answer_status, body) == (status, {"detail": detail, "status": status})
    assert b"Content-Type: application/json" in header
