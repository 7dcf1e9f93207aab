-- Scheduled work (customer/maintenance.py): stale pending domains and form-attempt retention are
-- found by these columns; orphan candidates are walked in primary-key order.
CREATE INDEX IF NOT EXISTS domains_by_status ON domains(status, created_at);
CREATE INDEX IF NOT EXISTS form_attempts_by_time ON form_attempts(at);
