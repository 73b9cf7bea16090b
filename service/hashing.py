"""Password hashing on a bounded pool of low-priority threads, one thread per usable core.

A hash at OWASP strength costs about half a second of CPU and 128 MiB. Three rules keep it
from starving everything else:

- **Every core can hash, whichever worker holds the logins.** Each worker process has its
  own pool of PASSWORD_HASH_THREADS threads (default: the cores this process may run on).
  hashlib's scrypt and pbkdf2_hmac release the GIL while OpenSSL computes (measured: two
  threads of one process use two cores; bench/RESULTS.md), so four logins on one worker use
  both cores just as four logins spread over two workers do.
- **Other requests go first.** The hash threads run at a lower CPU priority (nice 10): when
  the CPU is contended the request threads win, when it is idle a hash runs at full speed.
- **The queue is bounded.** At most PASSWORD_HASH_THREADS + PASSWORD_HASH_QUEUE_LIMIT
  requests of a worker may be hashing or waiting to hash; one more is answered 503 with
  Retry-After at once, before it does any database work, instead of waiting behind the others
  while it holds one of the worker's request threads.

A request takes its place with `capacity()` before its cheap checks (so an overloaded worker
refuses at once), or implicitly at its first hash. A request gives its idle database connection
back to the pool while its hash waits and runs.
"""

import os
import statistics
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from flask import current_app, has_app_context
from werkzeug import security as werkzeug_security

from service import db
from service.config import settings
from service.errors import abort

HASH_NICENESS = 10
# A method's typical duration is the median of its last RECENT hashes in this process.
RECENT = 9

_local = threading.local()


def _lower_priority():
    with suppress(AttributeError, OSError):  # not Linux, or not permitted: the normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def usable_cores():
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class PasswordHasher:
    """One process's hash threads, the bound on its queue, and how long each method takes."""

    def __init__(self, threads, queue_limit):
        self.threads = threads
        self.capacity = threads + queue_limit
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="password-hash", initializer=_lower_priority
        )
        self._recent_seconds = {}

    def try_acquire(self):
        return self._slots.acquire(blocking=False)

    def release(self):
        self._slots.release()

    def run(self, method, function, *args):
        """Run function on a hash thread; returns (result, seconds it computed)."""
        return self._pool.submit(self._timed, method, function, *args).result()

    def _timed(self, method, function, *args):
        started = time.perf_counter()
        result = function(*args)
        seconds = time.perf_counter() - started
        self._recent_seconds.setdefault(method, deque(maxlen=RECENT)).append(seconds)
        return result, seconds

    def typical_seconds(self, method):
        """How long a hash of this method has recently taken here: the median of the last RECENT
        (None before the first)."""
        recent = self._recent_seconds.get(method)
        return statistics.median(recent) if recent else None


_fallback = {}
_fallback_lock = threading.Lock()


def hasher():
    """This app's hasher in this process (made on first use, so a forked worker makes its own)."""
    if has_app_context():
        extensions = current_app.extensions
        config = settings()
    else:  # a script outside any app (seed, tools): the default sizes
        extensions, config = _fallback, None
    with _fallback_lock:
        current = extensions.get("password_hasher")
        if current is None or current.pid != os.getpid():
            threads = (config.PASSWORD_HASH_THREADS if config else None) or usable_cores()
            queue_limit = config.PASSWORD_HASH_QUEUE_LIMIT if config else 2 * threads
            current = extensions["password_hasher"] = PasswordHasher(threads, queue_limit)
        return current


def _refuse():
    wait = settings().RETRY_AFTER_SECONDS if has_app_context() else 1
    abort(
        503,
        "Too many password checks in progress; try again shortly",
        headers={"Retry-After": str(wait)},
    )


@contextmanager
def capacity():
    """Hold a place in this worker's hash queue for the block, or answer 503 at once.

    Nested uses (and the hashes inside) share the place already held by this thread.
    """
    if getattr(_local, "held", 0):
        _local.held += 1
        try:
            yield
        finally:
            _local.held -= 1
        return
    current = hasher()
    if not current.try_acquire():
        _refuse()
    _local.held = 1
    try:
        yield
    finally:
        _local.held = 0
        current.release()


def _on_hash_thread(method, function, *args):
    with capacity():
        if has_app_context():
            db.release_idle_connection()  # no pooled connection is held while a hash waits and runs
        return hasher().run(method, function, *args)


def method_of(pwhash):
    return pwhash.split("$", 1)[0]


def generate_password_hash(password, method):
    """werkzeug's generate_password_hash, on a hash thread."""
    result, _ = _on_hash_thread(method, werkzeug_security.generate_password_hash, password, method)
    return result


def check_password_hash(pwhash, password):
    """werkzeug's check_password_hash on a hash thread: (matches, seconds it computed)."""
    return _on_hash_thread(method_of(pwhash), werkzeug_security.check_password_hash, pwhash, password)


def typical_seconds(method):
    return hasher().typical_seconds(method)
