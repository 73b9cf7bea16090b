-- Test-only queries of the operations tests (counts, cleanup, exports, metrics, PgBouncer):
-- arranging database state and reading the truth to compare the service's answers with.

-- name: insert_users_with_ids(ids)!
-- Accounts with chosen ids (cheap fake hashes), as a bulk load or a DBA would insert them.
INSERT INTO users (id, username, email, hashed_password, full_name)
SELECT
    i AS id,
    'bulk' || i AS username,
    'bulk' || i || '@example.org' AS email,
    'not-a-real-hash' AS hashed_password,
    'Bulk Person ' || i AS full_name
FROM unnest(:ids::INTEGER[]) AS i;

-- name: insert_users_numbered(first, last)!
-- Accounts number first..last (ids from the sequence).
INSERT INTO users (username, email, hashed_password, full_name)
SELECT
    'many' || i AS username,
    'many' || i || '@example.org' AS email,
    'not-a-real-hash' AS hashed_password,
    'Many Person ' || i AS full_name
FROM generate_series(:first::INTEGER, :last::INTEGER) AS i;

-- name: insert_user_named(username)$
-- One account; returns its id.
INSERT INTO users (username, email, hashed_password, full_name)
VALUES (:username::TEXT, :username::TEXT || '@example.org', 'not-a-real-hash', 'Named Person')
RETURNING id;

-- name: insert_user_with_full_name(username, full_name)$
-- One account with a full name written as given (as a DBA could); returns its id.
INSERT INTO users (username, email, hashed_password, full_name)
VALUES (:username::TEXT, :username::TEXT || '@example.org', 'not-a-real-hash', :full_name)
RETURNING id;

-- name: insert_profiles_for(ids)!
-- A short questionnaire for each of these accounts.
INSERT INTO training_profiles (user_id, age)
SELECT
    i AS user_id,
    30 AS age
FROM unnest(:ids::INTEGER[]) AS i;

-- name: delete_users(ids)!
-- Delete these accounts (their profiles go with them).
DELETE FROM users
WHERE id = any(:ids::INTEGER[]);

-- name: delete_profiles_of(ids)!
-- Delete the questionnaires of these accounts.
DELETE FROM training_profiles
WHERE user_id = any(:ids::INTEGER[]);

-- name: set_users_active(ids, is_active)!
-- Activate or deactivate these accounts behind the API's back.
UPDATE users SET is_active = :is_active
WHERE id = any(:ids::INTEGER[]);

-- name: set_user_created_seconds_ago(id, seconds)!
-- Pretend an account was created some seconds ago.
UPDATE users SET created_at = now() - make_interval(secs => :seconds)
WHERE id = :id;

-- name: get_true_stats()^
-- The admin statistics counted from the tables (what /admin/stats must equal).
SELECT
    (SELECT count(*) FROM users) AS total_users,
    (
        SELECT count(*) FROM users
        WHERE is_active
    ) AS active_users,
    (
        SELECT count(*) FROM training_profiles
        WHERE user_id IS NOT NULL
    ) AS completed_profiles,
    (
        SELECT count(*) FROM users
        WHERE created_at >= now() - INTERVAL '7 days'
    ) AS last_week_signups;

-- name: list_user_ids_page(skip, page_size)
-- The ids of one numbered page, by OFFSET (the slow truth the admin list must equal).
SELECT id FROM users
ORDER BY id
LIMIT :page_size OFFSET :skip;

-- name: count_counter_rows()$
-- How many rows counter_deltas holds.
SELECT count(*) AS n FROM counter_deltas;

-- name: add_counter_delta(counter, delta)!
-- A counter row written by hand (a count that drifted).
INSERT INTO counter_deltas (counter, delta)
VALUES (:counter, :delta);

-- name: set_lock_timeout(milliseconds)$
-- Give up waiting for a lock after this many milliseconds (for this session).
SELECT set_config('lock_timeout', :milliseconds::TEXT, false) AS lock_timeout;

-- name: insert_login_counters(subjects, seconds_ago)!
-- Address counters with one failure, their last one some seconds ago; each may be forgotten an
-- hour after its failure (a failure's count is kept that long: sql/throttle.sql).
INSERT INTO login_throttle (scope, subject, failures, last_failure_at, forget_at)
SELECT
    'address' AS scope,
    s AS subject,
    1 AS failures,
    now() - make_interval(secs => :seconds_ago) AS last_failure_at,
    now() - make_interval(secs => :seconds_ago) + INTERVAL '1 hour' AS forget_at
FROM unnest(:subjects::TEXT[]) AS s;

-- name: count_login_counters()$
-- How many login throttling counters exist.
SELECT count(*) AS n FROM login_throttle;

-- name: hold_cleanup_lock()$
-- Take the scheduled cleanup's lock in this transaction (as a running cleanup would).
SELECT pg_advisory_xact_lock(hashtext('urtraining.cleanup')) IS NULL AS locked;

-- name: list_service_backends(datname)
-- What the service's connections to a database are doing now.
SELECT
    state,
    backend_xid IS NOT NULL OR backend_xmin IS NOT NULL AS in_transaction,
    query
FROM pg_stat_activity
WHERE datname = :datname AND application_name = 'urtraining'
ORDER BY pid;

-- name: fill_profiles_for_all()!
-- A complete questionnaire for every account that has none.
INSERT INTO training_profiles (
    user_id, gender, age, height_cm, weight_kg, training_goals, training_level, health_details, cardio
)
SELECT
    id AS user_id,
    'female' AS gender,
    30 AS age,
    170 AS height_cm,
    60.5 AS weight_kg,
    '["muscle_gain", "rehabilitation"]'::JSON AS training_goals,
    'beginner' AS training_level,
    'Knee, "left", since 2020' AS health_details,
    3 AS cardio
FROM users
WHERE id NOT IN (
    SELECT user_id FROM training_profiles
    WHERE user_id IS NOT NULL
);

-- name: count_lock_waiters(datname)$
-- How many sessions connected to a database are waiting for a lock.
SELECT count(*) AS n FROM pg_stat_activity
WHERE datname = :datname AND wait_event_type = 'Lock';
