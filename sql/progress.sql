-- Queries on enrolments and progress through courses (user_course_progress), one row per
-- (user, course). Each answers with the API's Progress as JSON text (api_progress, migration
-- 0015), which the service sends as the response body.

-- name: enroll_in_course(user_id, course_id)^
-- Enrol a user in an active course; body is the new Progress. No row when the course is missing
-- or inactive, or when the user is already enrolled (ON CONFLICT: concurrent enrolments still
-- leave one row). FOR KEY SHARE waits for a concurrent delete or deactivation of the course,
-- then sees it.
WITH course AS (
    SELECT c AS course
    FROM courses AS c
    WHERE c.id = :course_id AND c.is_active
    FOR KEY SHARE
),

enrolled AS (
    INSERT INTO user_course_progress AS p (user_id, course_id)
    SELECT
        :user_id AS owner_id,
        (course).id AS course_id
    FROM course
    ON CONFLICT (user_id, course_id) DO NOTHING
    RETURNING p AS progress
)

SELECT api_progress(e.progress, c.course)::TEXT AS body
FROM enrolled AS e
CROSS JOIN course AS c;

-- name: get_progress(user_id, course_id)^
-- One user's progress in one course (body: Progress); no row when not enrolled.
SELECT api_progress(p, c)::TEXT AS body
FROM user_course_progress AS p
INNER JOIN courses AS c ON p.course_id = c.id
WHERE p.user_id = :user_id AND p.course_id = :course_id;

-- name: update_progress(user_id, course_id, progress_percentage)^
-- Record how far a user is through a course (body: the Progress); completed_at is set the
-- first time it reaches 100 and then kept. No row when the user is not enrolled.
UPDATE user_course_progress AS p
SET
    progress_percentage = :progress_percentage,
    completed_at = CASE
        WHEN p.completed_at IS NULL AND :progress_percentage = 100 THEN now() ELSE p.completed_at
    END
FROM courses AS c
WHERE p.course_id = c.id AND p.user_id = :user_id AND p.course_id = :course_id
RETURNING api_progress(p, c)::TEXT AS body;

-- name: delete_enrolment(user_id, course_id)$
-- Drop a user's enrolment (and its progress); no row when the user was not enrolled.
DELETE FROM user_course_progress
WHERE user_id = :user_id AND course_id = :course_id
RETURNING id;

-- name: list_my_progress_page(token_hash, touch_after_seconds, after_id, page_size)^
-- GET /api/progress in one round trip: the caller's session (no row when the token does not
-- sign anyone in) and, as body, a page of their enrolments in enrolment order, each with its
-- course summary (retired courses included): {"progress": [Progress], "pagination": {...}}.
-- Keyset: ids above after_id, the same work at any depth (see tests/test_query_plans.py).
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
        SELECT
            json_build_object(
                'progress', coalesce(
                    json_agg(
                        api_progress(
                            page.enrolment,
                            (
                                SELECT c FROM courses AS c
                                WHERE c.id = page.course_id
                            )
                        ) ORDER BY page.id
                    ),
                    '[]'::JSON
                ),
                'pagination', api_pagination(:page_size, count(*), max(page.id))
            )::TEXT
        FROM (
            SELECT
                p.id,
                p.course_id,
                p AS enrolment
            FROM user_course_progress AS p
            WHERE p.user_id = s.user_id AND p.id > :after_id
            ORDER BY p.id
            LIMIT :page_size
        ) AS page
    ) AS body
FROM signed_in_sessions AS s
WHERE s.token_hash = :token_hash;

-- name: list_user_progress_page(token_hash, touch_after_seconds, user_id, after_id, page_size)^
-- GET /api/users/{id}/progress in one round trip: the caller's session (no row when the token
-- does not sign anyone in) and, as body, a page of user_id's enrolments as in
-- list_my_progress_page, when the caller may see them (their own, or anyone's for an admin)
-- and the account exists; body is NULL otherwise.
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
    CASE
        WHEN
            (s.is_admin OR s.user_id = :user_id)
            AND EXISTS (
                SELECT 1 FROM users
                WHERE id = :user_id
            )
            THEN (
                SELECT
                    json_build_object(
                        'progress', coalesce(
                            json_agg(
                                api_progress(
                                    page.enrolment,
                                    (
                                        SELECT c FROM courses AS c
                                        WHERE c.id = page.course_id
                                    )
                                ) ORDER BY page.id
                            ),
                            '[]'::JSON
                        ),
                        'pagination', api_pagination(:page_size, count(*), max(page.id))
                    )::TEXT
                FROM (
                    SELECT
                        p.id,
                        p.course_id,
                        p AS enrolment
                    FROM user_course_progress AS p
                    WHERE p.user_id = :user_id AND p.id > :after_id
                    ORDER BY p.id
                    LIMIT :page_size
                ) AS page
            )
    END AS body
FROM signed_in_sessions AS s
WHERE s.token_hash = :token_hash;
