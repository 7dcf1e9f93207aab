-- Lifecycle issue: day 14 after a downgrade to Free (docs/billing.md, "Downgrade policy") a custom
-- domain stops serving its site and redirects (302) to the site's smartpages.site address. The row
-- stays; the next publish on a plan with custom domains clears the mark and the domain serves again.
ALTER TABLE domains ADD COLUMN cut_over_at REAL;  -- Unix seconds; NULL: the domain serves the site
