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
-- The session and active user behind a token, in one round trip; no row when the session
-- expired or was revoked, or its account is inactive (signed_in_sessions, migration 0015).
-- last_seen_at is refreshed at most once per touch_after_seconds, so most checks write nothing.
WITH touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        token_hash = :token_hash
        AND expires_at > now()
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
)

SELECT
    session_id,
    authenticated_at,
    user_id AS id,
    username,
    email,
    full_name,
    is_active,
    is_admin,
    created_at,
    updated_at
FROM signed_in_sessions
WHERE token_hash = :token_hash;

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

-- name: revoke_other_user_sessions(user_id, keep_session_id)$
-- End every session of a user except one (the caller's, after a password change).
WITH revoked AS (
    DELETE FROM active_sessions
    WHERE user_id = :user_id AND id <> :keep_session_id
    RETURNING id
)

SELECT count(*) AS revoked FROM revoked;

-- name: list_my_sessions_page(token_hash, touch_after_seconds, before_id, page_size)^
-- GET /auth/active-sessions in one round trip: the caller's session (no row when the token does
-- not sign anyone in) and, as body, a page of their unexpired sessions, newest first:
-- {"active_sessions": [Session], "pagination": {...}}. `current` marks the caller's own session,
-- whose last_seen_at is the one this statement may have just written.
-- Keyset: ids below before_id when given; a seek on (user_id, id) at any depth.
WITH touched AS (
    UPDATE active_sessions
    SET last_seen_at = now()
    WHERE
        token_hash = :token_hash
        AND expires_at > now()
        AND last_seen_at < now() - make_interval(secs => :touch_after_seconds)
    RETURNING id, last_seen_at
)

SELECT
    s.session_id,
    s.authenticated_at,
    s.user_id AS id,
    s.username,
    s.is_admin,
    (
        SELECT
            json_build_object(
                'active_sessions', coalesce(
                    json_agg(
                        json_build_object(
                            'id', page.id,
                            'created_at', api_timestamp(page.created_at),
                            'expires_at', api_timestamp(page.expires_at),
                            'last_seen_at', api_timestamp(coalesce(t.last_seen_at, page.last_seen_at)),
                            'user_agent', page.user_agent,
                            'ip_address', page.ip_address,
                            'current', page.id = s.session_id
                        ) ORDER BY page.id DESC
                    ),
                    '[]'::JSON
                ),
                'pagination', api_pagination(:page_size, count(*), min(page.id))
            )::TEXT
        FROM (
            SELECT
                a.id,
                a.created_at,
                a.expires_at,
                a.last_seen_at,
                a.user_agent,
                a.ip_address
            FROM active_sessions AS a
            WHERE
                a.user_id = s.user_id
                AND a.expires_at > now()
                AND (:before_id::BIGINT IS NULL OR a.id < :before_id)
            ORDER BY a.id DESC
            LIMIT :page_size
        ) AS page
        LEFT JOIN touched AS t ON page.id = t.id
    ) AS body
FROM signed_in_sessions AS s
WHERE s.token_hash = :token_hash;

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
