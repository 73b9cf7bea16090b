-- Roll back 0022: drop the password version.

-- Rolling back removes what 0022 added; only this service reads the column.
-- squawk-ignore ban-drop-column
ALTER TABLE users DROP COLUMN password_version;
