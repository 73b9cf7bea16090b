-- Queries on enrolments and progress through courses (user_course_progress), one row per
-- (user, course). Each returns the Progress shape: the course summary is built as JSON here,
-- so a list costs one query whatever its length.

-- name: enroll_in_course(user_id, course_id)^
-- Enrol a user in an active course; no row when the course is missing or inactive, or when
-- the user is already enrolled (ON CONFLICT: concurrent enrolments still leave one row).
-- FOR KEY SHARE waits for a concurrent delete or deactivation of the course, then sees it.
WITH course AS (
    SELECT
        id,
        title,
        duration_minutes,
        difficulty_level,
        category
    FROM courses
    WHERE id = :course_id AND is_active
    FOR KEY SHARE
),

enrolled AS (
    INSERT INTO user_course_progress (user_id, course_id)
    SELECT
        :user_id,
        id
    FROM course
    ON CONFLICT (user_id, course_id) DO NOTHING
    RETURNING id, course_id, progress_percentage, started_at, completed_at, updated_at
)

SELECT
    e.id,
    e.course_id,
    json_build_object(
        'id', c.id,
        'title', c.title,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category
    ) AS course,
    e.progress_percentage,
    e.started_at,
    e.completed_at,
    e.updated_at
FROM enrolled AS e
INNER JOIN course AS c ON e.course_id = c.id;

-- name: get_progress(user_id, course_id)^
-- One user's progress in one course, with the course summary; no row when not enrolled.
SELECT
    p.id,
    p.course_id,
    json_build_object(
        'id', c.id,
        'title', c.title,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category
    ) AS course,
    p.progress_percentage,
    p.started_at,
    p.completed_at,
    p.updated_at
FROM user_course_progress AS p
INNER JOIN courses AS c ON p.course_id = c.id
WHERE p.user_id = :user_id AND p.course_id = :course_id;

-- name: update_progress(user_id, course_id, progress_percentage)^
-- Record how far a user is through a course; completed_at is set the first time it reaches
-- 100 and then kept. No row when the user is not enrolled.
UPDATE user_course_progress AS p
SET
    progress_percentage = :progress_percentage,
    completed_at = CASE
        WHEN p.completed_at IS NULL AND :progress_percentage = 100 THEN now() ELSE p.completed_at
    END
FROM courses AS c
WHERE p.course_id = c.id AND p.user_id = :user_id AND p.course_id = :course_id
RETURNING
    p.id,
    p.course_id,
    json_build_object(
        'id', c.id,
        'title', c.title,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category
    ) AS course,
    p.progress_percentage,
    p.started_at,
    p.completed_at,
    p.updated_at;

-- name: delete_enrolment(user_id, course_id)$
-- Drop a user's enrolment (and its progress); no row when the user was not enrolled.
DELETE FROM user_course_progress
WHERE user_id = :user_id AND course_id = :course_id
RETURNING id;

-- name: list_user_progress(user_id, after_id, page_size)
-- A page of one user's enrolments in enrolment order (keyset: ids greater than after_id),
-- each with its course summary, in one query (retired courses included).
SELECT
    p.id,
    p.course_id,
    json_build_object(
        'id', c.id,
        'title', c.title,
        'duration_minutes', c.duration_minutes,
        'difficulty_level', c.difficulty_level,
        'category', c.category
    ) AS course,
    p.progress_percentage,
    p.started_at,
    p.completed_at,
    p.updated_at
FROM user_course_progress AS p
INNER JOIN courses AS c ON p.course_id = c.id
WHERE p.user_id = :user_id AND p.id > :after_id
ORDER BY p.id
LIMIT :page_size;
