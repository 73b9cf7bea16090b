"""A real gunicorn serving the app on a free loopback port, for server-level tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, process, port, log_path):
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def request(self, method, path, body=None, token=None, headers=None, timeout=10):
        """(status, parsed JSON body, headers) — never raises for HTTP error statuses."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null"), response.headers
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), error.headers

    def login(self, username, password):
        status, body, _ = self.request("POST", "/auth/login", {"username": username, "password": password})
        assert status == 200, body
        return body["access_token"]

    def log(self):
        return Path(self.log_path).read_text(errors="replace")


def wait_until_serving(server, deadline_seconds=60):
    """Until a worker answers /ping (listening alone can mean workers still importing the app)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.base + "/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while migrating, or no worker ready yet
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /ping:\n{server.log()}")


def spawn_server(database_url, tmp_path, **env_overrides):
    """Start gunicorn (production config file) against database_url without waiting for it."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        # Tests register many accounts from the one loopback address; the registration throttle
        # is tested with its own limit (test_throttle.py).
        "REGISTRATIONS_PER_ADDRESS": "100000",
    }
    env.update({key: str(value) for key, value in env_overrides.items()})
    env.setdefault("RUN_DIR", str(tmp_path / f"run-{port}"))  # its own pid file and query snapshots
    log_path = tmp_path / f"gunicorn-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return LiveServer(process, port, log_path)


def stop_server(server):
    """SIGTERM, then SIGKILL if it has not stopped within 30 s."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def live_server(database_url, tmp_path, **env_overrides):
    """Start gunicorn (production config file) against database_url; stop it with SIGTERM."""
    server = spawn_server(database_url, tmp_path, **env_overrides)
    try:
        wait_until_serving(server)
        yield server
    finally:
        stop_server(server)
