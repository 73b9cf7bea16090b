-- Exact counts that never make two writers wait for each other: counter_deltas replaces the
-- one-row user_count of 0004, whose single row every registration and deletion had to update
-- (a registration waited behind any open transaction that had inserted or deleted a user).
--
-- Statement-level triggers on users and training_profiles only ever INSERT rows here, one per
-- counter and bucket that a statement changed, so concurrent writers touch different rows.
-- A count is the sum of its rows (sql/admin.sql); the scheduled cleanup compacts the rows of
-- each counter and bucket into one, and `flask recount` rebuilds every count from the tables.
--
-- Counters (the bucket says which part of the counter a row belongs to):
--   user_id_block   accounts whose id is in block `bucket` (ids bucket*10000 .. bucket*10000+9999):
--                   their sum is the number of accounts, and a numbered page of the admin user
--                   list finds its first id from them instead of skipping every earlier account.
--   active_users    accounts with is_active true (bucket 0).
--   profiled_users  training profiles that belong to an account (bucket 0).
--   signups_hour    accounts created in hour `bucket` (hours since 1970-01-01 00:00 UTC), for
--                   the last week's sign-ups; buckets older than 8 days are deleted by cleanup.
--
-- The initial counts are taken after the triggers exist, inside this migration's transaction:
-- CREATE TRIGGER holds a lock that keeps writers (not readers) out until the migration commits,
-- so an account inserted meanwhile is counted exactly once (0004 counted before creating its
-- triggers). At 1M accounts the count takes about a second. 0011 then drops user_count.

CREATE TABLE counter_deltas (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    counter TEXT NOT NULL,
    bucket BIGINT NOT NULL DEFAULT 0,
    delta BIGINT NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    CONSTRAINT counter_deltas_counter_values CHECK (
        counter IN ('user_id_block', 'active_users', 'profiled_users', 'signups_hour')
    )
);

COMMENT ON TABLE counter_deltas IS
'Changes to maintained counts, appended by statement triggers on users and training_profiles; '
'a count is the sum of its rows. Insert-only for writers, so registrations never wait on each other. '
'Compacted (one row per counter and bucket) by the scheduled cleanup; rebuilt by flask recount.';
COMMENT ON COLUMN counter_deltas.id IS
'Row identity, increasing: compaction works through rows up to an id in bounded batches.';
COMMENT ON COLUMN counter_deltas.counter IS
'What is counted: user_id_block (accounts per block of 10000 ids), active_users (is_active true), '
'profiled_users (training profiles with an account), signups_hour (accounts created per UTC hour).';
COMMENT ON COLUMN counter_deltas.bucket IS
'Part of the counter: the id block (id div 10000) for user_id_block, hours since 1970-01-01 UTC '
'for signups_hour, 0 for the other counters.';
COMMENT ON COLUMN counter_deltas.delta IS
'Change in the count (rows added minus rows removed by one statement, or a compacted sum).';
COMMENT ON COLUMN counter_deltas.recorded_at IS
'When the row was written (start of the writing transaction): how far behind compaction is.';

-- What one account or profile counts towards: the single definition the triggers, the initial
-- count and the recount share.
CREATE FUNCTION user_counter_keys(user_id INTEGER, is_active BOOLEAN, created_at TIMESTAMP WITH TIME ZONE)
RETURNS TABLE (counter TEXT, bucket BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT 'user_id_block', floor(user_id / 10000.0)::BIGINT
    UNION ALL
    SELECT 'active_users', 0 WHERE is_active
    UNION ALL
    SELECT 'signups_hour', floor(extract(EPOCH FROM created_at) / 3600)::BIGINT WHERE created_at IS NOT NULL
$$;

COMMENT ON FUNCTION user_counter_keys(INTEGER, BOOLEAN, TIMESTAMP WITH TIME ZONE) IS
'The counters (and buckets) one account counts towards; used by the triggers, the initial count '
'and flask recount.';

CREATE FUNCTION count_user_changes() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO counter_deltas (counter, bucket, delta)
        SELECT k.counter, k.bucket, count(*)
        FROM new_users AS u
        CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
        GROUP BY k.counter, k.bucket;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO counter_deltas (counter, bucket, delta)
        SELECT k.counter, k.bucket, -count(*)
        FROM old_users AS u
        CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
        GROUP BY k.counter, k.bucket;
    ELSE
        INSERT INTO counter_deltas (counter, bucket, delta)
        SELECT c.counter, c.bucket, sum(c.delta)
        FROM (
            SELECT k.counter, k.bucket, 1 AS delta
            FROM new_users AS u
            CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
            UNION ALL
            SELECT k.counter, k.bucket, -1 AS delta
            FROM old_users AS u
            CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
        ) AS c
        GROUP BY c.counter, c.bucket
        HAVING sum(c.delta) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION count_profile_changes() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO change FROM new_profiles WHERE user_id IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT -count(*) INTO change FROM old_profiles WHERE user_id IS NOT NULL;
    ELSE
        SELECT (SELECT count(*) FROM new_profiles WHERE user_id IS NOT NULL)
            - (SELECT count(*) FROM old_profiles WHERE user_id IS NOT NULL)
        INTO change;
    END IF;
    IF change <> 0 THEN
        INSERT INTO counter_deltas (counter, delta) VALUES ('profiled_users', change);
    END IF;
    RETURN NULL;
END;
$$;

-- TRUNCATE empties a counted table: its counters start again from nothing. The lock waits for
-- a compaction or recount in progress, so the DELETE sees the rows they wrote.
CREATE FUNCTION reset_counters_of_truncated_table() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE counter_deltas IN EXCLUSIVE MODE;
    IF TG_TABLE_NAME = 'users' THEN
        DELETE FROM counter_deltas WHERE counter IN ('user_id_block', 'active_users', 'signups_hour');
    ELSE
        DELETE FROM counter_deltas WHERE counter = 'profiled_users';
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION count_user_changes() IS
'Statement trigger on users: appends the change of each counter and bucket to counter_deltas.';
COMMENT ON FUNCTION count_profile_changes() IS
'Statement trigger on training_profiles: appends the change of profiled_users to counter_deltas.';
COMMENT ON FUNCTION reset_counters_of_truncated_table() IS
'TRUNCATE trigger on users and training_profiles: deletes the rows of their counters.';

CREATE TRIGGER users_counted_on_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_users
FOR EACH STATEMENT EXECUTE FUNCTION count_user_changes();

CREATE TRIGGER users_counted_on_update AFTER UPDATE ON users
REFERENCING OLD TABLE AS old_users NEW TABLE AS new_users
FOR EACH STATEMENT EXECUTE FUNCTION count_user_changes();

CREATE TRIGGER users_counted_on_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS old_users
FOR EACH STATEMENT EXECUTE FUNCTION count_user_changes();

CREATE TRIGGER users_counters_reset_on_truncate AFTER TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION reset_counters_of_truncated_table();

CREATE TRIGGER training_profiles_counted_on_insert AFTER INSERT ON training_profiles
REFERENCING NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION count_profile_changes();

CREATE TRIGGER training_profiles_counted_on_update AFTER UPDATE ON training_profiles
REFERENCING OLD TABLE AS old_profiles NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION count_profile_changes();

CREATE TRIGGER training_profiles_counted_on_delete AFTER DELETE ON training_profiles
REFERENCING OLD TABLE AS old_profiles
FOR EACH STATEMENT EXECUTE FUNCTION count_profile_changes();

CREATE TRIGGER training_profiles_counters_reset_on_truncate AFTER TRUNCATE ON training_profiles
FOR EACH STATEMENT EXECUTE FUNCTION reset_counters_of_truncated_table();

-- The counts as they are now (after the triggers exist: see the header). Sign-up buckets older
-- than the last 8 days are never read, so they are not written.
INSERT INTO counter_deltas (counter, bucket, delta)
SELECT
    k.counter,
    k.bucket,
    count(*) AS delta
FROM users AS u
CROSS JOIN LATERAL user_counter_keys(u.id, u.is_active, u.created_at) AS k
WHERE k.counter <> 'signups_hour' OR u.created_at >= now() - INTERVAL '8 days'
GROUP BY k.counter, k.bucket;

INSERT INTO counter_deltas (counter, delta)
SELECT
    'profiled_users' AS counter,
    count(*) AS delta
FROM training_profiles
WHERE user_id IS NOT NULL;
