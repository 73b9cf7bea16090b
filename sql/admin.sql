-- Queries of the admin console (/admin). Output columns never include hashed_password.
-- Each query is named for one job, so a slow one can be reworked without touching the others.

-- name: get_stats()^
-- Account and questionnaire counts for the dashboard (one pass over users).
SELECT
    count(*) AS total_users,
    count(*) FILTER (WHERE u.is_active) AS active_users,
    (SELECT count(*) FROM training_profiles) AS completed_profiles,
    count(*) FILTER (WHERE u.created_at >= now() - INTERVAL '7 days') AS last_week_signups
FROM users AS u;

-- name: count_users()$
-- How many accounts exist (the total of the paged user list): exact, kept up to date by the
-- triggers of migration 0004, so it costs one row read instead of counting every account.
SELECT total FROM user_count;

-- name: list_users_page(page_size, skip)
-- One page of accounts in id order, with whether each has a training profile.
-- The page's ids are found first by skipping along the primary key alone (an index-only scan:
-- no row of a skipped account is read); then only the page's rows are read and joined to their
-- profiles. A deep page still skips `skip` index entries (keyset paging is /api/users).
WITH page AS (
    SELECT id
    FROM users
    ORDER BY id
    LIMIT :page_size OFFSET :skip
)

SELECT
    u.id,
    u.username,
    u.email,
    u.full_name,
    u.is_active,
    u.is_admin,
    tp.id IS NOT NULL AS has_training_profile,
    u.created_at
FROM page AS p
INNER JOIN users AS u ON p.id = u.id
LEFT JOIN training_profiles AS tp ON u.id = tp.user_id
ORDER BY u.id;

-- name: export_users_basic()
-- Every account without its questionnaire, in id order.
SELECT
    id,
    username,
    email,
    full_name,
    is_active,
    is_admin,
    created_at,
    updated_at
FROM users
ORDER BY id;

-- name: export_users_full()
-- Every account with its training profile columns (NULL when there is none), in id order.
SELECT
    u.id,
    u.username,
    u.email,
    u.full_name,
    u.is_active,
    u.is_admin,
    u.created_at,
    u.updated_at,
    tp.id AS profile_id,
    tp.gender,
    tp.age,
    tp.height_cm,
    tp.weight_kg,
    tp.training_goals,
    tp.training_level,
    tp.frequency_last_3_months,
    tp.training_location,
    tp.location_details,
    tp.session_duration,
    tp.joint_back_problems,
    tp.chronic_conditions,
    tp.health_details,
    tp.strength_training,
    tp.cardio,
    tp.hiit,
    tp.yoga_pilates,
    tp.functional_training,
    tp.stretching,
    tp.created_at AS profile_created_at,
    tp.updated_at AS profile_updated_at
FROM users AS u
LEFT JOIN training_profiles AS tp ON u.id = tp.user_id
ORDER BY u.id;

-- name: list_recent_activity(page_size)
-- The newest registrations, questionnaires and questionnaire updates, newest first.
-- Each branch reads at most page_size rows through an index (users.created_at,
-- training_profiles.id, which grows with creation time, and training_profiles.updated_at).
SELECT
    a.action,
    a.user_email,
    a.happened_at,
    a.details
FROM (
    (
        SELECT
            'user_registered' AS action,
            u.email AS user_email,
            u.created_at AS happened_at,
            'New account: ' || u.username AS details
        FROM users AS u
        WHERE u.created_at IS NOT NULL
        ORDER BY u.created_at DESC
        LIMIT :page_size
    )
    UNION ALL
    (
        SELECT
            'profile_created' AS action,
            u.email AS user_email,
            tp.created_at AS happened_at,
            'Training questionnaire completed by ' || u.username AS details
        FROM training_profiles AS tp
        INNER JOIN users AS u ON tp.user_id = u.id
        WHERE tp.created_at IS NOT NULL
        ORDER BY tp.id DESC
        LIMIT :page_size
    )
    UNION ALL
    (
        SELECT
            'profile_updated' AS action,
            u.email AS user_email,
            tp.updated_at AS happened_at,
            'Training questionnaire updated by ' || u.username AS details
        FROM training_profiles AS tp
        INNER JOIN users AS u ON tp.user_id = u.id
        WHERE tp.updated_at IS NOT NULL
        ORDER BY tp.updated_at DESC
        LIMIT :page_size
    )
) AS a
ORDER BY a.happened_at DESC
LIMIT :page_size;

-- name: revoke_user_sessions(user_id)^
-- End every session of a user; says whether the user exists and how many sessions ended.
WITH revoked AS (
    DELETE FROM active_sessions
    WHERE user_id = :user_id
    RETURNING id
)

SELECT
    exists(
        SELECT 1 FROM users
        WHERE id = :user_id
    ) AS user_found,
    (SELECT count(*) FROM revoked) AS revoked;
