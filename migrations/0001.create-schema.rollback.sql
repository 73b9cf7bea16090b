-- Roll back 0001: drop the whole UrTraining schema.
DROP TABLE IF EXISTS user_course_progress;
DROP TABLE IF EXISTS courses;
DROP TABLE IF EXISTS active_sessions;
DROP TABLE IF EXISTS training_profiles;
DROP TABLE IF EXISTS users;
DROP FUNCTION IF EXISTS training_goals_are_valid(JSON);
DROP FUNCTION IF EXISTS set_updated_at();
