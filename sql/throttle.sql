-- Login throttling counters (login_throttle). A subject is an account ("user:<id>", or
-- "login:<sha256 of the name>" for a sign-in name that matches no account) or a client
-- address. A lock is derived from the counters when a sign-in is checked, never stored.

-- name: get_login_lockout(account_subject, address_subject, account_allowance, address_allowance, lockout_seconds, max_lockout_seconds)^
-- Seconds until sign-ins for this account or from this address are accepted again (0: now),
-- and the account's failure count. A subject whose failures reach its allowance is locked for
-- lockout_seconds after its last failure, doubled by each further failure, at most max_lockout_seconds.
WITH counters AS (
    SELECT
        t.scope,
        t.failures,
        t.last_failure_at,
        t.failures - CASE t.scope WHEN 'account' THEN :account_allowance ELSE :address_allowance END AS excess
    FROM login_throttle AS t
    WHERE
        (t.scope = 'account' AND t.subject = :account_subject)
        OR (t.scope = 'address' AND t.subject = :address_subject)
),

locks AS (
    SELECT
        c.scope,
        c.failures,
        CASE
            WHEN c.excess >= 0
                THEN c.last_failure_at + make_interval(
                    secs => least(:lockout_seconds * power(2, least(c.excess, 20)), :max_lockout_seconds)
                )
        END AS unlocks_at
    FROM counters AS c
)

SELECT
    greatest(ceil(extract(EPOCH FROM max(l.unlocks_at) - now())), 0)::INTEGER AS retry_after_seconds,
    coalesce(max(l.failures) FILTER (WHERE l.scope = 'account'), 0) AS account_failures
FROM locks AS l;

-- name: record_login_failure(account_subject, address_subject, window_seconds)!
-- Count one failed sign-in for the account and for the address. A count whose last failure
-- is older than window_seconds is forgotten: it starts again at one.
INSERT INTO login_throttle AS t (scope, subject, failures, last_failure_at)
VALUES ('account', :account_subject, 1, now()), ('address', :address_subject, 1, now())
ON CONFLICT (scope, subject) DO UPDATE
    SET
        failures = CASE
            WHEN t.last_failure_at > now() - make_interval(secs => :window_seconds) THEN t.failures + 1
            ELSE 1
        END,
        last_failure_at = now();

-- name: reset_account_login_failures(account_subject)!
-- Forget an account's failed sign-ins (after a successful one). The address count stays.
DELETE FROM login_throttle
WHERE scope = 'account' AND subject = :account_subject;

-- name: delete_stale_login_counters(forget_after_seconds, batch_size)$
-- Delete at most batch_size counters whose last failure is older than forget_after_seconds.
WITH stale AS (
    SELECT
        scope,
        subject
    FROM login_throttle
    WHERE last_failure_at < now() - make_interval(secs => :forget_after_seconds)
    ORDER BY last_failure_at
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
),

deleted AS (
    DELETE FROM login_throttle AS t
    USING stale AS s
    WHERE t.scope = s.scope AND t.subject = s.subject
    RETURNING t.subject
)

SELECT count(*) AS deleted FROM deleted;
