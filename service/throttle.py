"""Throttling of password checks and registrations, counted before the hash runs.

The counters live in PostgreSQL (table login_throttle, queries in sql/throttle.sql), so every
worker and every instance shares them. An attempt is counted first, in one short transaction
that locks its counters; only an attempt that was counted may run its (expensive) password
check, so however many arrive at once, at most the allowance are checked. A successful check
gives its count back (and resets its account-and-address pair); a failed one keeps it.

A password check is counted three times:

- per account and address ("pair"): LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS (5) — the limit
  a guesser at one address meets first;
- per account over all addresses ("account"): LOGIN_MAX_FAILURES_PER_ACCOUNT (20) — slows a
  guesser spread over many addresses, but does not apply at an address from which that name
  signed in successfully within LOGIN_KNOWN_ADDRESS_DAYS: failures elsewhere cannot lock the
  owner out at home;
- per address over all names ("address"): LOGIN_MAX_FAILURES_PER_ADDRESS (50).

"Account" means the sign-in name as typed, trimmed and lower-cased, stored only as a hash: a
username and its email are counted apart, so the counters cannot tell that they are one
account, and a name without an account is throttled exactly like one with it.

Reaching a limit refuses further attempts with 429 and Retry-After for LOGIN_LOCKOUT_SECONDS
after the last counted one, doubled by each attempt counted after a lock ended, at most
LOGIN_MAX_LOCKOUT_SECONDS; counts are forgotten LOGIN_FAILURE_WINDOW_SECONDS after the last.
Refused attempts are not counted, so they cannot extend a lock. Registrations are counted per
address ("register": REGISTRATIONS_PER_ADDRESS, then the same locks).
"""

import hashlib
from dataclasses import dataclass

from flask import request

from service.config import settings
from service.db import queries, transaction
from service.errors import abort
from service.queries import returns

returns("throttle.count_attempt", "retry_after_seconds")

DAY = 24 * 3600


@dataclass(frozen=True)
class Attempt:
    """A counted attempt: the counters it was counted on."""

    scopes: tuple
    subjects: tuple


def normalised_name(typed_name):
    return typed_name.strip().lower()


def account_subject(typed_name):
    """The counter of a typed sign-in name: a hash, so no typed text (perhaps a password typed
    into the wrong field) is stored."""
    digest = hashlib.sha256(normalised_name(typed_name).encode()).hexdigest()
    return f"login:{digest}"


def address_subject():
    return f"ip:{(request.remote_addr or 'unknown')[:64]}"


def pair_subject(account, address):
    return "pair:" + hashlib.sha256(f"{account}\n{address}".encode()).hexdigest()


def _refuse(wait, what):
    abort(429, f"Too many {what}; try again in {wait} seconds", headers={"Retry-After": str(wait)})


def _count(scopes, subjects, allowances, known_pair_subject=None):
    """Count one attempt on these counters; the seconds to wait when one of them is locked."""
    config = settings()
    with transaction():
        queries.throttle.lock_counters(scopes=list(scopes), subjects=list(subjects))
        verdict = queries.throttle.count_attempt(
            scopes=list(scopes),
            subjects=list(subjects),
            allowances=list(allowances),
            known_pair_subject=known_pair_subject,
            known_address_seconds=config.LOGIN_KNOWN_ADDRESS_DAYS * DAY,
            lockout_seconds=config.LOGIN_LOCKOUT_SECONDS,
            max_lockout_seconds=config.LOGIN_MAX_LOCKOUT_SECONDS,
            window_seconds=config.LOGIN_FAILURE_WINDOW_SECONDS,
            forget_after_seconds=forget_after_seconds(config),
        )
    return verdict["retry_after_seconds"]


def count_password_check(typed_name):
    """Count a password check for this sign-in name from this request's address, before it runs.

    Answers 429 with Retry-After (and counts nothing) while any of its counters is locked.
    """
    config = settings()
    account, address = account_subject(typed_name), address_subject()
    pair = pair_subject(account, address)
    attempt = Attempt(("account", "pair", "address"), (account, pair, address))
    wait = _count(
        attempt.scopes,
        attempt.subjects,
        (
            config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
            config.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
            config.LOGIN_MAX_FAILURES_PER_ADDRESS,
        ),
        known_pair_subject=pair,
    )
    if wait:
        _refuse(wait, "failed sign-in attempts")
    return attempt


def count_registration():
    """Count a registration from this request's address before its password is hashed (429 at the limit)."""
    wait = _count(("register",), (address_subject(),), (settings().REGISTRATIONS_PER_ADDRESS,))
    if wait:
        _refuse(wait, "registrations from this address")


def succeeded(attempt):
    """The check passed: give the count back, reset the pair and mark this address known."""
    queries.throttle.give_back_attempt(
        scopes=list(attempt.scopes),
        subjects=list(attempt.subjects),
        succeeded=True,
        known_address_seconds=settings().LOGIN_KNOWN_ADDRESS_DAYS * DAY,
    )


def forget_after_seconds(config):
    """A count older than this can neither lock nor count: its row may be deleted."""
    return max(config.LOGIN_FAILURE_WINDOW_SECONDS, config.LOGIN_MAX_LOCKOUT_SECONDS)
