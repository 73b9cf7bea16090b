"""Password hashing on one low-priority thread per process, so logins cannot starve the rest.

A hash at OWASP strength costs about half a second of CPU and 128 MiB. Run on the request
threads, four clients logging in back to back took both cores from every other request
(bench/RESULTS.md: GET /auth/me fell to a fifth of its throughput). Here each worker process
hashes on one thread whose CPU priority is lowered (nice 10): when the CPU is contended other
requests go first and logins wait their turn; when it is idle a login runs at full speed. At
most one hash per worker is in memory at a time, and a request gives its idle database
connection back to the pool while its hash waits and runs.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from flask import has_app_context
from werkzeug import security as werkzeug_security

from service import db

HASH_THREADS = 1
HASH_NICENESS = 10

_lock = threading.Lock()
_executor = None
_executor_pid = None


def _lower_priority():
    with suppress(AttributeError, OSError):  # not Linux, or not permitted: the normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def _hash_thread():
    """This process's hashing executor (a forked child makes its own)."""
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(
                max_workers=HASH_THREADS, thread_name_prefix="password-hash", initializer=_lower_priority
            )
            _executor_pid = os.getpid()
        return _executor


def _on_hash_thread(function, *args, **kwargs):
    if has_app_context():
        db.release_idle_connection()  # no pooled connection is held while a hash waits and runs
    return _hash_thread().submit(function, *args, **kwargs).result()


def generate_password_hash(password, method):
    """werkzeug's generate_password_hash, on the hashing thread."""
    return _on_hash_thread(werkzeug_security.generate_password_hash, password, method=method)


def check_password_hash(pwhash, password):
    """werkzeug's check_password_hash, on the hashing thread."""
    return _on_hash_thread(werkzeug_security.check_password_hash, pwhash, password)
