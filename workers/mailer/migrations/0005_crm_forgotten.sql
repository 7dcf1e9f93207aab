-- Addresses whose CRM contact was deleted with their account: the SHA-256 of the address and
-- when, so an upsert queued before the deletion (the CRM queue has no order) cannot bring the
-- contact back. Kept 7 days: longer than the CRM queue's retries (about 2 hours).
CREATE TABLE crm_forgotten (
    address_hash TEXT PRIMARY KEY,
    forgotten_at REAL NOT NULL
);
CREATE INDEX crm_forgotten_at ON crm_forgotten (forgotten_at);
