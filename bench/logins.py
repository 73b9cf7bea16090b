"""Logins at the production password-hash cost: how they scale, and what they leave to others.

    .venv/bin/python -m bench.logins [--seconds 20] [--workers 2] [--threads 8]

Creates its own database on BENCH_DATABASE_URL's server (default the machine's
postgresql://postgres@127.0.0.1:5432/postgres), serves it with gunicorn.conf.py and
PASSWORD_HASH_METHOD=scrypt:131072:8:1, then measures, each for --seconds:

1. one client logging in back to back (one keep-alive connection, a new login as soon as the
   last one answered);
2. four such clients at once, with the production worker count: where the four connections land
   is up to the kernel;
3. four clients with a single worker, so every connection is on the same worker (the case
   where one hash thread per worker left the other core idle);
4. GET /auth/me with wrk (2 threads, 8 connections) alone, and while four clients log in;

and first, whether hashlib's scrypt releases the GIL: the CPU seconds per wall second of two
threads of one process hashing (about 2 if it does), against two threads of pure Python (at
most 1).

Prints one JSON object; bench/RESULTS.md ("Logins and the password-hash executor") quotes it.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.attack import PASSWORD, PRODUCTION_HASH, bench_database, register
from tests.live_server import live_server


class LoginClient(threading.Thread):
    """Logs one account in back to back on one keep-alive connection until stopped."""

    def __init__(self, port, username, stop):
        super().__init__(daemon=True)
        self.port, self.username, self.stop_event = port, username, stop
        self.ok, self.failed, self.statuses = 0, 0, {}
        self.durations = []

    def run(self):
        body = json.dumps({"username": self.username, "password": PASSWORD})
        headers = {"Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                conn.request("POST", "/auth/login", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status = 0
            self.durations.append(time.monotonic() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.ok += 1
            else:
                self.failed += 1
        conn.close()


def _scrypt_once():
    hashlib.scrypt(b"bench-password", salt=b"bench-salt-16byt", n=2**17, r=8, p=1, maxmem=2**28, dklen=64)


def _python_work():
    total = 0
    for n in range(3_000_000):
        total += n


def cores_used_by_two_threads(work, rounds=3):
    """CPU seconds per wall second while two threads of this process run `work` 3 times each:
    about 2 when the work releases the GIL (and two cores are free), at most 1 when it holds it."""
    ratios = []
    for _ in range(rounds):
        threads = [threading.Thread(target=lambda: [work() for _ in range(3)]) for _ in range(2)]
        wall, cpu = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ratios.append((time.process_time() - cpu) / (time.perf_counter() - wall))
    return round(max(ratios), 2)


def run_logins(port, usernames, seconds):
    stop = threading.Event()
    clients = [LoginClient(port, name, stop) for name in usernames]
    started = time.monotonic()
    for client in clients:
        client.start()
    time.sleep(seconds)
    stop.set()
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started  # includes the logins that were in flight at the stop
    durations = sorted(d for client in clients for d in client.durations)
    statuses = {}
    for client in clients:
        for status, count in client.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    return {
        "clients": len(clients),
        "logins": sum(client.ok for client in clients),
        "failed": sum(client.failed for client in clients),
        "statuses": statuses,
        "logins_per_s": round(sum(client.ok for client in clients) / elapsed, 2),
        "p50_s": round(durations[len(durations) // 2], 3) if durations else None,
        "max_s": round(durations[-1], 3) if durations else None,
    }


def wrk_me(base, token, seconds):
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (Debian package wrk)"}
    output = subprocess.run(
        [wrk, "-t2", "-c8", f"-d{int(seconds)}s", "-H", f"Authorization: Bearer {token}", base + "/auth/me"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"req_per_s": rate, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def me_during_logins(server, token, usernames, seconds):
    stop = threading.Event()
    clients = [LoginClient(server.port, name, stop) for name in usernames]
    for client in clients:
        client.start()
    time.sleep(1.0)  # the logins are under way
    me = wrk_me(server.base, token, seconds)
    stop.set()
    for client in clients:
        client.join()
    return me, {"logins": sum(c.ok for c in clients), "failed": sum(c.failed for c in clients)}


def serve(url, logs, workers, threads):
    env = {
        "PASSWORD_HASH_METHOD": PRODUCTION_HASH,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "SEED_SAMPLE_DATA": "false",
    }
    return live_server(url, logs, **env)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    usernames = [f"login{i}" for i in range(4)]
    result = {"hash": PRODUCTION_HASH, "cores": len(os.sched_getaffinity(0)), "load_before": os.getloadavg()}
    result["cpu_per_wall_two_threads"] = {
        "scrypt_n17": cores_used_by_two_threads(_scrypt_once),
        "pure_python": cores_used_by_two_threads(_python_work),
    }
    with bench_database() as url, tempfile.TemporaryDirectory(prefix="urtraining-logins-") as logs:
        with serve(url, Path(logs), args.workers, args.threads) as server:
            for name in [*usernames, "reader"]:
                status, _ = register(server.base, name, f"{name}@example.org")
                assert status == 201, status
            token = server.login("reader", PASSWORD)
            result["one_client"] = run_logins(server.port, usernames[:1], args.seconds)
            result["four_clients"] = run_logins(server.port, usernames, args.seconds)
            result["me_alone"] = wrk_me(server.base, token, args.seconds / 2)
            result["me_during_logins"], result["logins_during_me"] = me_during_logins(
                server, token, usernames, args.seconds / 2
            )
        with serve(url, Path(logs), 1, args.threads) as server:
            result["four_clients_one_worker"] = run_logins(server.port, usernames, args.seconds)
    one = result["one_client"]["logins_per_s"]
    result["scaling_four_vs_one"] = round(result["four_clients"]["logins_per_s"] / one, 2) if one else None
    result["scaling_four_on_one_worker_vs_one"] = (
        round(result["four_clients_one_worker"]["logins_per_s"] / one, 2) if one else None
    )
    alone = result["me_alone"].get("req_per_s")
    during = result["me_during_logins"].get("req_per_s")
    result["me_kept_fraction"] = round(during / alone, 2) if alone and during else None
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    main()
