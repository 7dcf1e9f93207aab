-- A suppression may end: soft bounces (a full mailbox) suppress for a while, never for good.
-- NULL: permanent (a hard bounce, a complaint).
ALTER TABLE suppressions ADD COLUMN expires_at REAL;
