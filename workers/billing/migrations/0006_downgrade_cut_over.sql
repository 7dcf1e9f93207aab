-- Lifecycle issue: day 14 of the downgrade timeline. When customer confirmed that the account's
-- custom domains were cut over (they redirect to the sites' smartpages.site addresses).
ALTER TABLE downgrades ADD COLUMN domains_cut_at REAL;
