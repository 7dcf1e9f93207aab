-- Retention (core/retention.py): the scheduled job deletes by these columns in bounded chunks.
CREATE INDEX IF NOT EXISTS sessions_by_last_seen ON sessions(last_seen_at);
CREATE INDEX IF NOT EXISTS sessions_by_created ON sessions(created_at);
CREATE INDEX IF NOT EXISTS sessions_by_revoked ON sessions(revoked_at);
CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens(expires_at);
CREATE INDEX IF NOT EXISTS login_attempts_by_time ON login_attempts(at);
