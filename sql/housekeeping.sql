-- Maintenance: deleting what has expired and compacting the maintained counts, in bounded
-- batches (service/housekeeping.py; `flask cleanup`, `flask recount` and the scheduled cleanup).
-- Locks are transaction-level advisory locks, so they work through PgBouncer's transaction
-- pooling (a session lock would stay with whichever server connection took it).

-- name: try_lock_cleanup()$
-- Claim this run of the scheduled cleanup for this transaction; false when another process
-- (a worker, another instance, `flask cleanup`) is running one: then this one skips its turn.
SELECT pg_try_advisory_xact_lock(hashtext('urtraining.cleanup')) AS locked;

-- name: lock_cleanup()$
-- Wait for any cleanup run in progress, then hold the cleanup lock until this transaction ends.
SELECT pg_advisory_xact_lock(hashtext('urtraining.cleanup')) IS NULL AS locked;

-- name: lock_counters_for_compaction()$
-- Compactions may run side by side, but not while a recount rebuilds the counts (shared lock).
SELECT pg_advisory_xact_lock_shared(hashtext('urtraining.counters')) IS NULL AS locked;

-- name: lock_counters_for_recount()$
-- A recount waits for compactions in progress and keeps new ones out until it commits.
SELECT pg_advisory_xact_lock(hashtext('urtraining.counters')) IS NULL AS locked;

-- name: delete_expired_sessions(retention_seconds, batch_size)$
-- Delete at most batch_size sessions that expired more than retention_seconds ago, oldest
-- first; returns how many. Locked rows (another cleanup's) are skipped, not waited for. The
-- ids go to the DELETE as an array, so it finds them by primary key: a join with the CTE was
-- planned as a hash join over a sequential scan of the whole table.
WITH expired AS (
    SELECT id
    FROM active_sessions
    WHERE expires_at <= now() - make_interval(secs => :retention_seconds)
    ORDER BY expires_at
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
),

deleted AS (
    DELETE FROM active_sessions
    WHERE id = any(array(SELECT id FROM expired))
    RETURNING id
)

SELECT count(*) AS deleted FROM deleted;

-- name: last_counter_delta_id()$
-- The newest row of counter_deltas now: a compaction run works through the rows up to it, so
-- the rows it writes itself are left for the next run.
SELECT coalesce(max(id), 0) AS last_id FROM counter_deltas;

-- name: compact_counter_deltas(up_to_id, batch_size)^
-- Replace at most batch_size rows of counter_deltas (ids up to up_to_id, oldest first) by one
-- row per counter and bucket holding their sum; sums of zero and sign-up hours older than
-- 8 days (never read: /admin/stats counts 7 days) are not written. Returns how many rows were
-- read (taken) and how many fewer there are now (removed). A writer's uncommitted rows are not
-- seen, so they are left as they are.
WITH gone AS (
    DELETE FROM counter_deltas
    WHERE
        id = any(array(
            SELECT id
            FROM counter_deltas
            WHERE id <= :up_to_id
            ORDER BY id
            LIMIT :batch_size
        ))
    RETURNING counter, bucket, delta
),

sums AS (
    SELECT
        counter,
        bucket,
        sum(delta)::BIGINT AS delta
    FROM gone
    GROUP BY counter, bucket
),

kept AS (
    INSERT INTO counter_deltas (counter, bucket, delta)
    SELECT
        counter,
        bucket,
        delta
    FROM sums
    WHERE
        delta <> 0
        AND NOT (
            counter = 'signups_hour'
            AND bucket < floor(extract(EPOCH FROM now() - INTERVAL '8 days') / 3600)
        )
    RETURNING id
)

SELECT
    (SELECT count(*) FROM gone) AS taken,
    (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept) AS removed;

-- name: recount_counters()
-- Rebuild every maintained count from the tables (under lock_counters_for_recount). One
-- statement, one snapshot: it deletes the counter rows it sees and writes the counts of the
-- same snapshot, so rows that writers commit meanwhile are neither lost nor counted twice.
-- Returns each counter's total before and after (sign-ups: the last 8 days).
WITH gone AS (
    DELETE FROM counter_deltas
    RETURNING counter, bucket, delta
),

exact AS (
    SELECT
        k.counter,
        k.bucket,
        count(*) AS delta
    FROM users AS u
    CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
    WHERE k.counter <> 'signups_hour' OR u.created_at >= now() - INTERVAL '8 days'
    GROUP BY k.counter, k.bucket
    UNION ALL
    SELECT
        'profiled_users' AS counter,
        0 AS bucket,
        count(*) AS delta
    FROM training_profiles
    WHERE user_id IS NOT NULL
),

written AS (
    INSERT INTO counter_deltas (counter, bucket, delta)
    SELECT
        counter,
        bucket,
        delta
    FROM exact
    WHERE delta <> 0
    RETURNING counter, delta
),

counters AS (
    SELECT c.counter
    FROM (VALUES ('user_id_block'), ('active_users'), ('profiled_users'), ('signups_hour')) AS c (counter)
)

SELECT
    c.counter,
    (
        SELECT coalesce(sum(g.delta), 0)
        FROM gone AS g
        WHERE
            g.counter = c.counter
            AND (
                g.counter <> 'signups_hour'
                OR g.bucket >= floor(extract(EPOCH FROM now() - INTERVAL '8 days') / 3600)
            )
    )::BIGINT AS before,
    (
        SELECT coalesce(sum(w.delta), 0) FROM written AS w
        WHERE w.counter = c.counter
    )::BIGINT AS after
FROM counters AS c;
