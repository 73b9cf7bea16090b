-- transactional: false
-- Roll back 0016: drop the keyset indexes without blocking writes.
DROP INDEX CONCURRENTLY IF EXISTS active_sessions_user_id_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS user_course_progress_user_id_id_idx;
