-- Roll back 0010: drop the maintained counts (0004's user_count is back once 0011 is rolled back).
DROP TRIGGER IF EXISTS training_profiles_counters_reset_on_truncate ON training_profiles;
DROP TRIGGER IF EXISTS training_profiles_counted_on_delete ON training_profiles;
DROP TRIGGER IF EXISTS training_profiles_counted_on_update ON training_profiles;
DROP TRIGGER IF EXISTS training_profiles_counted_on_insert ON training_profiles;
DROP TRIGGER IF EXISTS users_counters_reset_on_truncate ON users;
DROP TRIGGER IF EXISTS users_counted_on_delete ON users;
DROP TRIGGER IF EXISTS users_counted_on_update ON users;
DROP TRIGGER IF EXISTS users_counted_on_insert ON users;
DROP FUNCTION IF EXISTS reset_counters_of_truncated_table();
DROP FUNCTION IF EXISTS count_profile_changes();
DROP FUNCTION IF EXISTS count_user_changes();
DROP FUNCTION IF EXISTS user_counter_keys(INTEGER, BOOLEAN, TIMESTAMP WITH TIME ZONE);
-- Rolling back 0010 removes the counts it created (0004's user_count comes back with 0011's rollback).
-- squawk-ignore ban-drop-table
DROP TABLE IF EXISTS counter_deltas;
