-- Sites issue: pages and their blocks, uploaded images, published versions, custom-domain state,
-- leads from forms and the form rate limit. Times are Unix seconds (REAL); JSON columns hold
-- validated documents (see customer/blocks.py).
ALTER TABLE customers ADD COLUMN email TEXT;  -- the owner's address, as core last vouched for it (lead mail)

ALTER TABLE sites ADD COLUMN theme TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN seo TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN redirects TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN live_version INTEGER;           -- NULL: not published (or unpublished)
ALTER TABLE sites ADD COLUMN preview_token TEXT;             -- the private preview host's secret label
ALTER TABLE sites ADD COLUMN preview_manifest TEXT;          -- the files the preview host serves
ALTER TABLE sites ADD COLUMN publish_lock REAL;              -- a publish holds the site until this time
ALTER TABLE sites ADD COLUMN updated_at REAL;

CREATE TABLE pages (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,                 -- '' is the home page
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    blocks TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL,
    UNIQUE (site_id, slug)
);

CREATE TABLE assets (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    PRIMARY KEY (site_id, sha256)
);

CREATE TABLE versions (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    manifest TEXT NOT NULL,             -- path -> file; immutable once written
    created_at REAL NOT NULL,
    PRIMARY KEY (site_id, number)
);

ALTER TABLE domains ADD COLUMN cf_id TEXT;                   -- Cloudflare's custom hostname id
ALTER TABLE domains ADD COLUMN redirect_to TEXT;             -- set on the apex: it redirects to www
ALTER TABLE domains ADD COLUMN records TEXT NOT NULL DEFAULT '[]';  -- DNS records the customer must add
ALTER TABLE domains ADD COLUMN ssl_status TEXT;
ALTER TABLE domains ADD COLUMN checked_at REAL;

CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    block_id TEXT NOT NULL,
    page TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    mailed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX leads_by_site ON leads(site_id, created_at);

CREATE TABLE form_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX form_attempts_by_bucket ON form_attempts(bucket, at);
