-- Test-only queries: arranging and checking database state from the tests.

-- name: empty_all_tables()!
-- Start a test from empty tables. DELETE, not TRUNCATE: on a few rows it takes milliseconds,
-- where TRUNCATE (new files for every table and index) took 20 to 200 ms on a busy machine, and
-- every test runs it. Users go first: their rows cascade to every table that references them.
-- A reference that does not cascade falls back to TRUNCATE ... CASCADE rather than failing.
DO $$
BEGIN
    DELETE FROM users;
    DELETE FROM courses;
    DELETE FROM login_throttle;
EXCEPTION WHEN foreign_key_violation THEN
    TRUNCATE users, courses, login_throttle CASCADE;
END
$$;

-- name: relaxed_durability_statement(name)$
-- The statement that lets a test database's commits return before the disk write: each commit
-- otherwise waits 1 to 4 ms on a busy machine. A test database is dropped after the run.
SELECT 'ALTER DATABASE ' || quote_ident(:name) || ' SET synchronous_commit = off' AS statement;

-- name: truncate_service_tables()!
-- Empty the tables with TRUNCATE (CASCADE reaches every table that references these).
TRUNCATE users, courses, login_throttle RESTART IDENTITY CASCADE;

-- name: make_admin(id)!
-- Promote an account to admin.
UPDATE users SET is_admin = true
WHERE id = :id;

-- name: get_user_row(username)^
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

-- name: count_users()$
-- How many accounts exist.
SELECT count(*) AS n FROM users;

-- name: count_courses()$
-- How many courses exist.
SELECT count(*) AS n FROM courses;

-- name: list_course_rows()
-- Every course's sample-relevant columns, in title order.
SELECT
    title,
    duration_minutes,
    difficulty_level,
    category,
    is_active
FROM courses
ORDER BY title;

-- name: count_user_sessions(user_id)$
-- How many sessions a user has (expired or not).
SELECT count(*) AS n FROM active_sessions
WHERE user_id = :user_id;

-- name: count_user_profiles(user_id)$
-- How many training profiles a user has.
SELECT count(*) AS n FROM training_profiles
WHERE user_id = :user_id;

-- name: list_user_token_hashes(user_id)
-- The stored token hashes of a user's sessions.
SELECT token_hash FROM active_sessions
WHERE user_id = :user_id
ORDER BY id;

-- name: count_rows_containing(needle)$
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

-- name: expire_user_sessions(user_id)!
-- Make every session of a user expired (created two hours ago, expired one hour ago).
UPDATE active_sessions
SET
    created_at = now() - INTERVAL '2 hours',
    authenticated_at = now() - INTERVAL '2 hours',
    expires_at = now() - INTERVAL '1 hour'
WHERE user_id = :user_id;

-- name: set_user_active(id, is_active)!
-- Activate or deactivate an account behind the API's back.
UPDATE users SET is_active = :is_active
WHERE id = :id;

-- name: table_exists(name)$
-- Whether a table of this name exists in the current search path.
SELECT to_regclass(:name) IS NOT NULL AS found;

-- name: list_public_tables()
-- The tables of the public schema, by name.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'public'
ORDER BY table_name;

-- name: list_schema_columns()
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

-- name: list_applied_migrations()
-- The migrations yoyo recorded as applied.
SELECT migration_id FROM _yoyo_migration
ORDER BY migration_id;

-- --- training profiles, courses and progress -------------------------------------------------

-- name: insert_test_course(title, category, is_active)$
-- Add a course to arrange a test; returns its id.
INSERT INTO courses (title, description, duration_minutes, difficulty_level, category, is_active)
VALUES (:title, 'A course for a test.', 30, 'beginner', :category, :is_active)
RETURNING id;

-- name: get_course_row(id)^
-- The stored course, as a DBA would see it.
SELECT
    id,
    title,
    description,
    duration_minutes,
    difficulty_level,
    category,
    video_url,
    thumbnail_url,
    is_active
FROM courses
WHERE id = :id;

-- name: get_progress_row(user_id, course_id)^
-- The stored progress of one user in one course.
SELECT
    progress_percentage,
    started_at,
    completed_at
FROM user_course_progress
WHERE user_id = :user_id AND course_id = :course_id;

-- name: count_course_enrolments(course_id)$
-- How many progress rows reference a course.
SELECT count(*) AS n FROM user_course_progress
WHERE course_id = :course_id;

-- name: count_rows_owned_by(user_id)^
-- How many profile, session and progress rows a user id still owns.
SELECT
    (
        SELECT count(*) FROM training_profiles
        WHERE user_id = :user_id
    ) AS profiles,
    (
        SELECT count(*) FROM active_sessions
        WHERE user_id = :user_id
    ) AS sessions,
    (
        SELECT count(*) FROM user_course_progress
        WHERE user_id = :user_id
    ) AS progress;

-- name: get_profile_row(user_id)^
-- The stored questionnaire of a user (flat columns, as a DBA sees them).
SELECT
    gender,
    age,
    height_cm,
    weight_kg,
    training_goals::TEXT AS training_goals_json,
    training_level,
    health_details,
    cardio,
    updated_at
FROM training_profiles
WHERE user_id = :user_id;

-- name: dba_set_profile_age(user_id, age)!
-- A DBA editing a questionnaire by hand: the age.
UPDATE training_profiles SET age = :age
WHERE user_id = :user_id;

-- name: dba_set_profile_height(user_id, height_cm)!
-- A DBA editing a questionnaire by hand: the height.
UPDATE training_profiles SET height_cm = :height_cm
WHERE user_id = :user_id;

-- name: dba_set_profile_weight(user_id, weight_kg)!
-- A DBA editing a questionnaire by hand: the weight.
UPDATE training_profiles SET weight_kg = :weight_kg
WHERE user_id = :user_id;

-- name: dba_set_profile_cardio_rating(user_id, cardio)!
-- A DBA editing a questionnaire by hand: one rating.
UPDATE training_profiles SET cardio = :cardio
WHERE user_id = :user_id;

-- name: dba_set_profile_gender(user_id, gender)!
-- A DBA editing a questionnaire by hand: the gender.
UPDATE training_profiles SET gender = :gender
WHERE user_id = :user_id;

-- name: dba_set_profile_goals(user_id, goals_json)!
-- A DBA editing a questionnaire by hand: the goal list, written as JSON text.
UPDATE training_profiles SET training_goals = :goals_json::JSON
WHERE user_id = :user_id;

-- name: dba_set_profile_health_details(user_id, health_details)!
-- A DBA editing a questionnaire by hand: the health notes.
UPDATE training_profiles SET health_details = :health_details
WHERE user_id = :user_id;

-- name: dba_set_progress_percentage(user_id, course_id, progress_percentage)!
-- A DBA editing progress by hand.
UPDATE user_course_progress SET progress_percentage = :progress_percentage
WHERE user_id = :user_id AND course_id = :course_id;

-- name: dba_set_course_duration(id, duration_minutes)!
-- A DBA editing a course by hand: its duration.
UPDATE courses SET duration_minutes = :duration_minutes
WHERE id = :id;

-- name: dba_set_course_video_url(id, video_url)!
-- A DBA editing a course by hand: its video URL.
UPDATE courses SET video_url = :video_url
WHERE id = :id;

-- name: dba_set_course_difficulty(id, difficulty_level)!
-- A DBA editing a course by hand: its difficulty.
UPDATE courses SET difficulty_level = :difficulty_level
WHERE id = :id;

-- name: list_schema_objects()
-- Indexes, constraints, triggers and functions of the public schema with their definitions.
SELECT
    'index' AS kind,
    indexname AS name,
    indexdef AS definition
FROM pg_indexes
WHERE schemaname = 'public'
UNION ALL
SELECT
    'constraint' AS kind,
    con.conrelid::REGCLASS::TEXT || '.' || con.conname AS name,
    pg_get_constraintdef(con.oid) AS definition
FROM pg_constraint AS con
INNER JOIN pg_namespace AS ns ON con.connamespace = ns.oid
WHERE ns.nspname = 'public'
UNION ALL
SELECT
    'trigger' AS kind,
    tgname AS name,
    pg_get_triggerdef(oid) AS definition
FROM pg_trigger
WHERE NOT tgisinternal
UNION ALL
SELECT
    'function' AS kind,
    p.proname AS name,
    pg_get_function_identity_arguments(p.oid) AS definition
FROM pg_proc AS p
INNER JOIN pg_namespace AS ns ON p.pronamespace = ns.oid
WHERE ns.nspname = 'public'
ORDER BY kind, name;

-- --- sessions, administration, throttling -----------------------------------------------------

-- name: list_session_rows(user_id)
-- A user's stored sessions, oldest first (token hashes left out).
SELECT
    id,
    user_id,
    created_at,
    expires_at,
    authenticated_at,
    last_seen_at,
    user_agent,
    ip_address
FROM active_sessions
WHERE user_id = :user_id
ORDER BY id;

-- name: set_sessions_last_seen(user_id, seconds_ago)!
-- Pretend a user's sessions were last seen some seconds ago.
UPDATE active_sessions
SET last_seen_at = now() - make_interval(secs => :seconds_ago)
WHERE user_id = :user_id;

-- name: set_sessions_authenticated_at(user_id, seconds_ago)!
-- Pretend a user's sessions descend from a sign-in some seconds ago (created no later than it).
UPDATE active_sessions
SET
    authenticated_at = now() - make_interval(secs => :seconds_ago),
    created_at = least(created_at, now() - make_interval(secs => :seconds_ago))
WHERE user_id = :user_id;

-- name: insert_expired_sessions(user_id, how_many)!
-- Add expired sessions to a user (random token hashes), as logins long ago would have left.
INSERT INTO active_sessions (user_id, token_hash, created_at, authenticated_at, expires_at, last_seen_at)
SELECT
    :user_id AS owner_id,
    sha256(convert_to(gen_random_uuid()::TEXT, 'UTF8')) AS token_hash,
    now() - INTERVAL '2 hours' AS created_at,
    now() - INTERVAL '2 hours' AS authenticated_at,
    now() - INTERVAL '1 hour' AS expires_at,
    now() - INTERVAL '2 hours' AS last_seen_at
FROM generate_series(1, :how_many);

-- name: count_expired_sessions()$
-- How many expired sessions are stored.
SELECT count(*) AS n FROM active_sessions
WHERE expires_at <= now();

-- name: set_password_hash(id, hashed_password)!
-- Store a password hash behind the API's back (to seed an older, weaker hash).
UPDATE users SET hashed_password = :hashed_password
WHERE id = :id;

-- name: get_password_hash_method(id)$
-- The method part of a stored hash ("scrypt:32768:8:1"), never the hash itself.
SELECT split_part(hashed_password, '$', 1) AS method
FROM users
WHERE id = :id;

-- name: list_login_counters()
-- Every throttling counter.
SELECT
    scope,
    subject,
    failures,
    last_failure_at,
    last_success_at,
    forget_at
FROM login_throttle
ORDER BY scope, subject;

-- name: age_login_counters(seconds)!
-- Move every counter back in time (instead of waiting in a test).
UPDATE login_throttle
SET
    last_failure_at = last_failure_at - make_interval(secs => :seconds),
    last_success_at = last_success_at - make_interval(secs => :seconds),
    forget_at = forget_at - make_interval(secs => :seconds);

-- name: get_password_version(id)$
-- An account's password version.
SELECT password_version FROM users
WHERE id = :id;

-- name: set_user_created_at(id, days_ago)!
-- Pretend an account was created some days ago.
UPDATE users SET created_at = now() - make_interval(days => :days_ago)
WHERE id = :id;

-- name: get_database_fingerprint()^
-- A digest of every row a client could change (accounts with their hashes, profiles, courses,
-- progress, sessions), to show that a refused request wrote nothing.
SELECT
    (SELECT md5(coalesce(string_agg(u::TEXT, '|' ORDER BY u.id), '')) FROM users AS u) AS users,
    (
        SELECT md5(coalesce(string_agg(tp::TEXT, '|' ORDER BY tp.id), ''))
        FROM training_profiles AS tp
    ) AS training_profiles,
    (SELECT md5(coalesce(string_agg(c::TEXT, '|' ORDER BY c.id), '')) FROM courses AS c) AS courses,
    (
        SELECT md5(coalesce(string_agg(p::TEXT, '|' ORDER BY p.id), ''))
        FROM user_course_progress AS p
    ) AS progress,
    (
        SELECT md5(coalesce(string_agg(s.id::TEXT || s.user_id::TEXT || s.expires_at::TEXT, '|' ORDER BY s.id), ''))
        FROM active_sessions AS s
    ) AS sessions;

-- --- reliability, instances, backup ---------------------------------------------------------

-- name: count_existing_usernames(usernames)$
-- How many of these usernames have an account.
SELECT count(*) AS n FROM users
WHERE username = any(:usernames);

-- name: list_user_rows()
-- Every account as a DBA sees it (hash included), in id order: a backup fingerprint.
SELECT
    id,
    username,
    email,
    hashed_password,
    full_name,
    is_active,
    is_admin,
    created_at
FROM users
ORDER BY id;

-- name: terminate_service_connections(datname)$
-- Kill every connection the service holds to a database (as a crash or a DBA would); returns how many.
SELECT count(pg_terminate_backend(pid)) AS n
FROM pg_stat_activity
WHERE datname = :datname AND application_name = 'urtraining';

-- name: count_service_connections(datname)$
-- How many connections the service holds to a database.
SELECT count(*) AS n FROM pg_stat_activity
WHERE datname = :datname AND application_name = 'urtraining';

-- name: count_connections_named(datname, application_name)$
-- How many connections with this application_name are open to a database.
SELECT count(*) AS n FROM pg_stat_activity
WHERE datname = :datname AND application_name = :application_name;

-- name: list_migration_applications()
-- How many times yoyo logged applying each migration.
SELECT
    migration_id,
    count(*) AS applications
FROM _yoyo_log
WHERE operation = 'apply'
GROUP BY migration_id
ORDER BY migration_id;

-- name: get_server_major_version()$
-- The PostgreSQL server's major version (15, 18, ...).
SELECT current_setting('server_version_num')::INT / 10000 AS major;

-- name: count_prepared_statements()$
-- How many statements this session has prepared server-side.
SELECT count(*) AS n FROM pg_prepared_statements;

-- name: get_statement_timeout()$
-- This session's statement_timeout, as PostgreSQL shows it.
SELECT current_setting('statement_timeout') AS statement_timeout;

-- --- query plans at ~100k rows (tests/test_query_plans.py) ------------------------------------

-- name: plan_fill_users(user_count)!
-- user_count accounts named plan1, plan2, ... (cheap fake hashes; never logged in).
INSERT INTO users (username, email, hashed_password, full_name)
SELECT
    'plan' || i AS username,
    'plan' || i || '@example.org' AS email,
    'pbkdf2:sha256:1000$plan$' || i AS hashed_password,
    'Plan Person ' || i AS full_name
FROM generate_series(1, :user_count) AS i;

-- name: plan_fill_profiles()!
-- A short questionnaire for every account.
INSERT INTO training_profiles (user_id, gender, age)
SELECT
    id AS user_id,
    'female' AS gender,
    30 AS age
FROM users;

-- name: plan_fill_sessions(session_count)!
-- session_count sessions spread over the accounts, all but one in twenty expired.
INSERT INTO active_sessions (user_id, token_hash, created_at, expires_at)
SELECT
    u.id AS user_id,
    sha256(convert_to('plan-session-' || i, 'UTF8')) AS token_hash,
    now() - INTERVAL '2 hours' AS created_at,
    CASE WHEN mod(i, 20) = 0 THEN now() + INTERVAL '1 hour' ELSE now() - INTERVAL '1 hour' END AS expires_at
FROM generate_series(1, :session_count) AS i
INNER JOIN users AS u ON u.id = (SELECT min(id) FROM users) + mod(i, :session_count);

-- name: plan_fill_courses(course_count)!
-- course_count active courses.
INSERT INTO courses (title, duration_minutes, difficulty_level, category)
SELECT
    'Plan Course ' || i AS title,
    30 AS duration_minutes,
    'beginner' AS difficulty_level,
    'mobility' AS category
FROM generate_series(1, :course_count) AS i;

-- name: plan_fill_progress(per_user)!
-- per_user enrolments for every account, spread over the courses.
INSERT INTO user_course_progress (user_id, course_id)
SELECT
    u.id AS user_id,
    c.id AS course_id
FROM users AS u
CROSS JOIN generate_series(0, :per_user - 1) AS j
INNER JOIN courses AS c ON c.id = (SELECT min(id) FROM courses) + mod(u.id * 7 + j, (SELECT count(*) FROM courses));

-- name: analyze_service_tables()!
-- Fresh planner statistics after a bulk fill.
ANALYZE users, training_profiles, active_sessions, courses, user_course_progress;

-- name: load_auto_explain()!
-- Load the auto_explain module into this session (superuser).
LOAD 'auto_explain';

-- name: enable_plan_notices()!
-- Send the plan of every following statement of this session to the client as a JSON notice.
SELECT
    set_config('auto_explain.log_min_duration', '0', false) AS min_duration,
    set_config('auto_explain.log_format', 'json', false) AS log_format,
    set_config('auto_explain.log_level', 'notice', false) AS log_level,
    set_config('auto_explain.log_nested_statements', 'on', false) AS nested;

-- name: get_id_ranges()^
-- The smallest and largest ids of users and courses.
SELECT
    (SELECT min(id) FROM users) AS min_user_id,
    (SELECT max(id) FROM users) AS max_user_id,
    (SELECT min(id) FROM courses) AS min_course_id,
    (SELECT max(id) FROM courses) AS max_course_id;

-- --- the DBA's side: migrations, schema comments, named statements ---------------------------

-- name: show_lock_timeout()$
-- The lock_timeout of this connection, as PostgreSQL shows it ("5s", "1234ms", "0").
SELECT current_setting('lock_timeout') AS lock_timeout;

-- name: dba_set_profile_rating(user_id, rating, value)!
-- A DBA editing one of the six ratings by hand (rating names the column).
UPDATE training_profiles
SET
    strength_training = CASE WHEN :rating = 'strength_training' THEN :value ELSE strength_training END,
    cardio = CASE WHEN :rating = 'cardio' THEN :value ELSE cardio END,
    hiit = CASE WHEN :rating = 'hiit' THEN :value ELSE hiit END,
    yoga_pilates = CASE WHEN :rating = 'yoga_pilates' THEN :value ELSE yoga_pilates END,
    functional_training = CASE WHEN :rating = 'functional_training' THEN :value ELSE functional_training END,
    stretching = CASE WHEN :rating = 'stretching' THEN :value ELSE stretching END
WHERE user_id = :user_id;

-- name: insert_user_by_hand(username, email, hashed_password, full_name)$
-- An account written by a DBA with only the guide's required columns; returns its id.
INSERT INTO users (username, email, hashed_password, full_name)
VALUES (:username, :email, :hashed_password, :full_name)
RETURNING id;

-- name: insert_user_with_flags(username, email, hashed_password, full_name, is_active, is_admin)$
-- An account written by a DBA with both flags given (NULL included); returns its id.
INSERT INTO users (username, email, hashed_password, full_name, is_active, is_admin)
VALUES (:username, :email, :hashed_password, :full_name, :is_active, :is_admin)
RETURNING id;

-- name: get_user_flags(id)^
-- The stored flags of one account.
SELECT
    is_active,
    is_admin
FROM users
WHERE id = :id;

-- name: lock_user_row(id)$
-- Hold an account's row lock until the caller's transaction ends (so a writer of it waits).
SELECT id FROM users
WHERE id = :id
FOR UPDATE;

-- name: list_named_statements()
-- The statements other sessions of this database are running that carry a query name.
SELECT
    pid,
    state,
    wait_event_type,
    query
FROM pg_stat_activity
WHERE
    datname = current_database()
    AND pid <> pg_backend_pid()
    AND strpos(query, '/*query=') > 0
ORDER BY pid;

-- --- responses built by PostgreSQL (tests/test_json_bodies.py) ----------------------------------

-- name: set_local_time_zone(zone)$
-- Set the session time zone until the end of the transaction.
SELECT set_config('TimeZone', :zone, true) AS zone;

-- name: api_timestamp_text(moment)$
-- A moment as api_timestamp writes it.
SELECT api_timestamp(:moment::TIMESTAMPTZ) AS text;

-- name: get_full_course_row(id)^
-- Every column of a course, as the Course schema dumped it before.
SELECT
    id,
    title,
    description,
    duration_minutes,
    difficulty_level,
    category,
    video_url,
    thumbnail_url,
    is_active,
    created_at,
    updated_at
FROM courses
WHERE id = :id;

-- name: plan_fill_heavy_user(user_id, session_count)!
-- Make one account an admin with session_count live sessions (token hashes of 'heavy-session-<n>')
-- and an enrolment in every course: long lists of its own to page through.
WITH promoted AS (
    UPDATE users SET is_admin = true
    WHERE id = :user_id
),

sessions AS (
    INSERT INTO active_sessions (user_id, token_hash, created_at, expires_at)
    SELECT
        :user_id AS owner_id,
        sha256(convert_to('heavy-session-' || i, 'UTF8')) AS token_hash,
        now() - INTERVAL '10 minutes' AS created_at,
        now() + INTERVAL '1 hour' AS expires_at
    FROM generate_series(1, :session_count) AS i
)

INSERT INTO user_course_progress (user_id, course_id)
SELECT
    :user_id AS owner_id,
    c.id AS course_id
FROM courses AS c
ON CONFLICT (user_id, course_id) DO NOTHING;

-- name: get_heavy_user_ranges(user_id)^
-- The smallest, middle and largest ids of one account's enrolments and sessions.
WITH progress AS (
    SELECT id FROM user_course_progress
    WHERE user_id = :user_id
),

sessions AS (
    SELECT id FROM active_sessions
    WHERE user_id = :user_id
)

SELECT
    (SELECT min(id) FROM progress) AS min_progress_id,
    (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM progress) AS mid_progress_id,
    (SELECT max(id) FROM progress) AS max_progress_id,
    (SELECT min(id) FROM sessions) AS min_session_id,
    (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM sessions) AS mid_session_id,
    (SELECT max(id) FROM sessions) AS max_session_id;

-- name: enable_plan_analysis()!
-- Make auto_explain's plans executed ones (EXPLAIN ANALYZE: actual rows, rows removed by filter).
SELECT
    set_config('auto_explain.log_analyze', 'on', false) AS analyze_plans,
    set_config('auto_explain.log_timing', 'off', false) AS time_nodes;
