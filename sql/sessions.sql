-- Queries on signed-in sessions (active_sessions). A session is found by the SHA-256
-- of its token's secret; the token itself is never stored.

-- name: insert_session(user_id, token_hash, expires_at, authenticated_at, user_agent, ip_address, password_version)^
-- Open a session for an active user who just signed in (or refreshed); nothing when the user
-- is inactive or gone, or when password_version is given and the password has changed since
-- it was checked. The user's row is locked (FOR SHARE) until the transaction ends: a password
-- change, deactivation or deletion updates that row before it ends the user's sessions, so it
-- either waits and then ends this session too, or commits first and this insert finds nothing.
INSERT INTO active_sessions (user_id, token_hash, expires_at, authenticated_at, user_agent, ip_address)
SELECT
    u.id,
    :token_hash,
    :expires_at,
    :authenticated_at,
    :user_agent,
    :ip_address
FROM users AS u
WHERE
    u.id = :user_id
    AND u.is_active
    AND (:password_version::INTEGER IS NULL OR u.password_version = :password_version)
FOR SHARE OF u
RETURNING id, expires_at;

-- name: authenticate_session(token_hash, touch_after_seconds)^
-- The unexpired session and active user behind a token, in one round trip.
-- last_seen_at is refreshed at most once per touch_after_seconds, so most checks write nothing.
WITH session AS (
    SELECT
        id,
        user_id,
        created_at,
        authenticated_at,
        last_seen_at
    FROM active_sessions
    WHERE token_hash = :token_hash AND expires_at > now()
),

touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        id = (SELECT id FROM session)
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
)

SELECT
    s.id AS session_id,
    s.authenticated_at,
    u.id,
    u.username,
    u.email,
    u.full_name,
    u.is_active,
    u.is_admin,
    u.created_at,
    u.updated_at
FROM session AS s
INNER JOIN users AS u ON s.user_id = u.id
WHERE u.is_active;

-- name: revoke_session(id)$
-- End one session (logout).
DELETE FROM active_sessions
WHERE id = :id
RETURNING id;

-- name: revoke_user_sessions(user_id)$
-- End every session of a user; returns how many were ended.
WITH revoked AS (
    DELETE FROM active_sessions
    WHERE user_id = :user_id
    RETURNING id
)

SELECT count(*) AS revoked FROM revoked;

-- name: delete_expired_sessions(batch_size)$
-- Delete at most batch_size expired sessions (bounded, index-driven); returns how many.
-- The ids go to the DELETE as an array, so it finds them by primary key: a join with the
-- CTE was planned as a hash join over a sequential scan of the whole table.
WITH expired AS (
    SELECT id
    FROM active_sessions
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT :batch_size
    FOR UPDATE SKIP LOCKED
),

deleted AS (
    DELETE FROM active_sessions
    WHERE id = any(array(SELECT id FROM expired))
    RETURNING id
)

SELECT count(*) AS deleted FROM deleted;

-- name: revoke_other_user_sessions(user_id, keep_session_id)$
-- End every session of a user except one (the caller's, after a password change).
WITH revoked AS (
    DELETE FROM active_sessions
    WHERE user_id = :user_id AND id <> :keep_session_id
    RETURNING id
)

SELECT count(*) AS revoked FROM revoked;

-- name: list_user_sessions(user_id, before_id, page_size)
-- A page of a user's unexpired sessions, newest first (keyset: ids below before_id when given).
SELECT
    id,
    created_at,
    expires_at,
    last_seen_at,
    user_agent,
    ip_address
FROM active_sessions
WHERE
    user_id = :user_id
    AND expires_at > now()
    AND (:before_id::BIGINT IS NULL OR id < :before_id)
ORDER BY id DESC
LIMIT :page_size;

-- name: revoke_own_session(id, user_id)$
-- End one session if it belongs to this user; returns its id, or nothing when it does not.
DELETE FROM active_sessions
WHERE id = :id AND user_id = :user_id
RETURNING id;

-- name: count_active_user_sessions(user_id)$
-- How many unexpired sessions a user has.
SELECT count(*) AS active_sessions_count
FROM active_sessions
WHERE user_id = :user_id AND expires_at > now();
