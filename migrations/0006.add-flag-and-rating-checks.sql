-- Accounts can no longer be made unusable by a NULL flag, and each rating gets a CHECK of its own,
-- whose name says which column a refused value was in. Step 1 of 2 (0007 validates):
-- - users.is_active / users.is_admin: NULLs written by hand become the guide's defaults (a NULL
--   is_active silently refused every sign-in), then CHECK (... IS NOT NULL) NOT VALID, so no new
--   NULL gets in. 0007 validates it and sets NOT NULL, which then needs no scan of its own.
-- - training_profiles: one CHECK per rating, NOT VALID; 0007 validates them and drops the shared
--   training_profiles_ratings_range.
-- NOT VALID takes the table's ACCESS EXCLUSIVE lock only for a moment and reads no row; the scan
-- happens in 0007, under a lock that lets reads and writes go on (migrations/README.md).

UPDATE users SET is_active = true
WHERE is_active IS NULL;

UPDATE users SET is_admin = false
WHERE is_admin IS NULL;

ALTER TABLE users
ADD CONSTRAINT users_is_active_present CHECK (is_active IS NOT NULL) NOT VALID,
ADD CONSTRAINT users_is_admin_present CHECK (is_admin IS NOT NULL) NOT VALID;

ALTER TABLE training_profiles
ADD CONSTRAINT training_profiles_strength_training_range CHECK (strength_training BETWEEN 1 AND 5) NOT VALID,
ADD CONSTRAINT training_profiles_cardio_range CHECK (cardio BETWEEN 1 AND 5) NOT VALID,
ADD CONSTRAINT training_profiles_hiit_range CHECK (hiit BETWEEN 1 AND 5) NOT VALID,
ADD CONSTRAINT training_profiles_yoga_pilates_range CHECK (yoga_pilates BETWEEN 1 AND 5) NOT VALID,
ADD CONSTRAINT training_profiles_functional_training_range CHECK (functional_training BETWEEN 1 AND 5) NOT VALID,
ADD CONSTRAINT training_profiles_stretching_range CHECK (stretching BETWEEN 1 AND 5) NOT VALID;
