-- Reads that walked every row of a table that grows with the customers (EXPLAIN QUERY PLAN: SCAN):
-- a site's domains (the dashboard's list, every publish's and form's canonical host, the domains
-- list, a cut-over, an account's deletion) and the Cron's stale publish locks. With these indexes each
-- reads only its own rows, whatever the number of sites (tests/customer/test_queries.py).
CREATE INDEX IF NOT EXISTS domains_by_site ON domains(site_id, created_at);
CREATE INDEX IF NOT EXISTS sites_publish_locked ON sites(publish_lock) WHERE publish_lock IS NOT NULL;
