-- transactional: false
-- Keyset pages of one user's enrolments and sessions are index seeks at any depth: each list is
-- ordered by id within one user, so an index on (user_id, id) starts at the cursor and reads
-- one page. (The unique (user_id, course_id) and (user_id, expires_at) indexes give the rows of
-- a user, but not in id order: every page sorted all of that user's rows.)
-- CONCURRENTLY: building them does not block writes; so this migration runs outside a
-- transaction (the directive above), one statement at a time.

CREATE INDEX CONCURRENTLY IF NOT EXISTS user_course_progress_user_id_id_idx
ON user_course_progress (user_id, id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS active_sessions_user_id_id_idx
ON active_sessions (user_id, id);

COMMENT ON INDEX user_course_progress_user_id_id_idx IS
'Keyset pages of one user''s enrolments in enrolment order (GET /api/progress, /api/users/{id}/progress).';

COMMENT ON INDEX active_sessions_user_id_id_idx IS
'Keyset pages of one user''s sessions, newest first (GET /auth/active-sessions).';
