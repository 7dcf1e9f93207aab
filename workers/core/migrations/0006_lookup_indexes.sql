-- Statements that walked every row of a table growing with the accounts (EXPLAIN QUERY PLAN: SCAN):
-- the Cron's retention of request caps, and the operator's sign-up report by day. With these each
-- reads only its own rows (tests/test_query_plans.py checks every statement's plan).
CREATE INDEX IF NOT EXISTS request_caps_by_time ON request_caps(at);
CREATE INDEX IF NOT EXISTS accounts_by_created ON accounts(created_at);
