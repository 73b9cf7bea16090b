-- Sample rows that `make check-sql` (service/sqlcheck.py) and tests/test_sql_queries.py write
-- before running each named query, inside a transaction that is then rolled back, so that
-- the queries which read rows return some and their columns and JSON can be checked.
-- Not loaded by the service: it reads only the files directly in sql/.

-- name: insert_sample_user()$
-- An active admin account named "arranged" (admin, so admin-only bodies are built too); returns its id.
INSERT INTO users (username, email, hashed_password, full_name, is_admin)
VALUES ('arranged', 'arranged@example.org', 'not-a-real-hash', 'Arranged User', true)
RETURNING id;

-- name: insert_sample_profile(user_id)$
-- A complete training questionnaire for an account; returns its id.
INSERT INTO training_profiles (
    user_id, gender, age, height_cm, weight_kg, training_goals, training_level,
    frequency_last_3_months, training_location, location_details, session_duration,
    joint_back_problems, chronic_conditions, health_details, strength_training, cardio,
    hiit, yoga_pilates, functional_training, stretching
)
VALUES (
    :user_id, 'female', 30, 170, 65.5, '["weight_loss", "muscle_gain"]', 'beginner',
    '1_2_times_week', 'gym', 'basic_gym', '30_45_min',
    false, false, 'None to speak of', 3, 4, 2, 5, 1, 3
)
RETURNING id;

-- name: insert_sample_course(title)$
-- An active course with every field filled; returns its id.
INSERT INTO courses (
    title, description, duration_minutes, difficulty_level, category, video_url, thumbnail_url
)
VALUES (
    :title, 'A course for the query checks.', 30, 'beginner', 'mobility',
    'https://example.org/video.mp4', 'https://example.org/thumbnail.png'
)
RETURNING id;

-- name: insert_sample_session(user_id)$
-- An unexpired session of an account (its token hash is not the sample one); returns its id.
INSERT INTO active_sessions (user_id, token_hash, expires_at, user_agent, ip_address)
VALUES (:user_id, sha256('arranged'::BYTEA), now() + INTERVAL '1 hour', 'check-sql', '127.0.0.1')
RETURNING id;

-- name: insert_sample_enrolment(user_id, course_id)$
-- An enrolment of an account in a course, half done; returns its id.
INSERT INTO user_course_progress (user_id, course_id, progress_percentage)
VALUES (:user_id, :course_id, 50)
RETURNING id;
