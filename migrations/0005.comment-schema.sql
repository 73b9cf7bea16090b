-- Describe every table and column of the service in the catalog (COMMENT ON), so that psql's
-- \d+ and docs/SCHEMA.md (make schema-doc) say what each holds, its unit and its allowed values.
-- COMMENT takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on while it runs.

COMMENT ON TABLE users IS
'One row per account. Names, types and defaults as in the database guide; usernames are unique '
'regardless of case, emails are stored lower-cased and unique.';
COMMENT ON COLUMN users.id IS 'The account''s number (serial), used in URLs (/api/users/{id}).';
COMMENT ON COLUMN users.username IS
'Sign-in name: 3 to 50 letters, digits, "_", "." or "-"; unique regardless of case, kept in the case '
'it was registered with.';
COMMENT ON COLUMN users.email IS 'Email address, lower-cased, unique; also accepted as sign-in name.';
COMMENT ON COLUMN users.hashed_password IS
'werkzeug password hash "method$salt$hash" (scrypt by default; older methods are upgraded at the '
'next sign-in). Never returned by the API.';
COMMENT ON COLUMN users.full_name IS 'Display name, 2 to 100 characters after trimming.';
COMMENT ON COLUMN users.is_active IS
'Whether the account may sign in: true (default) or false. Deactivating ends its sessions.';
COMMENT ON COLUMN users.is_admin IS
'Whether the account may use the admin routes (/admin, user management): false (default) or true.';
COMMENT ON COLUMN users.created_at IS 'When the account was registered (UTC).';
COMMENT ON COLUMN users.updated_at IS
'When the row was last changed (UTC, set by trigger users_set_updated_at); NULL: never changed.';

COMMENT ON TABLE training_profiles IS
'The training questionnaire of an account: at most one per user (user_id is unique), every answer '
'optional (NULL: not answered). Names, types and defaults as in the database guide.';
COMMENT ON COLUMN training_profiles.id IS 'The questionnaire''s number (serial).';
COMMENT ON COLUMN training_profiles.user_id IS
'The account it belongs to (users.id, unique); deleted with the account.';
COMMENT ON COLUMN training_profiles.gender IS 'male or female.';
COMMENT ON COLUMN training_profiles.age IS 'Age in years, 13 to 100.';
COMMENT ON COLUMN training_profiles.height_cm IS 'Height in centimetres, 100 to 250.';
COMMENT ON COLUMN training_profiles.weight_kg IS 'Weight in kilograms, 30 to 300.';
COMMENT ON COLUMN training_profiles.training_goals IS
'JSON array of at most five distinct goals among weight_loss, muscle_gain, maintain_fitness, '
'improve_endurance, improve_flexibility, competition_preparation, strength_building, '
'rehabilitation (checked by training_goals_are_valid).';
COMMENT ON COLUMN training_profiles.training_level IS 'beginner, intermediate or advanced.';
COMMENT ON COLUMN training_profiles.frequency_last_3_months IS
'How often the user trained in the last three months: not_trained, 1_2_times_week, '
'3_4_times_week, 5_6_times_week or daily.';
COMMENT ON COLUMN training_profiles.training_location IS 'gym, home, outdoor or mixed.';
COMMENT ON COLUMN training_profiles.location_details IS
'full_fitness_center, basic_gym, home_equipment, no_equipment or park_outdoor.';
COMMENT ON COLUMN training_profiles.session_duration IS
'Preferred length of a session: 15_30_min, 30_45_min, 45_60_min, 60_90_min or 90+_min.';
COMMENT ON COLUMN training_profiles.joint_back_problems IS 'Whether the user has joint or back problems.';
COMMENT ON COLUMN training_profiles.chronic_conditions IS 'Whether the user has chronic conditions.';
COMMENT ON COLUMN training_profiles.health_details IS 'Free-text health notes, at most 2000 characters.';
COMMENT ON COLUMN training_profiles.strength_training IS 'Liking for strength training, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.cardio IS 'Liking for cardio, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.hiit IS 'Liking for high-intensity interval training, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.yoga_pilates IS 'Liking for yoga and pilates, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.functional_training IS
'Liking for functional training, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.stretching IS 'Liking for stretching, 1 (least) to 5 (most).';
COMMENT ON COLUMN training_profiles.created_at IS 'When the questionnaire was first saved (UTC).';
COMMENT ON COLUMN training_profiles.updated_at IS
'When it was last changed (UTC, set by trigger training_profiles_set_updated_at); NULL: never changed.';

COMMENT ON TABLE active_sessions IS
'One row per signed-in session (a bearer token). Only the SHA-256 of the token''s secret is stored, '
'so the table cannot be replayed. Logout deletes the row; expired rows are deleted in batches.';
COMMENT ON COLUMN active_sessions.id IS 'The session''s number (identity), shown in GET /auth/active-sessions.';
COMMENT ON COLUMN active_sessions.user_id IS 'The signed-in account (users.id); deleted with the account.';
COMMENT ON COLUMN active_sessions.token_hash IS
'SHA-256 of the token''s random secret: 32 bytes, unique. The token itself is never stored.';
COMMENT ON COLUMN active_sessions.created_at IS 'When the session was opened (UTC): a sign-in or a refresh.';
COMMENT ON COLUMN active_sessions.expires_at IS
'When the token stops working (UTC): ACCESS_TOKEN_EXPIRE_MINUTES after creation, never after '
'authenticated_at + SESSION_ABSOLUTE_LIFETIME_HOURS.';
COMMENT ON COLUMN active_sessions.authenticated_at IS
'When the password was last checked for this chain of sessions (UTC): a refresh keeps it.';
COMMENT ON COLUMN active_sessions.last_seen_at IS
'When the token was last used (UTC), updated at most once a minute.';
COMMENT ON COLUMN active_sessions.user_agent IS 'The User-Agent header at sign-in, at most 512 characters.';
COMMENT ON COLUMN active_sessions.ip_address IS
'The client address at sign-in (as the service saw it, see TRUSTED_PROXY_COUNT), at most 64 characters.';

COMMENT ON TABLE courses IS
'The course catalogue. A course with enrolments is deactivated (is_active false), never deleted; '
'titles are unique among active courses regardless of case.';
COMMENT ON COLUMN courses.id IS 'The course''s number (serial), used in URLs (/api/courses/{id}).';
COMMENT ON COLUMN courses.title IS 'Title, 1 to 200 characters after trimming.';
COMMENT ON COLUMN courses.description IS 'Description, at most 5000 characters; NULL: none.';
COMMENT ON COLUMN courses.duration_minutes IS 'Length in minutes, 1 to 1440.';
COMMENT ON COLUMN courses.difficulty_level IS 'beginner, intermediate, advanced or all_levels.';
COMMENT ON COLUMN courses.category IS 'Category slug: 1 to 50 lower-case letters, digits or "_".';
COMMENT ON COLUMN courses.video_url IS 'http(s) URL of the video, at most 2048 characters; NULL: none.';
COMMENT ON COLUMN courses.thumbnail_url IS 'http(s) URL of the thumbnail, at most 2048 characters; NULL: none.';
COMMENT ON COLUMN courses.is_active IS
'Whether the course is listed and takes enrolments: true (default) or false (retired).';
COMMENT ON COLUMN courses.created_at IS 'When the course was added (UTC).';
COMMENT ON COLUMN courses.updated_at IS
'When it was last changed (UTC, set by trigger courses_set_updated_at); NULL: never changed.';

COMMENT ON TABLE user_course_progress IS
'Enrolments: one row per (user, course), with how far the user is through the course.';
COMMENT ON COLUMN user_course_progress.id IS 'The enrolment''s number (identity); lists are in this order.';
COMMENT ON COLUMN user_course_progress.user_id IS 'The enrolled account (users.id); deleted with the account.';
COMMENT ON COLUMN user_course_progress.course_id IS
'The course (courses.id); a course with enrolments cannot be deleted (ON DELETE RESTRICT).';
COMMENT ON COLUMN user_course_progress.progress_percentage IS 'How far through the course, in percent: 0 to 100.';
COMMENT ON COLUMN user_course_progress.started_at IS 'When the user enrolled (UTC).';
COMMENT ON COLUMN user_course_progress.completed_at IS
'When progress first reached 100 (UTC), then kept; NULL: not completed yet.';
COMMENT ON COLUMN user_course_progress.updated_at IS
'When progress was last reported (UTC, set by trigger user_course_progress_set_updated_at); NULL: never.';

COMMENT ON TABLE login_throttle IS
'Failed sign-ins counted per account and per client address, shared by every worker and instance. '
'A lockout is derived from failures and last_failure_at when a sign-in is checked, never stored.';
COMMENT ON COLUMN login_throttle.scope IS 'What is counted: account or address.';
COMMENT ON COLUMN login_throttle.subject IS
'Who: "user:<id>" for an account, "login:<sha256 of the name>" for a name that matches no account, '
'"ip:<address>" for an address; at most 100 characters.';
COMMENT ON COLUMN login_throttle.failures IS
'Failed sign-ins in a row (0 or more); forgotten after LOGIN_FAILURE_WINDOW_SECONDS without one.';
COMMENT ON COLUMN login_throttle.last_failure_at IS
'When the last failure happened (UTC); stale counters are deleted in batches by this.';

COMMENT ON TABLE user_count IS
'Exactly one row: the number of accounts, kept by statement triggers on users, so the admin '
'total costs one row read.';
COMMENT ON COLUMN user_count.singleton IS 'Always true: the primary key that allows a single row.';
COMMENT ON COLUMN user_count.total IS 'How many rows users has (0 or more).';

COMMENT ON FUNCTION set_updated_at() IS
'Trigger function: sets updated_at to now() on every UPDATE of the row.';
COMMENT ON FUNCTION training_goals_are_valid(JSON) IS
'Whether a JSON value is an array of at most five distinct known training goals (training_profiles CHECK).';
COMMENT ON FUNCTION user_count_add_inserted() IS
'Statement trigger function: adds the rows an INSERT on users inserted to user_count.total.';
COMMENT ON FUNCTION user_count_subtract_deleted() IS
'Statement trigger function: subtracts the rows a DELETE on users deleted from user_count.total.';
COMMENT ON FUNCTION user_count_reset() IS 'Statement trigger function: sets user_count.total to 0 after TRUNCATE users.';
