-- Roll back 0004: drop the account counter and its triggers.
DROP TRIGGER IF EXISTS users_count_truncated ON users;
DROP TRIGGER IF EXISTS users_count_deleted ON users;
DROP TRIGGER IF EXISTS users_count_inserted ON users;
DROP FUNCTION IF EXISTS user_count_reset();
DROP FUNCTION IF EXISTS user_count_subtract_deleted();
DROP FUNCTION IF EXISTS user_count_add_inserted();
DROP TABLE IF EXISTS user_count;
