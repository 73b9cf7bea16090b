-- Roll back 0003: drop the login throttling counters.
DROP TABLE IF EXISTS login_throttle;
