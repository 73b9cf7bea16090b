-- depends: 0006.add-flag-and-rating-checks
-- Step 2 of 2 (0006 added the checks NOT VALID): validate them, then make the flags NOT NULL.
-- VALIDATE scans the table under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on.
-- SET NOT NULL finds the valid CHECK (is_active IS NOT NULL) and skips its own scan
-- (PostgreSQL 12 and later), and comes last, so its ACCESS EXCLUSIVE lock is held only for a moment;
-- the helper checks are then redundant and dropped. Each rating keeps its own CHECK
-- (training_profiles_<rating>_range), and the shared one goes.

-- A NULL written by hand between 0006's fill-in and its checks.
UPDATE users SET is_active = true
WHERE is_active IS NULL;

UPDATE users SET is_admin = false
WHERE is_admin IS NULL;

ALTER TABLE users VALIDATE CONSTRAINT users_is_active_present;

ALTER TABLE users VALIDATE CONSTRAINT users_is_admin_present;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_strength_training_range;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_cardio_range;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_hiit_range;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_yoga_pilates_range;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_functional_training_range;

ALTER TABLE training_profiles VALIDATE CONSTRAINT training_profiles_stretching_range;

ALTER TABLE training_profiles DROP CONSTRAINT training_profiles_ratings_range;

-- Last: its ACCESS EXCLUSIVE lock on users lasts until this migration commits, so nothing may
-- scan after it (every signed-in request reads users).
ALTER TABLE users
ALTER COLUMN is_active SET NOT NULL,
ALTER COLUMN is_admin SET NOT NULL,
DROP CONSTRAINT users_is_active_present,
DROP CONSTRAINT users_is_admin_present;
