-- Create the UrTraining schema: users, training profiles, sessions, courses, progress.
-- users and training_profiles keep the names, types and defaults of the database guide;
-- the CHECK constraints mirror the value sets and ranges of the HTTP API.

CREATE FUNCTION set_updated_at() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- A goal list is a JSON array of at most five distinct, known goals.
CREATE FUNCTION training_goals_are_valid(goals JSON) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_typeof(goals) = 'array'
        AND json_array_length(goals) <= 5
        AND (SELECT count(DISTINCT g) = count(*) FROM json_array_elements_text(goals) AS g)
        AND goals::jsonb <@ '["weight_loss", "muscle_gain", "maintain_fitness",
            "improve_endurance", "improve_flexibility", "competition_preparation",
            "strength_building", "rehabilitation"]'::jsonb
        AND (SELECT bool_and(json_typeof(e) = 'string') IS NOT false FROM json_array_elements(goals) AS e)
$$;

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username VARCHAR(50) UNIQUE NOT NULL,
    email VARCHAR(255) UNIQUE NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    full_name VARCHAR(100) NOT NULL,
    is_active BOOLEAN DEFAULT true,
    is_admin BOOLEAN DEFAULT false,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    updated_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9_.-]{3,50}$'),
    CONSTRAINT users_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND email = lower(email)),
    CONSTRAINT users_full_name_length CHECK (char_length(btrim(full_name)) BETWEEN 2 AND 100)
);

-- Usernames are unique regardless of case; login looks users up by lower(username).
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE training_profiles (
    id SERIAL PRIMARY KEY,
    user_id INTEGER UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    gender VARCHAR(10),
    age INTEGER,
    height_cm INTEGER,
    weight_kg FLOAT,
    training_goals JSON,
    training_level VARCHAR(20),
    frequency_last_3_months VARCHAR(30),
    training_location VARCHAR(20),
    location_details VARCHAR(30),
    session_duration VARCHAR(20),
    joint_back_problems BOOLEAN,
    chronic_conditions BOOLEAN,
    health_details TEXT,
    strength_training INTEGER,
    cardio INTEGER,
    hiit INTEGER,
    yoga_pilates INTEGER,
    functional_training INTEGER,
    stretching INTEGER,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    updated_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT training_profiles_gender_values CHECK (gender IN ('male', 'female')),
    CONSTRAINT training_profiles_age_range CHECK (age BETWEEN 13 AND 100),
    CONSTRAINT training_profiles_height_range CHECK (height_cm BETWEEN 100 AND 250),
    CONSTRAINT training_profiles_weight_range CHECK (weight_kg BETWEEN 30 AND 300),
    CONSTRAINT training_profiles_goals_values CHECK (training_goals_are_valid(training_goals)),
    CONSTRAINT training_profiles_level_values CHECK (
        training_level IN ('beginner', 'intermediate', 'advanced')
    ),
    CONSTRAINT training_profiles_frequency_values CHECK (
        frequency_last_3_months IN (
            'not_trained', '1_2_times_week', '3_4_times_week', '5_6_times_week', 'daily'
        )
    ),
    CONSTRAINT training_profiles_location_values CHECK (
        training_location IN ('gym', 'home', 'outdoor', 'mixed')
    ),
    CONSTRAINT training_profiles_location_details_values CHECK (
        location_details IN (
            'full_fitness_center', 'basic_gym', 'home_equipment', 'no_equipment', 'park_outdoor'
        )
    ),
    CONSTRAINT training_profiles_session_duration_values CHECK (
        session_duration IN ('15_30_min', '30_45_min', '45_60_min', '60_90_min', '90+_min')
    ),
    CONSTRAINT training_profiles_health_details_length CHECK (char_length(health_details) <= 2000),
    CONSTRAINT training_profiles_ratings_range CHECK (
        strength_training BETWEEN 1 AND 5
        AND cardio BETWEEN 1 AND 5
        AND hiit BETWEEN 1 AND 5
        AND yoga_pilates BETWEEN 1 AND 5
        AND functional_training BETWEEN 1 AND 5
        AND stretching BETWEEN 1 AND 5
    )
);

CREATE INDEX training_profiles_updated_at_idx ON training_profiles (updated_at);

CREATE TRIGGER training_profiles_set_updated_at BEFORE UPDATE ON training_profiles
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per signed-in session. Only the SHA-256 of the token's secret is stored.
CREATE TABLE active_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    authenticated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    user_agent VARCHAR(512),
    ip_address VARCHAR(64),
    CONSTRAINT active_sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT active_sessions_token_hash_length CHECK (octet_length(token_hash) = 32),
    CONSTRAINT active_sessions_expiry_after_creation CHECK (expires_at > created_at)
);

CREATE INDEX active_sessions_user_id_idx ON active_sessions (user_id, expires_at);
CREATE INDEX active_sessions_expires_at_idx ON active_sessions (expires_at);

CREATE TABLE courses (
    id SERIAL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    description TEXT,
    duration_minutes INTEGER NOT NULL,
    difficulty_level VARCHAR(20) NOT NULL,
    category VARCHAR(50) NOT NULL,
    video_url VARCHAR(2048),
    thumbnail_url VARCHAR(2048),
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    updated_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT courses_title_length CHECK (char_length(btrim(title)) BETWEEN 1 AND 200),
    CONSTRAINT courses_description_length CHECK (char_length(description) <= 5000),
    CONSTRAINT courses_duration_range CHECK (duration_minutes BETWEEN 1 AND 1440),
    CONSTRAINT courses_difficulty_values CHECK (
        difficulty_level IN ('beginner', 'intermediate', 'advanced', 'all_levels')
    ),
    CONSTRAINT courses_category_format CHECK (category ~ '^[a-z0-9_]{1,50}$'),
    CONSTRAINT courses_video_url_scheme CHECK (video_url ~* '^https?://'),
    CONSTRAINT courses_thumbnail_url_scheme CHECK (thumbnail_url ~* '^https?://')
);

-- Titles are unique among active courses only: a retired course frees its title.
CREATE UNIQUE INDEX courses_active_title_key ON courses (lower(title)) WHERE is_active;
CREATE INDEX courses_active_id_idx ON courses (id) WHERE is_active;
CREATE INDEX courses_category_id_idx ON courses (category, id);

CREATE TRIGGER courses_set_updated_at BEFORE UPDATE ON courses
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One progress row per (user, course). A course with enrolments is deactivated, never deleted.
CREATE TABLE user_course_progress (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE RESTRICT,
    progress_percentage INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    completed_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT user_course_progress_user_course_key UNIQUE (user_id, course_id),
    CONSTRAINT user_course_progress_percentage_range CHECK (progress_percentage BETWEEN 0 AND 100)
);

CREATE INDEX user_course_progress_course_id_idx ON user_course_progress (course_id);

CREATE TRIGGER user_course_progress_set_updated_at BEFORE UPDATE ON user_course_progress
FOR EACH ROW EXECUTE FUNCTION set_updated_at();
