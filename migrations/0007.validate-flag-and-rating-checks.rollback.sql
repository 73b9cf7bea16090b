-- Roll back 0007: the flags may be NULL again (behind 0006's checks, NOT VALID as 0006 left
-- them) and the shared ratings CHECK returns. It comes back NOT VALID: validating it here would
-- scan training_profiles under the lock its ADD takes, and every row already passed the six
-- per-rating checks, which stay until 0006 is rolled back.
-- squawk-ignore-file ban-drop-not-null

ALTER TABLE training_profiles
ADD CONSTRAINT training_profiles_ratings_range CHECK (
    strength_training BETWEEN 1 AND 5
    AND cardio BETWEEN 1 AND 5
    AND hiit BETWEEN 1 AND 5
    AND yoga_pilates BETWEEN 1 AND 5
    AND functional_training BETWEEN 1 AND 5
    AND stretching BETWEEN 1 AND 5
) NOT VALID;

ALTER TABLE users
ADD CONSTRAINT users_is_active_present CHECK (is_active IS NOT NULL) NOT VALID,
ADD CONSTRAINT users_is_admin_present CHECK (is_admin IS NOT NULL) NOT VALID,
ALTER COLUMN is_active DROP NOT NULL,
ALTER COLUMN is_admin DROP NOT NULL;
