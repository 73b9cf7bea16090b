-- Stop keeping 0004's one-row user_count: counter_deltas (0010) keeps the number of accounts now,
-- without a row that every registration and deletion must update. A migration of its own because
-- dropping a trigger locks users against readers too: here only for a moment, not during 0010's
-- initial count.
-- The table itself stays for one release: instances of the previous release still read it while a
-- rolling deploy replaces them (their admin total stands still meanwhile, it does not fail). A
-- later migration drops it.

DROP TRIGGER users_count_truncated ON users;
DROP TRIGGER users_count_deleted ON users;
DROP TRIGGER users_count_inserted ON users;
DROP FUNCTION user_count_reset();
DROP FUNCTION user_count_subtract_deleted();
DROP FUNCTION user_count_add_inserted();

COMMENT ON TABLE user_count IS
'Unused since migration 0011 (counter_deltas counts accounts); kept one release for instances of the previous one.';
