-- Test-only queries: arranging and checking database state from the tests.

-- name: empty-all-tables()!
-- Start a test from empty tables (CASCADE reaches every table that references these).
TRUNCATE users, courses RESTART IDENTITY CASCADE;

-- name: make-admin(id)!
-- Promote an account to admin.
UPDATE users SET is_admin = true
WHERE id = :id;

-- name: get-user-row(username)^
-- The stored account of a username (any case), hash excluded.
SELECT
    id,
    username,
    email,
    full_name,
    is_active,
    is_admin
FROM users
WHERE lower(username) = lower(:username);

-- name: count-users()$
-- How many accounts exist.
SELECT count(*) AS n FROM users;

-- name: count-courses()$
-- How many courses exist.
SELECT count(*) AS n FROM courses;

-- name: list-course-rows()
-- Every course's sample-relevant columns, in title order.
SELECT
    title,
    duration_minutes,
    difficulty_level,
    category,
    is_active
FROM courses
ORDER BY title;

-- name: count-user-sessions(user_id)$
-- How many sessions a user has (expired or not).
SELECT count(*) AS n FROM active_sessions
WHERE user_id = :user_id;

-- name: count-user-profiles(user_id)$
-- How many training profiles a user has.
SELECT count(*) AS n FROM training_profiles
WHERE user_id = :user_id;

-- name: list-user-token-hashes(user_id)
-- The stored token hashes of a user's sessions.
SELECT token_hash FROM active_sessions
WHERE user_id = :user_id
ORDER BY id;

-- name: count-rows-containing(needle)$
-- How many rows of the service's tables contain a text anywhere (as their text form).
SELECT (
    (
        SELECT count(*) FROM users AS u
        WHERE strpos(u::TEXT, :needle) > 0
    )
    + (
        SELECT count(*) FROM training_profiles AS tp
        WHERE strpos(tp::TEXT, :needle) > 0
    )
    + (
        SELECT count(*) FROM active_sessions AS s
        WHERE strpos(s::TEXT, :needle) > 0
    )
    + (
        SELECT count(*) FROM courses AS c
        WHERE strpos(c::TEXT, :needle) > 0
    )
) AS n;

-- name: expire-user-sessions(user_id)!
-- Make every session of a user expired (created two hours ago, expired one hour ago).
UPDATE active_sessions
SET
    created_at = now() - INTERVAL '2 hours',
    authenticated_at = now() - INTERVAL '2 hours',
    expires_at = now() - INTERVAL '1 hour'
WHERE user_id = :user_id;

-- name: set-user-active(id, is_active)!
-- Activate or deactivate an account behind the API's back.
UPDATE users SET is_active = :is_active
WHERE id = :id;

-- name: table-exists(name)$
-- Whether a table of this name exists in the current search path.
SELECT to_regclass(:name) IS NOT NULL AS found;

-- name: list-public-tables()
-- The tables of the public schema, by name.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'public'
ORDER BY table_name;

-- name: list-schema-columns()
-- Every column of the public schema with its type, default and nullability (a schema fingerprint).
SELECT
    table_name,
    column_name,
    data_type,
    column_default,
    is_nullable
FROM information_schema.columns
WHERE table_schema = 'public'
ORDER BY table_name, ordinal_position;

-- name: list-applied-migrations()
-- The migrations yoyo recorded as applied.
SELECT migration_id FROM _yoyo_migration
ORDER BY migration_id;
