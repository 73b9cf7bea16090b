-- Queries on the course catalogue (courses).

-- name: insert-course-if-absent(title, description, duration_minutes, difficulty_level, category)!
-- Add a sample course unless an active course already has its title.
INSERT INTO courses (title, description, duration_minutes, difficulty_level, category)
VALUES (:title, :description, :duration_minutes, :difficulty_level, :category)
ON CONFLICT (lower(title)) WHERE is_active DO NOTHING;
