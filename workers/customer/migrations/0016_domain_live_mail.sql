-- The "your domain is live" mail (issue 28.1): when it was sent for this hostname's activation, so
-- it goes once (customer/domains.py, mail_when_live). Domains already active were announced by the
-- portal before this mail existed: they are marked, so nobody gets a late "now live" mail.
ALTER TABLE domains ADD COLUMN live_mailed_at REAL;
UPDATE domains SET live_mailed_at = coalesce(checked_at, created_at) WHERE status = 'active';
-- The scheduled check (customer/maintenance.py, `domain_checks`) walks only the domains that may
-- still turn live or still owe their mail, in hostname order.
CREATE INDEX IF NOT EXISTS domains_to_check ON domains(hostname)
  WHERE redirect_to IS NULL AND (status = 'pending' OR live_mailed_at IS NULL);
