-- A store per site (customer/sitestore.py; docs/architecture.md, "Storage"): a site's pages, uploads'
-- rows, versions, preview, enquiries, page history and activity move from this database into its own
-- SiteStore (a Durable Object). `store` says where a site's rows are: NULL here, 'site' in its store.
-- New sites start in their store; the `stores` job (customer/maintenance.py) moves the others.
ALTER TABLE sites ADD COLUMN store TEXT;
CREATE INDEX sites_in_d1 ON sites(id) WHERE store IS NULL;

-- The daily digest walks sites, not enquiries (the enquiries are in each site's store): the time
-- its oldest enquiry waiting for a digest came in.
ALTER TABLE sites ADD COLUMN digest_due_at REAL;
CREATE INDEX sites_digest_due ON sites(digest_due_at) WHERE digest_due_at IS NOT NULL;
UPDATE sites SET digest_due_at = (
    SELECT min(created_at) FROM leads WHERE leads.site_id = sites.id AND digest = 1 AND mailed = 0
);

-- The preview's manifest (~6 KB at 20 pages) is a site's row like its versions: out of `sites`.
CREATE TABLE site_preview (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    manifest TEXT NOT NULL
);
INSERT INTO site_preview (site_id, manifest) SELECT id, preview_manifest FROM sites WHERE preview_manifest IS NOT NULL;
UPDATE sites SET preview_manifest = NULL;

-- Who helped on others' sites (customer/team.py, record): deleting an account finds the sites whose
-- activity and page history show its address here, not by reading every site's store.
CREATE TABLE site_contributors (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (customer_id, site_id)
);
INSERT INTO site_contributors (site_id, customer_id)
    SELECT DISTINCT a.site_id, a.customer_id FROM site_activity a JOIN sites s ON s.id = a.site_id
    WHERE a.customer_id IS NOT NULL AND a.customer_id != s.customer_id
    UNION SELECT DISTINCT h.site_id, h.customer_id FROM page_history h JOIN sites s ON s.id = h.site_id
    WHERE h.customer_id IS NOT NULL AND h.customer_id != s.customer_id;

-- Once a site is marked, its rows here are frozen: a write that read the old mark just before the
-- move fails (and is retried against the store) instead of landing where nobody reads it again. The
-- rows stay, unread, until a later migration drops the tables. A site's deletion still cascades
-- (its sites row is gone first, so the mark reads NULL).
CREATE TRIGGER pages_moved_insert BEFORE INSERT ON pages
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER pages_moved_update BEFORE UPDATE ON pages
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER pages_moved_delete BEFORE DELETE ON pages
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER assets_moved_insert BEFORE INSERT ON assets
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER assets_moved_update BEFORE UPDATE ON assets
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER assets_moved_delete BEFORE DELETE ON assets
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER asset_variants_moved_insert BEFORE INSERT ON asset_variants
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER asset_variants_moved_update BEFORE UPDATE ON asset_variants
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER asset_variants_moved_delete BEFORE DELETE ON asset_variants
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER versions_moved_insert BEFORE INSERT ON versions
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER versions_moved_update BEFORE UPDATE ON versions
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER versions_moved_delete BEFORE DELETE ON versions
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER leads_moved_insert BEFORE INSERT ON leads
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER leads_moved_update BEFORE UPDATE ON leads
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER leads_moved_delete BEFORE DELETE ON leads
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER page_history_moved_insert BEFORE INSERT ON page_history
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER page_history_moved_update BEFORE UPDATE ON page_history
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER page_history_moved_delete BEFORE DELETE ON page_history
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_activity_moved_insert BEFORE INSERT ON site_activity
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_activity_moved_update BEFORE UPDATE ON site_activity
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_activity_moved_delete BEFORE DELETE ON site_activity
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_preview_moved_insert BEFORE INSERT ON site_preview
WHEN (SELECT store FROM sites WHERE id = NEW.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_preview_moved_update BEFORE UPDATE ON site_preview
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
CREATE TRIGGER site_preview_moved_delete BEFORE DELETE ON site_preview
WHEN (SELECT store FROM sites WHERE id = OLD.site_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'site_moved'); END;
