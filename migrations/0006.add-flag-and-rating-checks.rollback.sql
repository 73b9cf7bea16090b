-- Roll back 0006: drop the unvalidated checks. The NULL flags filled in stay filled in.

ALTER TABLE training_profiles
DROP CONSTRAINT training_profiles_strength_training_range,
DROP CONSTRAINT training_profiles_cardio_range,
DROP CONSTRAINT training_profiles_hiit_range,
DROP CONSTRAINT training_profiles_yoga_pilates_range,
DROP CONSTRAINT training_profiles_functional_training_range,
DROP CONSTRAINT training_profiles_stretching_range;

ALTER TABLE users
DROP CONSTRAINT users_is_admin_present,
DROP CONSTRAINT users_is_active_present;
