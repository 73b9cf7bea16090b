-- Roll back 0022: drop the password version.

ALTER TABLE users DROP COLUMN password_version;
