-- Queries on user accounts. Output columns never include hashed_password except in
-- get_login_candidate and get_password_check, which the sign-in code needs to verify a password.

-- name: get_user_by_id(id)^
-- One user with their training profile columns (profile columns are NULL when there is none).
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
WHERE u.id = :id;

-- name: get_login_candidate(login)^
-- The account a sign-in name refers to: its username or its email, case-insensitively, with
-- the password version its session will be opened at.
SELECT
    id,
    username,
    email,
    full_name,
    is_active,
    is_admin,
    hashed_password,
    password_version
FROM users
WHERE lower(username) = lower(:login) OR email = lower(:login)
ORDER BY lower(username) = lower(:login) DESC
LIMIT 1;

-- name: insert_user(username, email, hashed_password, full_name, is_admin, is_active)^
-- Create an account; a duplicate username or email raises a unique violation.
INSERT INTO users (username, email, hashed_password, full_name, is_admin, is_active)
VALUES (:username, lower(:email), :hashed_password, :full_name, :is_admin, :is_active)
RETURNING id;

-- name: update_user(id, full_name, email, is_active, is_admin)^
-- Change an account's editable fields; a NULL argument keeps the stored value.
UPDATE users
SET
    full_name = coalesce(:full_name, full_name),
    email = coalesce(lower(:email), email),
    is_active = coalesce(:is_active, is_active),
    is_admin = coalesce(:is_admin, is_admin)
WHERE id = :id
RETURNING id;

-- name: set_password(id, hashed_password, expected_version)$
-- Store a new password (a change or an admin's reset) and raise the password version; with
-- expected_version given, only if the version is still that one. Returns the new version,
-- or NULL when nothing was changed.
UPDATE users
SET
    hashed_password = :hashed_password,
    password_version = password_version + 1
WHERE id = :id AND (:expected_version::INTEGER IS NULL OR password_version = :expected_version)
RETURNING password_version;

-- name: upgrade_password_hash(id, hashed_password, checked_hash)!
-- Replace a hash of older parameters by one of the configured method, for the same password:
-- only while the stored hash is still the one the password was checked against (a password
-- changed meanwhile is never overwritten). The password version does not change.
UPDATE users
SET hashed_password = :hashed_password
WHERE id = :id AND hashed_password = :checked_hash;

-- name: get_password_check(id)^
-- What checking an account's current password needs: its hash, its password version, and its
-- username (the name its throttling counter is kept under).
SELECT
    hashed_password,
    password_version,
    username
FROM users
WHERE id = :id;

-- name: lock_active_admins()
-- The ids of every active admin, locked (FOR UPDATE, in id order) until the transaction ends:
-- a change that could remove the last one is decided while no other such change can run.
SELECT id
FROM users
WHERE is_admin AND is_active
ORDER BY id
FOR UPDATE;

-- name: delete_user(id)$
-- Delete an account; its profile, sessions and progress go with it (ON DELETE CASCADE).
DELETE FROM users
WHERE id = :id
RETURNING id;

-- name: get_signed_in_user(token_hash, touch_after_seconds)^
-- GET /auth/me in one round trip: the session behind a token (no row when it expired, was
-- revoked or its account is inactive) with the response body, {"user_info": User}.
-- last_seen_at is refreshed at most once per touch_after_seconds, so most calls write nothing.
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
    json_build_object('user_info', api_user(u, tp))::TEXT AS body
FROM signed_in_sessions AS s
INNER JOIN users AS u ON s.user_id = u.id
LEFT JOIN training_profiles AS tp ON s.user_id = tp.user_id
WHERE s.token_hash = :token_hash;

-- name: get_visible_user(token_hash, touch_after_seconds, id)^
-- GET /api/users/{id} in one round trip: the caller's session (no row when the token does not
-- sign anyone in) and, as body, the User with that id if the caller may see it (themselves, or
-- anyone for an admin); body is NULL for an account that does not exist or is not theirs to see.
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
    (
        SELECT api_user(u, tp)::TEXT
        FROM users AS u
        LEFT JOIN training_profiles AS tp ON u.id = tp.user_id
        WHERE u.id = :id AND (s.is_admin OR s.user_id = :id)
    ) AS body
FROM signed_in_sessions AS s
WHERE s.token_hash = :token_hash;

-- name: list_users_page(token_hash, touch_after_seconds, q, is_active, is_admin, after_id, page_size)^
-- GET /api/users in one round trip: the caller's session (no row when the token does not sign
-- anyone in) and, for an admin, the page as body: {"users": [User], "pagination": {...}};
-- body is NULL for a caller who is not an admin.
-- Keyset: users with ids above after_id, in id order. The page is found first (a seek on the
-- primary key, filters applied there), then each of its accounts looks up its own profile
-- (one index probe each), so a page deep in the table costs what the first one does.
-- q with at least three letters or digits in a row matches a substring of username, email or
-- full name, case-insensitively: the trigram index of migration 0012 finds the candidates
-- (q is escaped, so it is never a pattern), strpos then checks each field. A shorter q (fewer
-- than three letters or digits in a row: the index could not narrow it down, and every account
-- would be read) matches a whole username or email instead, through their unique indexes.
WITH touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        token_hash = :token_hash
        AND expires_at > now()
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
),

page AS (
    SELECT
        u.id,
        u AS account
    FROM users AS u
    WHERE
        u.id > :after_id
        AND (:is_active::BOOLEAN IS NULL OR u.is_active = :is_active)
        AND (:is_admin::BOOLEAN IS NULL OR u.is_admin = :is_admin)
        AND (
            :q::TEXT IS NULL
            OR (
                lower(u.username) || ' ' || u.email || ' ' || lower(u.full_name) LIKE search_pattern(:q)
                AND (
                    strpos(lower(u.username), lower(:q)) > 0
                    OR strpos(u.email, lower(:q)) > 0
                    OR strpos(lower(u.full_name), lower(:q)) > 0
                )
            )
            OR (
                search_pattern(:q) IS NULL
                AND (lower(u.username) = lower(:q) OR u.email = lower(:q))
            )
        )
    ORDER BY u.id
    LIMIT :page_size
)

SELECT
    s.session_id,
    s.authenticated_at,
    s.user_id AS id,
    s.username,
    s.is_admin,
    CASE WHEN s.is_admin THEN (
        SELECT
            json_build_object(
                'users', coalesce(
                    json_agg(
                        api_user(
                            page.account,
                            (
                                SELECT tp FROM training_profiles AS tp
                                WHERE tp.user_id = page.id
                            )
                        ) ORDER BY page.id
                    ),
                    '[]'::JSON
                ),
                'pagination', api_pagination(:page_size, count(*), max(page.id))
            )::TEXT
        FROM page
    ) END AS body
FROM signed_in_sessions AS s
WHERE s.token_hash = :token_hash;

-- name: username_and_email_taken(username, email)^
-- Whether a username and an email are already in use (NULL arguments give false).
SELECT
    exists(
        SELECT 1 FROM users
        WHERE lower(username) = lower(:username)
    ) AS username_taken,
    exists(
        SELECT 1 FROM users
        WHERE email = lower(:email)
    ) AS email_taken;

-- name: insert_user_if_absent(username, email, hashed_password, full_name, is_admin)$
-- Create a sample account unless its username or email is taken; returns its id either way.
WITH inserted AS (
    INSERT INTO users (username, email, hashed_password, full_name, is_admin)
    VALUES (:username, lower(:email), :hashed_password, :full_name, :is_admin)
    ON CONFLICT DO NOTHING
    RETURNING id
)

SELECT id FROM inserted
UNION ALL
SELECT id FROM users
WHERE lower(username) = lower(:username)
LIMIT 1;

-- name: check_email_for_caller(token_hash, touch_after_seconds, email)^
-- GET /auth/check-email-availability in one round trip: the caller's session (no row when the
-- token does not sign anyone in) and the answer as body, {"available", "message"}: an email is
-- available unless another account uses it (the caller's own counts as available).
WITH touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        token_hash = :token_hash
        AND expires_at > now()
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
),

caller AS (
    SELECT
        s.session_id,
        s.authenticated_at,
        s.user_id,
        s.username,
        s.is_admin,
        exists(
            SELECT 1 FROM users AS other
            WHERE other.email = lower(:email) AND other.id <> s.user_id
        ) AS email_taken
    FROM signed_in_sessions AS s
    WHERE s.token_hash = :token_hash
)

SELECT
    session_id,
    authenticated_at,
    user_id AS id,
    username,
    is_admin,
    json_build_object(
        'available', NOT email_taken,
        'message', CASE WHEN email_taken THEN 'Email already registered' ELSE 'Email is available' END
    )::TEXT AS body
FROM caller;
