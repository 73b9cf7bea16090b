"""Two service instances (real gunicorn) through one real PgBouncer in transaction pooling.

PgBouncer is Debian's package (`apt-get install pgbouncer`; .ci/install-system-packages installs
it). It runs from a temporary folder with `auth_type = any` on a free port, in front of the test
database's server. The instances use the settings docs/OPERATIONS.md gives for it:
DB_PREPARE_THRESHOLD=none (Debian bookworm's PgBouncer 1.18 cannot keep prepared statements)
and DB_STATEMENT_TIMEOUT_MS=0 (PgBouncer refuses the `options` startup parameter). Migrations go
to PostgreSQL directly, as the documentation says.
"""

import csv
import io
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from service.devdb import drop_database, ensure_database
from service.migrations import apply_migrations
from service.seed import seed_sample_data
from tests.live_server import free_port, spawn_server, stop_server, wait_until_serving

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        PGBOUNCER is None, reason="Debian's pgbouncer is not installed (.ci/install-system-packages)"
    ),
]


class PgBouncer:
    def __init__(self, server_url, folder):
        target = conninfo_to_dict(server_url)
        self.folder = folder
        self.port = free_port()
        server = " ".join(
            f"{key}={target[key]}" for key in ("host", "port", "user", "password") if target.get(key)
        )
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = {server}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = any\n"
            "pool_mode = transaction\n"
            "max_client_conn = 200\n"
            "default_pool_size = 8\n"
            f"logfile = {folder / 'pgbouncer.log'}\n"
            f"pidfile = {folder / 'pgbouncer.pid'}\n"
        )
        command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: run it as a user who may connect
            command[1:1] = ["-u", _unprivileged_user(target.get("host", ""))]
        # its log also goes to stdout: a file, not a pipe nobody reads (a full pipe stalls it)
        with open(folder / "stdout.log", "wb") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    output = (folder / "stdout.log").read_text(errors="replace")
                    raise RuntimeError(f"pgbouncer did not start: {output}\n{self.log()}") from None
                time.sleep(0.1)

    def url(self, database):
        return f"postgresql://urtraining@127.0.0.1:{self.port}/{database}"

    def log(self):
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _unprivileged_user(host):
    """nobody for a TCP server; for a Unix socket, the owner of its folder (the embedded server's
    own user), since nobody may not enter it."""
    if host.startswith("/"):
        return pwd.getpwuid(os.stat(host).st_uid).pw_name
    return "nobody"


@pytest.fixture(scope="module")
def through_pgbouncer(server_url, tmp_path_factory):
    """(PgBouncer, [instance A, instance B], direct URL): a migrated, seeded database behind PgBouncer."""
    name = f"urtraining_pgbouncer_{uuid.uuid4().hex[:12]}"
    direct = ensure_database(server_url, name)
    apply_migrations(direct)  # migrations go to PostgreSQL directly, never through PgBouncer
    seed_sample_data(direct)
    folder = Path(tempfile.mkdtemp(prefix="urtraining-pgbouncer-"))
    folder.chmod(0o777)  # PgBouncer runs as nobody when the tests run as root
    bouncer = PgBouncer(server_url, folder)
    logs = tmp_path_factory.mktemp("instances")
    settings = {
        "DB_PREPARE_THRESHOLD": "none",
        "DB_STATEMENT_TIMEOUT_MS": "0",
        "AUTO_MIGRATE": "false",
        "SEED_SAMPLE_DATA": "false",
        "CLEANUP_INTERVAL_SECONDS": "1",
        "DB_POOL_MAX_SIZE": "4",
    }
    servers = [spawn_server(bouncer.url(name), logs, **settings) for _ in range(2)]
    try:
        for server in servers:
            wait_until_serving(server)
        yield bouncer, servers, direct
    finally:
        for server in servers:
            stop_server(server)
        bouncer.stop()
        shutil.rmtree(folder, ignore_errors=True)
        drop_database(server_url, name)


def test_two_instances_work_through_pgbouncer_in_transaction_pooling(through_pgbouncer, tq, capsys):
    bouncer, (first, second), direct = through_pgbouncer
    answers = []

    def call(server, method, path, body=None, token=None, expect=(200,)):
        status, payload, headers = server.request(method, path, body, token=token, timeout=30)
        answers.append(status)
        assert status in expect, (method, path, status, payload)
        return payload, headers

    # sign-in on one instance, valid on the other
    admin = first.login("admin", "123")
    assert call(second, "GET", "/auth/me", token=admin)[0]["user_info"]["is_admin"] is True
    course = call(
        first,
        "POST",
        "/api/courses",
        {
            "title": "Through PgBouncer",
            "duration_minutes": 30,
            "difficulty_level": "beginner",
            "category": "core",
        },
        admin,
        (201,),
    )[0]["id"]

    # registrations and writes, many at once, alternating between the instances
    def journey(n):
        here, there = (first, second) if n % 2 else (second, first)
        name = f"bouncer{n}"
        body = {
            "username": name,
            "password": "pass-word-123",
            "email": f"{name}@example.org",
            "full_name": "B B",
        }
        call(here, "POST", "/auth/register", body, expect=(201,))
        token = there.login(name, "pass-word-123")
        call(here, "PUT", "/auth/training-profile", {"age": 30 + n % 40, "cardio": 3}, token)
        call(there, "POST", f"/api/courses/{course}/enroll", None, token, (201,))
        call(here, "PUT", f"/api/courses/{course}/progress", {"progress_percentage": n % 101}, token)
        call(there, "GET", "/api/progress", None, token)
        call(here, "GET", "/auth/me", None, token)
        return token

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(journey, range(40)))

    # admin reads: counts, a numbered page, exports through a server-side cursor in a transaction
    stats = call(second, "GET", "/admin/stats", token=admin)[0]
    assert stats["total_users"] == 42 and stats["completed_profiles"] == 42
    assert len(call(first, "GET", "/admin/users?page=2&limit=10", token=admin)[0]["users"]) == 10
    exported = call(second, "GET", "/admin/users/export", token=admin)[0]
    assert exported["total_users"] == len(exported["users"]) == 42
    status, text = _raw(first, "/admin/users/export?format=csv", admin)
    answers.append(status)
    assert len(list(csv.DictReader(io.StringIO(text, newline="")))) == 42

    # throttling counts failures across both instances
    wrong = {"username": "bouncer1", "password": "not-the-password"}
    for n in range(5):
        call((first, second)[n % 2], "POST", "/auth/login", wrong, expect=(401,))
    for server in (first, second):
        call(
            server,
            "POST",
            "/auth/login",
            {"username": "bouncer1", "password": "pass-word-123"},
            expect=(429,),
        )

    # logout on one instance ends the session on both
    call(first, "POST", "/auth/logout", token=tokens[0])
    for server in (first, second):
        call(server, "GET", "/auth/me", token=tokens[0], expect=(401,))

    # the scheduled cleanup runs through PgBouncer too (transaction-level advisory lock)
    with psycopg.connect(direct, autocommit=True, row_factory=dict_row) as conn:
        tq.insert_expired_sessions(conn, user_id=stats["total_users"] - 1, how_many=25)
        deadline = time.monotonic() + 30
        while tq.count_expired_sessions(conn) > 0:
            assert time.monotonic() < deadline, "the scheduled cleanup did not run through PgBouncer"
            time.sleep(0.2)

    logs = first.log() + second.log()
    assert not [status for status in answers if status >= 500]
    assert "Traceback" not in logs
    assert '"level": "ERROR"' not in logs
    assert "ERROR" not in bouncer.log()
    with capsys.disabled():
        statuses = {status: answers.count(status) for status in sorted(set(answers))}
        print(
            f"\nPgBouncer {_version()} (transaction pooling) with 2 instances x 2 workers: "
            f"{len(answers)} requests, statuses {json.dumps(statuses)}; "
            f"{stats['total_users']} accounts, 40 registrations from 8 threads, throttled on both "
            "instances after 5 failures, logout seen by both, export JSON and CSV, scheduled cleanup "
            "ran; no 5xx, no error in the service or PgBouncer logs"
        )


def _raw(server, path, token):
    import urllib.request

    request = urllib.request.Request(server.base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def _version():
    result = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.split("\n", 1)[0].replace("PgBouncer ", "") or "?"
