-- Throttling counters (login_throttle): every password check and every registration is
-- counted BEFORE its hash runs, inside one short transaction (lock_counters, then
-- count_attempt), so however many arrive at once at most the allowance get through.
-- A subject is "login:<sha256 of the typed name>" (scope account), "pair:<sha256 of name and
-- address>" (scope pair) or "ip:<address>" (scopes address and register). A lock is derived
-- from the counters when an attempt is counted, never stored, so it always ends by itself.

-- name: lock_counters(scopes, subjects)!
-- Create (when missing) and lock the counters of one attempt, in the order given: every
-- caller passes its scopes in one order (account, pair, address), so two attempts never wait
-- for each other in a circle. A new row counts nothing and may be forgotten at once.
INSERT INTO login_throttle AS t (scope, subject, failures, last_failure_at, forget_at)
SELECT
    c.scope,
    c.subject,
    0 AS failures,
    now() AS last_failure_at,
    now() AS forget_at
FROM unnest(:scopes::TEXT[], :subjects::TEXT[]) WITH ORDINALITY AS c (scope, subject, position)
ORDER BY c.position
ON CONFLICT (scope, subject) DO UPDATE SET failures = t.failures;

-- name: count_attempt(scopes, subjects, allowances, known_pair_subject, known_address_seconds, lockout_seconds, max_lockout_seconds, window_seconds, forget_after_seconds)^
-- Count one attempt on every counter given, unless one of them is locked; answers the seconds
-- until the attempt may be made (0: it was counted and may go ahead). A counter whose attempts
-- reach its allowance is locked for lockout_seconds after its last attempt, doubled by each
-- further one, at most max_lockout_seconds; counts older than window_seconds are forgotten.
-- The account-wide counter does not lock a known address: one from which this name signed
-- in within known_address_seconds (known_pair_subject's last_success_at). Run after
-- lock_counters in the same transaction: the rows are locked, so the decision is exact.
WITH wanted AS (
    SELECT
        w.scope,
        w.subject,
        w.allowance
    FROM unnest(:scopes::TEXT[], :subjects::TEXT[], :allowances::INTEGER[]) AS w (scope, subject, allowance)
),

known AS (
    SELECT coalesce(bool_or(t.last_success_at > now() - make_interval(secs => :known_address_seconds)), FALSE) AS known
    FROM login_throttle AS t
    WHERE t.scope = 'pair' AND t.subject = :known_pair_subject
),

counters AS (
    SELECT
        t.scope,
        t.last_failure_at,
        t.failures - w.allowance AS excess
    FROM login_throttle AS t
    INNER JOIN wanted AS w ON t.scope = w.scope AND t.subject = w.subject
    WHERE t.last_failure_at > now() - make_interval(secs => :window_seconds)
),

locks AS (
    SELECT
        c.last_failure_at + make_interval(
            secs => least(:lockout_seconds * power(2, least(c.excess, 20)), :max_lockout_seconds)
        ) AS unlocks_at
    FROM counters AS c
    CROSS JOIN known AS k
    WHERE c.excess >= 0 AND NOT (c.scope = 'account' AND k.known)
),

verdict AS (
    SELECT greatest(ceil(extract(EPOCH FROM max(l.unlocks_at) - now())), 0)::INTEGER AS retry_after_seconds
    FROM locks AS l
),

counted AS (
    UPDATE login_throttle AS t
    SET
        failures = CASE
            WHEN t.last_failure_at > now() - make_interval(secs => :window_seconds) THEN t.failures + 1
            ELSE 1
        END,
        last_failure_at = now(),
        forget_at = greatest(t.forget_at, now() + make_interval(secs => :forget_after_seconds))
    FROM wanted AS w, verdict AS v
    WHERE t.scope = w.scope AND t.subject = w.subject AND v.retry_after_seconds = 0
    RETURNING t.scope
)

SELECT
    v.retry_after_seconds,
    (SELECT count(*) FROM counted) AS counted
FROM verdict AS v;

-- name: give_back_attempt(scopes, subjects, succeeded, known_address_seconds)!
-- An attempt that was counted and then either succeeded or never ran its check (the hash
-- queue was full) gives its count back. A success also resets its pair to zero and marks it
-- known: that address is then exempt from the account-wide limit for known_address_seconds.
UPDATE login_throttle AS t
SET
    failures = CASE WHEN :succeeded AND t.scope = 'pair' THEN 0 ELSE greatest(t.failures - 1, 0) END,
    last_success_at = CASE WHEN :succeeded AND t.scope = 'pair' THEN now() ELSE t.last_success_at END,
    forget_at = CASE
        WHEN :succeeded AND t.scope = 'pair'
            THEN greatest(t.forget_at, now() + make_interval(secs => :known_address_seconds))
        ELSE t.forget_at
    END
FROM unnest(:scopes::TEXT[], :subjects::TEXT[]) AS g (scope, subject)
WHERE t.scope = g.scope AND t.subject = g.subject;

-- name: delete_stale_login_counters(batch_size)$
-- Delete at most batch_size counters past their forget_at (oldest first).
WITH stale AS (
    SELECT
        scope,
        subject
    FROM login_throttle
    WHERE forget_at < now()
    ORDER BY forget_at
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
