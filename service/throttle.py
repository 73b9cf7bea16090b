"""Login throttling: failed sign-ins counted per account and per client address.

The counters live in PostgreSQL (table login_throttle, queries in sql/throttle.sql), so every
worker and every instance sees the same counts. A sign-in costs one extra statement (the check);
a failure adds one (the count); a success after earlier failures adds one (the reset).

Once an account (or an address) reaches its limit of failures, sign-ins are refused with 429 and
Retry-After for LOGIN_LOCKOUT_SECONDS; each further failure after a lock ends doubles the next
lock, up to LOGIN_MAX_LOCKOUT_SECONDS. Locks are derived from the last failure's time, so they
always end by themselves, and failures are forgotten after LOGIN_FAILURE_WINDOW_SECONDS.
"""

import hashlib
from dataclasses import dataclass

from flask import request

from service.config import settings
from service.db import queries
from service.errors import abort
from service.metrics import count_login
from service.queries import returns

returns("throttle.get_login_lockout", "retry_after_seconds", "account_failures")


@dataclass(frozen=True)
class LoginAttempt:
    account: str
    address: str
    earlier_failures: int


def _config():
    return settings()


def account_subject(login_name, user):
    """The counter of a known account is its id (username and email share it); an unknown name
    gets its own counter, stored as a hash, so it behaves exactly like a real account."""
    if user is not None:
        return f"user:{user['id']}"
    digest = hashlib.sha256(login_name.strip().lower().encode()).hexdigest()
    return f"login:{digest}"


def address_subject():
    return f"ip:{(request.remote_addr or 'unknown')[:64]}"


def check_login(login_name, user):
    """The attempt's counters; answers 429 with Retry-After when the account or address is locked."""
    config = _config()
    attempt_account = account_subject(login_name, user)
    attempt_address = address_subject()
    lockout = queries.throttle.get_login_lockout(
        account_subject=attempt_account,
        address_subject=attempt_address,
        account_allowance=config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        address_allowance=config.LOGIN_MAX_FAILURES_PER_ADDRESS,
        lockout_seconds=config.LOGIN_LOCKOUT_SECONDS,
        max_lockout_seconds=config.LOGIN_MAX_LOCKOUT_SECONDS,
    )
    wait = lockout["retry_after_seconds"]
    if wait > 0:
        count_login("throttled")
        abort(
            429,
            f"Too many failed sign-in attempts; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    return LoginAttempt(attempt_account, attempt_address, lockout["account_failures"])


def record_failure(attempt):
    queries.throttle.record_login_failure(
        account_subject=attempt.account,
        address_subject=attempt.address,
        window_seconds=_config().LOGIN_FAILURE_WINDOW_SECONDS,
    )


def record_success(attempt):
    """A successful sign-in forgets the account's failures (not the address's)."""
    if attempt.earlier_failures:
        queries.throttle.reset_account_login_failures(account_subject=attempt.account)


def forget_after_seconds(config):
    """Counters older than this can neither lock nor count: safe to delete."""
    return max(config.LOGIN_FAILURE_WINDOW_SECONDS, config.LOGIN_MAX_LOCKOUT_SECONDS)
