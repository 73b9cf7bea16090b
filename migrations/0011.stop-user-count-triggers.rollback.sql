-- Roll back 0011: 0004's triggers on the one-row user_count again, and the row recounted exactly
-- (it stood still while they were off): CREATE TRIGGER keeps writers out until this commits.

CREATE FUNCTION user_count_add_inserted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = total + (SELECT count(*) FROM inserted_users);
    RETURN NULL;
END;
$$;

CREATE FUNCTION user_count_subtract_deleted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = total - (SELECT count(*) FROM deleted_users);
    RETURN NULL;
END;
$$;

CREATE FUNCTION user_count_reset() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_count SET total = 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_count_inserted AFTER INSERT ON users
REFERENCING NEW TABLE AS inserted_users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_add_inserted();

CREATE TRIGGER users_count_deleted AFTER DELETE ON users
REFERENCING OLD TABLE AS deleted_users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_subtract_deleted();

CREATE TRIGGER users_count_truncated AFTER TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION user_count_reset();

UPDATE user_count SET total = (SELECT count(*) FROM users);

COMMENT ON TABLE user_count IS
'Exactly one row: the number of accounts, kept by statement triggers on users, so the admin '
'total costs one row read.';
COMMENT ON FUNCTION user_count_add_inserted() IS
'Statement trigger function: adds the rows an INSERT on users inserted to user_count.total.';
COMMENT ON FUNCTION user_count_subtract_deleted() IS
'Statement trigger function: subtracts the rows a DELETE on users deleted from user_count.total.';
COMMENT ON FUNCTION user_count_reset() IS 'Statement trigger function: sets user_count.total to 0 after TRUNCATE users.';
