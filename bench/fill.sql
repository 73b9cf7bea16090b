-- Bench-only queries: fill a benchmark database quickly (INSERT ... SELECT generate_series),
-- in id ranges so that bench/run.py can show its progress. Never run against a real database.

-- name: tune-fill-session()!
-- A bulk load does not need to wait for each commit to reach the disk.
SET synchronous_commit TO off;

-- name: create-fill-marker()!
-- A one-row note of what this database was filled with, so that --reuse can trust it.
CREATE TABLE IF NOT EXISTS bench_fill_marker (
    scale TEXT PRIMARY KEY,
    users INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    courses INTEGER NOT NULL,
    progress_per_user INTEGER NOT NULL,
    filled_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

-- name: get-fill-marker(scale)^
-- What the database was filled with for a scale; no row when it never finished.
SELECT
    scale,
    users,
    sessions,
    courses,
    progress_per_user,
    filled_at
FROM bench_fill_marker
WHERE scale = :scale;

-- name: set-fill-marker(scale, users, sessions, courses, progress_per_user)!
-- Record a finished fill.
INSERT INTO bench_fill_marker (scale, users, sessions, courses, progress_per_user)
VALUES (:scale, :users, :sessions, :courses, :progress_per_user);

-- name: empty-service-tables()!
-- Start a fill from empty tables.
TRUNCATE users, courses RESTART IDENTITY CASCADE;

-- name: fill-users(first_id, last_id, hashed_password)!
-- Accounts first_id..last_id (user 1 is the admin), all with the same password hash.
INSERT INTO users (id, username, email, hashed_password, full_name, is_admin, is_active, created_at)
SELECT
    i,
    'bench' || i,
    'bench' || i || '@example.org',
    :hashed_password,
    'Bench Person ' || i,
    i = 1,
    true,
    now() - make_interval(secs => i)
FROM generate_series(:first_id::INTEGER, :last_id::INTEGER) AS i;

-- name: fill-profiles(first_id, last_id)!
-- A complete questionnaire for each of the accounts first_id..last_id.
INSERT INTO training_profiles (
    user_id, gender, age, height_cm, weight_kg, training_goals, training_level,
    frequency_last_3_months, training_location, location_details, session_duration,
    joint_back_problems, chronic_conditions, health_details, strength_training, cardio,
    hiit, yoga_pilates, functional_training, stretching
)
SELECT
    i,
    (ARRAY['male', 'female'])[1 + mod(i, 2)],
    18 + mod(i, 60),
    150 + mod(i, 50),
    50 + mod(i, 70)::FLOAT,
    '["maintain_fitness", "muscle_gain"]'::JSON,
    (ARRAY['beginner', 'intermediate', 'advanced'])[1 + mod(i, 3)],
    (ARRAY['not_trained', '1_2_times_week', '3_4_times_week', '5_6_times_week', 'daily'])[1 + mod(i, 5)],
    (ARRAY['gym', 'home', 'outdoor', 'mixed'])[1 + mod(i, 4)],
    (ARRAY['full_fitness_center', 'basic_gym', 'home_equipment', 'no_equipment', 'park_outdoor'])[1 + mod(i, 5)],
    (ARRAY['15_30_min', '30_45_min', '45_60_min', '60_90_min', '90+_min'])[1 + mod(i, 5)],
    mod(i, 7) = 0,
    mod(i, 11) = 0,
    'Bench notes for person ' || i,
    1 + mod(i, 5),
    1 + mod(i + 1, 5),
    1 + mod(i + 2, 5),
    1 + mod(i + 3, 5),
    1 + mod(i + 4, 5),
    1 + mod(i, 5)
FROM generate_series(:first_id::INTEGER, :last_id::INTEGER) AS i;

-- name: fill-courses(first_id, last_id)!
-- Active courses first_id..last_id with distinct titles.
INSERT INTO courses (id, title, description, duration_minutes, difficulty_level, category)
SELECT
    i,
    'Bench Course ' || i,
    'A course made by the benchmark, number ' || i || '.',
    10 + mod(i, 80),
    (ARRAY['beginner', 'intermediate', 'advanced', 'all_levels'])[1 + mod(i, 4)],
    (ARRAY['flexibility', 'weight_loss', 'endurance', 'mobility', 'muscle_gain'])[1 + mod(i, 5)]
FROM generate_series(:first_id::INTEGER, :last_id::INTEGER) AS i;

-- name: fill-sessions(first_id, last_id, user_count, live_every)!
-- Sessions first_id..last_id spread over the users; one in live_every is unexpired, the rest
-- expired (their token hashes are of no token anyone holds).
INSERT INTO active_sessions (user_id, token_hash, created_at, expires_at, authenticated_at, last_seen_at)
SELECT
    1 + mod(i, :user_count),
    sha256(convert_to('bench-session-' || i, 'UTF8')),
    s.created_at,
    CASE WHEN mod(i, :live_every) = 0 THEN now() + INTERVAL '30 minutes' ELSE s.created_at + INTERVAL '30 minutes' END,
    s.created_at,
    s.created_at
FROM generate_series(:first_id::INTEGER, :last_id::INTEGER) AS i
CROSS JOIN LATERAL (
    SELECT now() - make_interval(mins => 40 + mod(i, 10000)) AS created_at
) AS s;

-- name: fill-progress(first_user, last_user, per_user, course_count)!
-- per_user enrolments for each of the users first_user..last_user, spread over the courses.
INSERT INTO user_course_progress (user_id, course_id, progress_percentage)
SELECT
    u,
    1 + mod(u * 7 + j, :course_count),
    mod(u + j, 101)
FROM generate_series(:first_user::INTEGER, :last_user::INTEGER) AS u
CROSS JOIN generate_series(0, :per_user::INTEGER - 1) AS j
ON CONFLICT (user_id, course_id) DO NOTHING;

-- name: fill-bench-enrolments(first_user, last_user, course_count)!
-- The users who hold bench tokens are enrolled in courses 1..course_count (PUT progress).
INSERT INTO user_course_progress (user_id, course_id)
SELECT
    u,
    c
FROM generate_series(:first_user::INTEGER, :last_user::INTEGER) AS u
CROSS JOIN generate_series(1, :course_count::INTEGER) AS c
ON CONFLICT (user_id, course_id) DO NOTHING;

-- name: reset-id-sequences()!
-- Move the id sequences past the explicit ids the fill used.
SELECT
    setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users)),
    setval(pg_get_serial_sequence('courses', 'id'), (SELECT max(id) FROM courses));

-- name: vacuum-analyze()!
-- Fresh statistics and visibility maps after the bulk load (autocommit only).
VACUUM (ANALYZE);

-- name: count-filled-rows()^
-- The size of each table after a fill.
SELECT
    (SELECT count(*) FROM users) AS users,
    (SELECT count(*) FROM training_profiles) AS profiles,
    (SELECT count(*) FROM active_sessions) AS sessions,
    (
        SELECT count(*) FROM active_sessions
        WHERE expires_at <= now()
    ) AS expired_sessions,
    (SELECT count(*) FROM courses) AS courses,
    (SELECT count(*) FROM user_course_progress) AS progress;

-- name: forget-bench-sessions(first_user, last_user)!
-- Drop the live sessions minted for the token holders by an earlier run.
DELETE FROM active_sessions
WHERE user_id BETWEEN :first_user AND :last_user AND user_agent = 'urtraining-bench';

-- name: server-settings()
-- The database server settings that shape the figures, as the server shows them.
SELECT
    name,
    current_setting(name) AS setting
FROM pg_settings
WHERE name IN ('server_version', 'shared_buffers', 'max_connections', 'work_mem', 'synchronous_commit', 'fsync')
ORDER BY name;
