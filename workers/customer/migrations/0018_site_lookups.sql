-- Reads that walked every row of a table that grows with the customers (EXPLAIN QUERY PLAN: SCAN):
-- a site's domains (the dashboard's list, every publish's and form's canonical host, the domains
-- list, a cut-over, an account's deletion) and the Cron's stale publish locks. With these indexes each
-- reads only its own rows, whatever the number of sites (tests/test_query_plans.py).
CREATE INDEX IF NOT EXISTS domains_by_site ON domains(site_id, created_at);
CREATE INDEX IF NOT EXISTS sites_publish_locked ON sites(publish_lock) WHERE publish_lock IS NOT NULL;
-- An account's deletion forgets it in its claims, and in the history and activity of sites it helped on
-- that are still in D1 (a site's own store has its own copy of these tables).
CREATE INDEX IF NOT EXISTS claim_history_by_customer ON claim_history(customer_id);
CREATE INDEX IF NOT EXISTS page_history_by_customer ON page_history(customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS site_activity_by_customer ON site_activity(customer_id) WHERE customer_id IS NOT NULL;
