-- The API's JSON representations, built by PostgreSQL: each shape that the read queries of sql/
-- share is defined once here, so a query returns a response body that the service sends as it
-- is (see docs/DECISIONS.md, "Responses built by PostgreSQL"). The functions are plain SQL,
-- STABLE and free of side effects, so the planner inlines them into the queries that call them.
-- A shape changes through a new migration (CREATE OR REPLACE FUNCTION), and the test of
-- tests/test_json_bodies.py checks each body against the API's documented schema.

-- A timestamp as the API writes it: ISO 8601 with the session time zone's offset, exactly as
-- Python's datetime.isoformat() writes it (the format clients got before): seconds always,
-- six digits of fraction unless the fraction is zero, "+HH:MM".
CREATE FUNCTION api_timestamp(ts TIMESTAMP WITH TIME ZONE) RETURNS TEXT
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT replace(to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM'), '.000000', '')
$$;

COMMENT ON FUNCTION api_timestamp(TIMESTAMP WITH TIME ZONE) IS
'A timestamp as the API writes it: ISO 8601 as Python''s datetime.isoformat() writes it, in the session '
'time zone (2026-05-01T09:30:00.250000+00:00; no fraction when it is zero). NULL stays NULL.';

-- The TrainingProfile representation: the questionnaire's flat columns grouped the way the
-- dashboard reads them. NULL (JSON null) for a user without a questionnaire, i.e. when tp is the
-- NULL row of a LEFT JOIN.
CREATE FUNCTION api_training_profile(tp TRAINING_PROFILES) RETURNS JSON
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN tp.id IS NOT NULL THEN json_build_object(
        'basic_information', json_build_object(
            'gender', tp.gender,
            'age', tp.age,
            'height_cm', tp.height_cm,
            'weight_kg', tp.weight_kg
        ),
        'training_goals', tp.training_goals,
        'training_experience', json_build_object(
            'level', tp.training_level,
            'frequency_last_3_months', tp.frequency_last_3_months
        ),
        'preferences', json_build_object(
            'training_location', tp.training_location,
            'location_details', tp.location_details,
            'session_duration', tp.session_duration
        ),
        'health', json_build_object(
            'joint_back_problems', tp.joint_back_problems,
            'chronic_conditions', tp.chronic_conditions,
            'health_details', tp.health_details
        ),
        'training_types', json_build_object(
            'strength_training', tp.strength_training,
            'cardio', tp.cardio,
            'hiit', tp.hiit,
            'yoga_pilates', tp.yoga_pilates,
            'functional_training', tp.functional_training,
            'stretching', tp.stretching
        ),
        'created_at', api_timestamp(tp.created_at),
        'updated_at', api_timestamp(tp.updated_at)
    ) END
$$;

COMMENT ON FUNCTION api_training_profile(TRAINING_PROFILES) IS
'The API''s TrainingProfile: {basic_information, training_goals, training_experience, preferences, health, '
'training_types, created_at, updated_at}; NULL when the row is the NULL row of a LEFT JOIN (no questionnaire).';

-- The User representation: the account (never its password hash) with its questionnaire.
CREATE FUNCTION api_user(u USERS, tp TRAINING_PROFILES) RETURNS JSON
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', u.id,
        'username', u.username,
        'email', u.email,
        'full_name', u.full_name,
        'is_active', u.is_active,
        'is_admin', u.is_admin,
        'created_at', api_timestamp(u.created_at),
        'updated_at', api_timestamp(u.updated_at),
        'training_profile', api_training_profile(tp)
    )
$$;

COMMENT ON FUNCTION api_user(USERS, TRAINING_PROFILES) IS
'The API''s User: {id, username, email, full_name, is_active, is_admin, created_at, updated_at, '
'training_profile}; pass the account''s training_profiles row (LEFT JOIN: NULL gives null). Never the hash.';

-- The Course representation.
CREATE FUNCTION api_course(c COURSES) RETURNS JSON
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', c.id,
        'title', c.title,
        'description', c.description,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category,
        'video_url', c.video_url,
        'thumbnail_url', c.thumbnail_url,
        'is_active', c.is_active,
        'created_at', api_timestamp(c.created_at),
        'updated_at', api_timestamp(c.updated_at)
    )
$$;

COMMENT ON FUNCTION api_course(COURSES) IS
'The API''s Course: {id, title, description, duration_minutes, difficulty_level, category, video_url, '
'thumbnail_url, is_active, created_at, updated_at}.';

-- The course summary a Progress carries.
CREATE FUNCTION api_course_summary(c COURSES) RETURNS JSON
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', c.id,
        'title', c.title,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category
    )
$$;

COMMENT ON FUNCTION api_course_summary(COURSES) IS
'The course summary inside the API''s Progress: {id, title, duration_minutes, difficulty_level, category}.';

-- The Progress representation: one enrolment with its course summary.
CREATE FUNCTION api_progress(p USER_COURSE_PROGRESS, c COURSES) RETURNS JSON
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'course_id', p.course_id,
        'course', api_course_summary(c),
        'progress_percentage', p.progress_percentage,
        'started_at', api_timestamp(p.started_at),
        'completed_at', api_timestamp(p.completed_at),
        'updated_at', api_timestamp(p.updated_at)
    )
$$;

COMMENT ON FUNCTION api_progress(USER_COURSE_PROGRESS, COURSES) IS
'The API''s Progress: {course_id, course: summary, progress_percentage, started_at, completed_at, updated_at}; '
'pass the enrolment and its course.';

-- The pagination block of a keyset page: the cursor of the next page is the last id of this
-- one, or null when this page is not full (there is no next page).
CREATE FUNCTION api_pagination(page_size INTEGER, row_count BIGINT, last_id BIGINT) RETURNS JSON
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'limit', page_size,
        'next_cursor', CASE WHEN row_count = page_size THEN last_id::TEXT END
    )
$$;

COMMENT ON FUNCTION api_pagination(INTEGER, BIGINT, BIGINT) IS
'The pagination block of a keyset list page: {limit, next_cursor}; next_cursor is last_id as text when the '
'page is full (row_count = page_size), else null (the last page).';

-- The sessions that sign their user in now: unexpired, of an active account. Every query that
-- checks a token reads it, so what "signed in" means is written once.
CREATE VIEW signed_in_sessions AS
SELECT
    s.id AS session_id,
    s.token_hash,
    s.authenticated_at,
    s.expires_at,
    s.last_seen_at,
    u.id AS user_id,
    u.username,
    u.email,
    u.full_name,
    u.is_active,
    u.is_admin,
    u.created_at,
    u.updated_at
FROM active_sessions AS s
INNER JOIN users AS u ON s.user_id = u.id
WHERE s.expires_at > now() AND u.is_active;

COMMENT ON VIEW signed_in_sessions IS
'Sessions that sign their user in now (unexpired, of an active account), with the account''s public columns; '
'a token is checked by looking up the SHA-256 of its secret here (token_hash).';
COMMENT ON COLUMN signed_in_sessions.session_id IS 'active_sessions.id of the session.';
COMMENT ON COLUMN signed_in_sessions.token_hash IS 'SHA-256 of the token''s secret (32 bytes); the token itself is never stored.';
COMMENT ON COLUMN signed_in_sessions.authenticated_at IS 'When the sign-in this session descends from happened (refreshes keep it).';
COMMENT ON COLUMN signed_in_sessions.expires_at IS 'When the session ends (always in the future here).';
COMMENT ON COLUMN signed_in_sessions.last_seen_at IS 'When the session was last used, to within a minute.';
COMMENT ON COLUMN signed_in_sessions.user_id IS 'users.id of the signed-in account.';
COMMENT ON COLUMN signed_in_sessions.username IS 'users.username of the account.';
COMMENT ON COLUMN signed_in_sessions.email IS 'users.email of the account (lower case).';
COMMENT ON COLUMN signed_in_sessions.full_name IS 'users.full_name of the account.';
COMMENT ON COLUMN signed_in_sessions.is_active IS 'users.is_active of the account (always true here).';
COMMENT ON COLUMN signed_in_sessions.is_admin IS 'users.is_admin: whether the account may use the admin routes.';
COMMENT ON COLUMN signed_in_sessions.created_at IS 'users.created_at: when the account was created.';
COMMENT ON COLUMN signed_in_sessions.updated_at IS 'users.updated_at: when the account was last changed (NULL: never).';
