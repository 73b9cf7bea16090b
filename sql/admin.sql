-- Queries of the admin console (/admin). Output columns never include hashed_password.
-- Each query is named for one job, so a slow one can be reworked without touching the others.

-- name: get_stats()^
-- Account and questionnaire counts for the dashboard, from the maintained counts of
-- counter_deltas (migration 0010): a few hundred rows, whatever the number of accounts.
-- Last week's sign-ups: whole hours from the signups_hour buckets, plus the accounts created in
-- the part-hour at the start of the week, found by an index range scan on users.created_at.
WITH edge AS (
    SELECT
        now() - INTERVAL '7 days' AS since,
        floor(extract(EPOCH FROM now() - INTERVAL '7 days') / 3600)::BIGINT + 1 AS first_whole_hour
),

counts AS (
    SELECT
        coalesce(sum(d.delta) FILTER (WHERE d.counter = 'user_id_block'), 0)::BIGINT AS total_users,
        coalesce(sum(d.delta) FILTER (WHERE d.counter = 'active_users'), 0)::BIGINT AS active_users,
        coalesce(sum(d.delta) FILTER (WHERE d.counter = 'profiled_users'), 0)::BIGINT AS completed_profiles,
        coalesce(
            sum(d.delta) FILTER (WHERE d.counter = 'signups_hour' AND d.bucket >= e.first_whole_hour), 0
        )::BIGINT AS whole_hour_signups
    FROM counter_deltas AS d
    CROSS JOIN edge AS e
)

SELECT
    c.total_users,
    c.active_users,
    c.completed_profiles,
    c.whole_hour_signups + (
        SELECT count(*) FROM users AS u
        WHERE u.created_at >= e.since AND u.created_at < to_timestamp(e.first_whole_hour * 3600)
    ) AS last_week_signups
FROM counts AS c
CROSS JOIN edge AS e;

-- name: count_users()$
-- How many accounts exist (the total of the paged user list): exact, the sum of the per-block
-- counts that migration 0010's triggers keep, so it reads a few hundred rows, not every account.
SELECT coalesce(sum(delta), 0)::BIGINT AS total
FROM counter_deltas
WHERE counter = 'user_id_block';

-- name: list_users_page(page_size, skip)
-- One page of accounts in id order, with whether each has a training profile.
-- The maintained count of accounts per block of 10000 ids (counter_deltas, user_id_block; the
-- block size is user_counter_keys' in migration 0010) says which block the page starts in and
-- how many accounts of that block come before it: the index is entered at that block's first
-- id, and at most one block's entries are skipped, so a deep page costs what the first does.
-- Counts and accounts are read in one statement, from one snapshot: the page is exact.
WITH blocks AS (
    SELECT
        bucket AS block,
        sum(delta) AS accounts
    FROM counter_deltas
    WHERE counter = 'user_id_block'
    GROUP BY bucket
),

placed AS (
    SELECT
        block,
        sum(accounts) OVER (ORDER BY block) - accounts AS accounts_before
    FROM blocks
),

start AS (
    SELECT
        block * 10000 AS first_id,
        :skip - accounts_before AS skip_in_block
    FROM placed
    WHERE accounts_before <= :skip
    ORDER BY block DESC
    LIMIT 1
),

page AS (
    SELECT u.id
    FROM users AS u
    WHERE u.id >= (SELECT s.first_id FROM start AS s)
    ORDER BY u.id
    LIMIT :page_size OFFSET (SELECT s.skip_in_block FROM start AS s)
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

-- name: export_users_basic_json()
-- Every account without its questionnaire, in id order, each as the JSON text of a User
-- without training_profile. Read through a server-side cursor, a chunk at a time.
-- row_to_json of a row of named columns writes compact JSON in the columns' order (twice as
-- fast as json_build_object, whose output also has a space around every colon).
SELECT
    (
        SELECT row_to_json(a)
        FROM (
            SELECT
                u.id,
                u.username,
                u.email,
                u.full_name,
                u.is_active,
                u.is_admin,
                u.created_at,
                u.updated_at
        ) AS a
    )::TEXT AS user_json
FROM users AS u
ORDER BY u.id;

-- name: export_users_full_json()
-- Every account with its training profile nested as the User representation shows it (null
-- when there is none), in id order, as JSON text. Read through a server-side cursor.
SELECT
    (
        SELECT row_to_json(a)
        FROM (
            SELECT
                u.id,
                u.username,
                u.email,
                u.full_name,
                u.is_active,
                u.is_admin,
                u.created_at,
                u.updated_at,
                CASE WHEN tp.id IS NOT NULL THEN (
                    SELECT row_to_json(p)
                    FROM (
                        SELECT
                            (
                                SELECT row_to_json(b)
                                FROM (
                                    SELECT
                                        tp.gender,
                                        tp.age,
                                        tp.height_cm,
                                        tp.weight_kg
                                ) AS b
                            ) AS basic_information,
                            tp.training_goals,
                            (
                                SELECT row_to_json(e)
                                FROM (
                                    SELECT
                                        tp.training_level AS level,
                                        tp.frequency_last_3_months
                                ) AS e
                            ) AS training_experience,
                            (
                                SELECT row_to_json(r)
                                FROM (
                                    SELECT
                                        tp.training_location,
                                        tp.location_details,
                                        tp.session_duration
                                ) AS r
                            ) AS preferences,
                            (
                                SELECT row_to_json(h)
                                FROM (
                                    SELECT
                                        tp.joint_back_problems,
                                        tp.chronic_conditions,
                                        tp.health_details
                                ) AS h
                            ) AS health,
                            (
                                SELECT row_to_json(t)
                                FROM (
                                    SELECT
                                        tp.strength_training,
                                        tp.cardio,
                                        tp.hiit,
                                        tp.yoga_pilates,
                                        tp.functional_training,
                                        tp.stretching
                                ) AS t
                            ) AS training_types,
                            tp.created_at,
                            tp.updated_at
                    ) AS p
                ) END AS training_profile
        ) AS a
    )::TEXT AS user_json
FROM users AS u
LEFT JOIN training_profiles AS tp ON u.id = tp.user_id
ORDER BY u.id;

-- name: export_users_basic_csv_header()$
-- The header row of export_users_basic_csv: the names of its cells, in their order.
SELECT concat_ws(
    ',',
    'id',
    'username',
    'email',
    'full_name',
    'is_active',
    'is_admin',
    'created_at',
    'updated_at'
) AS header;

-- name: export_users_basic_csv()
-- Every account without its questionnaire, in id order, one CSV line each (without its line
-- end). Text goes through csv_cell (migration 0014: RFC 4180 quoting, spreadsheet formulas
-- neutralised); numbers, booleans and ISO timestamps never need quoting (the CHECK
-- constraints keep numbers positive) and are written as they are, NULL as an empty cell.
-- Keep the cells in the order of the header query above.
SELECT
    concat_ws(
        ',',
        coalesce(u.id::TEXT, ''),
        csv_cell(u.username),
        csv_cell(u.email),
        csv_cell(u.full_name),
        coalesce(u.is_active::TEXT, ''),
        coalesce(u.is_admin::TEXT, ''),
        coalesce(to_json(u.created_at) #>> '{}', ''),
        coalesce(to_json(u.updated_at) #>> '{}', '')
    ) AS csv_line
FROM users AS u
ORDER BY u.id;

-- name: export_users_full_csv_header()$
-- The header row of export_users_full_csv: the names of its cells, in their order.
SELECT 'id,username,email,full_name,is_active,is_admin,created_at,updated_at,has_training_profile,gender,age,height_cm,weight_kg,training_goals,training_level,frequency_last_3_months,training_location,location_details,session_duration,joint_back_problems,chronic_conditions,health_details,strength_training,cardio,hiit,yoga_pilates,functional_training,stretching,profile_created_at,profile_updated_at' AS header;

-- name: export_users_full_csv()
-- Every account with its questionnaire flattened into cells (empty when there is none; the
-- goals, known words without quotes or commas, separated by ";"), in id order, one CSV line
-- each, written as export_users_basic_csv writes its cells. Keep the cells in the order of the
-- header query above.
SELECT
    concat_ws(
        ',',
        coalesce(u.id::TEXT, ''),
        csv_cell(u.username),
        csv_cell(u.email),
        csv_cell(u.full_name),
        coalesce(u.is_active::TEXT, ''),
        coalesce(u.is_admin::TEXT, ''),
        coalesce(to_json(u.created_at) #>> '{}', ''),
        coalesce(to_json(u.updated_at) #>> '{}', ''),
        (tp.id IS NOT NULL)::TEXT,
        csv_cell(tp.gender),
        coalesce(tp.age::TEXT, ''),
        coalesce(tp.height_cm::TEXT, ''),
        coalesce(tp.weight_kg::TEXT, ''),
        coalesce(replace(translate(tp.training_goals::TEXT, '[]" ', ''), ',', ';'), ''),
        csv_cell(tp.training_level),
        csv_cell(tp.frequency_last_3_months),
        csv_cell(tp.training_location),
        csv_cell(tp.location_details),
        csv_cell(tp.session_duration),
        coalesce(tp.joint_back_problems::TEXT, ''),
        coalesce(tp.chronic_conditions::TEXT, ''),
        csv_cell(tp.health_details),
        coalesce(tp.strength_training::TEXT, ''),
        coalesce(tp.cardio::TEXT, ''),
        coalesce(tp.hiit::TEXT, ''),
        coalesce(tp.yoga_pilates::TEXT, ''),
        coalesce(tp.functional_training::TEXT, ''),
        coalesce(tp.stretching::TEXT, ''),
        coalesce(to_json(tp.created_at) #>> '{}', ''),
        coalesce(to_json(tp.updated_at) #>> '{}', '')
    ) AS csv_line
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
