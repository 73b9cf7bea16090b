-- Queries on training questionnaires (training_profiles), one per user.

-- name: upsert_training_profile(user_id, gender, age, height_cm, weight_kg, training_goals, training_level, frequency_last_3_months, training_location, location_details, session_duration, joint_back_problems, chronic_conditions, health_details, strength_training, cardio, hiit, yoga_pilates, functional_training, stretching, fields_sent)^
-- Create a user's profile, or change only the fields named in fields_sent (a text array);
-- a field that was sent as NULL is cleared, a field that was not sent keeps its value.
-- Returns its id and the saved TrainingProfile as JSON text (api_training_profile, migration 0015).
INSERT INTO training_profiles AS tp (
    user_id, gender, age, height_cm, weight_kg, training_goals, training_level,
    frequency_last_3_months, training_location, location_details, session_duration,
    joint_back_problems, chronic_conditions, health_details, strength_training, cardio,
    hiit, yoga_pilates, functional_training, stretching
)
VALUES (
    :user_id, :gender, :age, :height_cm, :weight_kg, :training_goals, :training_level,
    :frequency_last_3_months, :training_location, :location_details, :session_duration,
    :joint_back_problems, :chronic_conditions, :health_details, :strength_training, :cardio,
    :hiit, :yoga_pilates, :functional_training, :stretching
)
ON CONFLICT (user_id) DO UPDATE
    SET
        gender = CASE WHEN 'gender' = any(:fields_sent) THEN excluded.gender ELSE tp.gender END,
        age = CASE WHEN 'age' = any(:fields_sent) THEN excluded.age ELSE tp.age END,
        height_cm = CASE WHEN 'height_cm' = any(:fields_sent) THEN excluded.height_cm ELSE tp.height_cm END,
        weight_kg = CASE WHEN 'weight_kg' = any(:fields_sent) THEN excluded.weight_kg ELSE tp.weight_kg END,
        training_goals = CASE
            WHEN 'training_goals' = any(:fields_sent) THEN excluded.training_goals ELSE tp.training_goals
        END,
        training_level = CASE
            WHEN 'training_level' = any(:fields_sent) THEN excluded.training_level ELSE tp.training_level
        END,
        frequency_last_3_months = CASE
            WHEN 'frequency_last_3_months' = any(:fields_sent) THEN excluded.frequency_last_3_months
            ELSE tp.frequency_last_3_months
        END,
        training_location = CASE
            WHEN 'training_location' = any(:fields_sent) THEN excluded.training_location ELSE tp.training_location
        END,
        location_details = CASE
            WHEN 'location_details' = any(:fields_sent) THEN excluded.location_details ELSE tp.location_details
        END,
        session_duration = CASE
            WHEN 'session_duration' = any(:fields_sent) THEN excluded.session_duration ELSE tp.session_duration
        END,
        joint_back_problems = CASE
            WHEN 'joint_back_problems' = any(:fields_sent) THEN excluded.joint_back_problems
            ELSE tp.joint_back_problems
        END,
        chronic_conditions = CASE
            WHEN 'chronic_conditions' = any(:fields_sent) THEN excluded.chronic_conditions ELSE tp.chronic_conditions
        END,
        health_details = CASE
            WHEN 'health_details' = any(:fields_sent) THEN excluded.health_details ELSE tp.health_details
        END,
        strength_training = CASE
            WHEN 'strength_training' = any(:fields_sent) THEN excluded.strength_training ELSE tp.strength_training
        END,
        cardio = CASE WHEN 'cardio' = any(:fields_sent) THEN excluded.cardio ELSE tp.cardio END,
        hiit = CASE WHEN 'hiit' = any(:fields_sent) THEN excluded.hiit ELSE tp.hiit END,
        yoga_pilates = CASE
            WHEN 'yoga_pilates' = any(:fields_sent) THEN excluded.yoga_pilates ELSE tp.yoga_pilates
        END,
        functional_training = CASE
            WHEN 'functional_training' = any(:fields_sent) THEN excluded.functional_training
            ELSE tp.functional_training
        END,
        stretching = CASE WHEN 'stretching' = any(:fields_sent) THEN excluded.stretching ELSE tp.stretching END
RETURNING
    id,
    api_training_profile(tp)::TEXT AS training_profile;

-- name: get_my_training_profile(token_hash, touch_after_seconds)^
-- GET /auth/training-profile in one round trip: the caller's session (no row when the token does
-- not sign anyone in) and the response body, {"training_profile": TrainingProfile or null}.
WITH touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        token_hash = :token_hash
        AND expires_at > now()
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
)

SELECT
    s.session_id,
    s.authenticated_at,
    s.user_id AS id,
    s.username,
    s.is_admin,
    json_build_object('training_profile', api_training_profile(tp))::TEXT AS body
FROM signed_in_sessions AS s
LEFT JOIN training_profiles AS tp ON s.user_id = tp.user_id
WHERE s.token_hash = :token_hash;
