-- Database-level statements for development and test tooling (service/devdb.py, tests).
-- CREATE/DROP DATABASE cannot take a bound identifier, so these queries return the
-- statement with the name safely quoted by quote_ident, and the caller runs it.

-- name: database_exists(name)$
-- Whether a database of this name exists on the server.
SELECT exists(
    SELECT 1 FROM pg_database
    WHERE datname = :name
) AS found;

-- name: create_database_statement(name)$
-- The CREATE DATABASE statement for this name, quoted.
SELECT 'CREATE DATABASE ' || quote_ident(:name) AS statement;

-- name: drop_database_statement(name)$
-- The DROP DATABASE statement for this name (ending other connections), quoted.
SELECT 'DROP DATABASE IF EXISTS ' || quote_ident(:name) || ' WITH (FORCE)' AS statement;
