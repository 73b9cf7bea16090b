-- Drop 0004's one-row user_count: counter_deltas (0010) keeps the number of accounts now, without
-- a row that every registration and deletion must update. A migration of its own because
-- dropping a trigger locks users against readers too: here only for a moment, not during 0010's
-- initial count.

DROP TRIGGER users_count_truncated ON users;
DROP TRIGGER users_count_deleted ON users;
DROP TRIGGER users_count_inserted ON users;
DROP FUNCTION user_count_reset();
DROP FUNCTION user_count_subtract_deleted();
DROP FUNCTION user_count_add_inserted();
-- Nothing reads user_count any more: counter_deltas (0010) replaced it.
-- squawk-ignore ban-drop-table
DROP TABLE user_count;
