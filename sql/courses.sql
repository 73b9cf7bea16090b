-- Queries on the course catalogue (courses).

-- name: insert_course_if_absent(title, description, duration_minutes, difficulty_level, category)!
-- Add a sample course unless an active course already has its title.
INSERT INTO courses (title, description, duration_minutes, difficulty_level, category)
VALUES (:title, :description, :duration_minutes, :difficulty_level, :category)
ON CONFLICT (lower(title)) WHERE is_active DO NOTHING;

-- name: list_courses_page(include_inactive, category, difficulty_level, q, after_id, page_size)^
-- A page of courses as the response body: {"courses": [Course], "pagination": {...}}.
-- Keyset: ids above after_id, in id order (a seek on the primary key at any depth); active
-- courses unless include_inactive. q with at least three letters or digits in a row matches a
-- substring of the title or description, case-insensitively: the trigram index of migration
-- 0013 finds the candidates (q is escaped, so it is never a pattern), strpos then checks each
-- field. A shorter q matches a whole title instead (the unique index of active titles).
WITH page AS (
    SELECT
        c.id,
        c AS course
    FROM courses AS c
    WHERE
        c.id > :after_id
        AND (c.is_active OR :include_inactive)
        AND (:category::TEXT IS NULL OR c.category = :category)
        AND (:difficulty_level::TEXT IS NULL OR c.difficulty_level = :difficulty_level)
        AND (
            :q::TEXT IS NULL
            OR (
                lower(c.title) || ' ' || lower(coalesce(c.description, '')) LIKE search_pattern(:q)
                AND (strpos(lower(c.title), lower(:q)) > 0 OR strpos(lower(c.description), lower(:q)) > 0)
            )
            OR (search_pattern(:q) IS NULL AND lower(c.title) = lower(:q))
        )
    ORDER BY c.id
    LIMIT :page_size
)

SELECT
    json_build_object(
        'courses', coalesce(json_agg(api_course(page.course) ORDER BY page.id), '[]'::JSON),
        'pagination', api_pagination(:page_size, count(*), max(page.id))
    )::TEXT AS body
FROM page;

-- name: get_course(id)^
-- One course, active or not: whether it is active, and the Course as the response body.
SELECT
    c.is_active,
    api_course(c)::TEXT AS body
FROM courses AS c
WHERE c.id = :id;

-- name: insert_course(title, description, duration_minutes, difficulty_level, category, video_url, thumbnail_url, is_active)^
-- Add a course; an active course with the same title (any case) raises a unique violation.
INSERT INTO courses (
    title, description, duration_minutes, difficulty_level, category, video_url, thumbnail_url, is_active
)
VALUES (
    :title, :description, :duration_minutes, :difficulty_level, :category, :video_url, :thumbnail_url, :is_active
)
RETURNING
    id,
    title,
    description,
    duration_minutes,
    difficulty_level,
    category,
    video_url,
    thumbnail_url,
    is_active,
    created_at,
    updated_at;

-- name: update_course(id, title, description, duration_minutes, difficulty_level, category, video_url, thumbnail_url, is_active, fields_sent)^
-- Change only the fields named in fields_sent (a text array); a field sent as NULL is cleared.
-- No row when the course does not exist.
UPDATE courses
SET
    title = CASE WHEN 'title' = any(:fields_sent) THEN :title ELSE title END,
    description = CASE WHEN 'description' = any(:fields_sent) THEN :description ELSE description END,
    duration_minutes = CASE
        WHEN 'duration_minutes' = any(:fields_sent) THEN :duration_minutes ELSE duration_minutes
    END,
    difficulty_level = CASE
        WHEN 'difficulty_level' = any(:fields_sent) THEN :difficulty_level ELSE difficulty_level
    END,
    category = CASE WHEN 'category' = any(:fields_sent) THEN :category ELSE category END,
    video_url = CASE WHEN 'video_url' = any(:fields_sent) THEN :video_url ELSE video_url END,
    thumbnail_url = CASE WHEN 'thumbnail_url' = any(:fields_sent) THEN :thumbnail_url ELSE thumbnail_url END,
    is_active = CASE WHEN 'is_active' = any(:fields_sent) THEN :is_active ELSE is_active END
WHERE id = :id
RETURNING
    id,
    title,
    description,
    duration_minutes,
    difficulty_level,
    category,
    video_url,
    thumbnail_url,
    is_active,
    created_at,
    updated_at;

-- name: lock_course(id)$
-- Lock one course against enrolments until the transaction ends; no row when it does not exist.
SELECT id
FROM courses
WHERE id = :id
FOR UPDATE;

-- name: course_has_enrolments(id)$
-- Whether anyone is (or was) enrolled in a course: progress rows reference it.
SELECT exists(
    SELECT 1 FROM user_course_progress
    WHERE course_id = :id
) AS enrolled;

-- name: delete_course(id)!
-- Erase a course that has no enrolments (the foreign key refuses one that has).
DELETE FROM courses
WHERE id = :id;

-- name: deactivate_course(id)!
-- Retire a course that has enrolments: it leaves the catalogue, its progress rows stay.
UPDATE courses
SET is_active = false
WHERE id = :id;
