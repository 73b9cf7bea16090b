"""A real nginx (Debian's binary) with the repository's config, in front of a real gunicorn.

deploy/nginx/templates/default.conf.template is filled exactly as the official image fills it
(its two ${...} variables), and included in a minimal main config whose pid file, logs and
temporary files live in a folder of this run. nginx listens on a free loopback port.
"""

import os
import shutil
import signal
import socket
import string
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.live_server import free_port

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_DIR / "deploy" / "nginx" / "templates" / "default.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

MAIN_CONFIG = """\
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/urtraining.conf;
}}
"""


def nginx_available():
    return Path(NGINX).exists()


def site_config(listen_port, backend):
    """The repository's template with its variables filled (nginx's own $variables untouched)."""
    return string.Template(TEMPLATE.read_text()).safe_substitute(
        URTRAINING_LISTEN_PORT=f"127.0.0.1:{listen_port}", URTRAINING_BACKEND=backend
    )


class LiveNginx:
    def __init__(self, process, port, prefix):
        self.process, self.port, self.prefix = process, port, prefix
        self.base = f"http://127.0.0.1:{port}"

    def log(self):
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_until_listening(proxy, deadline_seconds=20):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if proxy.process.poll() is not None:
            raise RuntimeError(f"nginx exited with {proxy.process.returncode}:\n{proxy.log()}")
        try:
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen:\n{proxy.log()}")


@contextmanager
def live_nginx(tmp_path, backend_port):
    """Start nginx in front of 127.0.0.1:backend_port; stop it (SIGTERM, then SIGKILL) at the end."""
    prefix = Path(tmp_path) / f"nginx-{backend_port}"
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (prefix / "urtraining.conf").write_text(site_config(port, f"127.0.0.1:{backend_port}"))
    # As root, nginx's workers would run as "nobody", who cannot enter pytest's private tmp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(MAIN_CONFIG.format(user=user, prefix=prefix))
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(prefix),
            "-e",
            str(prefix / "error.log"),
            "-c",
            str(prefix / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    proxy = LiveNginx(process, port, prefix)
    try:
        _wait_until_listening(proxy)
        yield proxy
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
