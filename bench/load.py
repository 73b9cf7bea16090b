"""The service under gunicorn on a free port, and wrk driving it from another process."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil

PROJECT_DIR = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "route.lua"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def ensure_wrk():
    """The path of wrk; installs the Debian package when running as root, else says how."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if os.geteuid() == 0 and apt:
        print("  wrk is missing: installing the Debian package wrk ...", flush=True)
        for step in (["update", "-q"], ["install", "-y", "-q", "wrk"]):
            subprocess.run([apt, *step], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench needs wrk: install it with `sudo apt-get install -y wrk`, then run again")
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RssSampler(threading.Thread):
    """Samples the RSS of every gunicorn worker; keeps each worker's peak and last value."""

    def __init__(self, master_pid, interval=0.25):
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.interval = interval
        self.peak = {}
        self.last = {}
        self._stop_event = threading.Event()

    def sample(self):
        for child in self.master.children():
            try:
                rss = child.memory_info().rss
            except psutil.Error:
                continue
            self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
            self.last[child.pid] = rss

    def run(self):
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self):
        self._stop_event.set()
        self.join()
        self.sample()


class CpuMeter:
    """CPU seconds (user + system) used by the gunicorn workers and by the database server."""

    def __init__(self, master_pid, postmaster_pid=None):
        self.master = psutil.Process(master_pid)
        self.postmaster = psutil.Process(postmaster_pid) if postmaster_pid else None

    @staticmethod
    def _cpu(processes):
        total = {}
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total[process.pid] = times.user + times.system
        return total

    def snapshot(self):
        app = self._cpu(self.master.children())
        database = self._cpu(self.postmaster.children()) if self.postmaster else {}
        return app, database

    @staticmethod
    def used(before, after):
        """(app seconds, database seconds) between two snapshots."""
        return tuple(
            sum(seconds - b.get(pid, 0.0) for pid, seconds in a.items())
            for b, a in zip(before, after, strict=True)
        )


class Server:
    def __init__(self, process, port, log_path, postmaster_pid=None):
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.rss = RssSampler(process.pid)
        self.cpu = CpuMeter(process.pid, postmaster_pid)

    def workers(self):
        return [child.pid for child in psutil.Process(self.process.pid).children()]


def _wait_until_serving(server, deadline_seconds=60):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}; see {server.log_path}")
        try:
            with urllib.request.urlopen(server.base + "/ping", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /ping; see {server.log_path}")


@contextmanager
def gunicorn(env, log_path, worker_class=None, wsgi="wsgi:app", postmaster_pid=None):
    """Serve wsgi:app with gunicorn.conf.py (the production configuration) on a free port."""
    port = free_port()
    env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
    command = [GUNICORN, "-c", "gunicorn.conf.py"]
    if worker_class:
        command += ["--worker-class", worker_class]
    command.append(wsgi)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(process, port, log_path, postmaster_pid)
    try:
        _wait_until_serving(server)
        server.rss.start()
        yield server
    finally:
        if server.rss.is_alive():
            server.rss.stop()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wrk_command(wrk, base, method, path, tokens_file, bodies_file, ids, seconds, connections):
    threads = 1 if connections < 16 else 2
    ids_arg = f"{ids[0]}-{ids[1]}" if ids else "-"
    return [
        wrk, "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--timeout", "10s",
        "-s", str(LUA_SCRIPT), base, "--",
        method, path, str(tokens_file or "-"), str(bodies_file or "-"), ids_arg,
    ]  # fmt: skip


def parse_wrk(output):
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON ") :])
    raise RuntimeError(f"wrk printed no summary:\n{output}")


def run_wrk(command, cpu=None):
    """wrk's summary; with a CpuMeter, also the CPU ms per request of the app and the database."""
    before = cpu.snapshot() if cpu else None
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    summary = parse_wrk(result.stdout)
    if cpu and summary["requests"]:
        app, database = CpuMeter.used(before, cpu.snapshot())
        summary["app_cpu_ms"] = 1000 * app / summary["requests"]
        summary["db_cpu_ms"] = 1000 * database / summary["requests"]
    return summary


def start_wrk(command):
    """wrk in the background (for a concurrent load); finish it with finish_wrk."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process):
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err or out}")
    return parse_wrk(out)
