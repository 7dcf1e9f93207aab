-- Issue 28, item 3: a team per site. The owner invites people by email as editor (edit and publish)
-- or viewer; an invitation's link is a random token kept only as its SHA-256, dead once accepted,
-- revoked or expired. Times are Unix seconds (REAL).

-- The owner's plan as customer last saw it vouched (every owner call): a member's edits on the
-- owner's site are held to the owner's limits, not the member's.
ALTER TABLE customers ADD COLUMN plan TEXT;

CREATE TABLE site_members (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    joined_at REAL NOT NULL,
    PRIMARY KEY (site_id, customer_id)
);
CREATE INDEX site_members_by_customer ON site_members(customer_id);

CREATE TABLE site_invitations (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    email TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked_at REAL,
    accepted_at REAL
);
CREATE INDEX site_invitations_by_site ON site_invitations(site_id);

-- Who changed what on a site and when (the editor's activity panel). `who` is the address the
-- person had then; rows go with their site.
CREATE TABLE site_activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    customer_id TEXT,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
CREATE INDEX site_activity_by_site ON site_activity(site_id, at);
