-- Issue 26.3: each page's history (customer/history.py): its saved drafts, a few minutes of edits
-- to one entry, and the drafts it was published from, each with what changed in words. At most
-- history.KEEP entries per page (the oldest go first), so a site holds pages × KEEP rows at most.
CREATE TABLE page_history (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    page_id TEXT NOT NULL,
    number INTEGER NOT NULL,            -- 1, 2, … per page, never reused
    created_at REAL NOT NULL,           -- when this entry began
    saved_at REAL NOT NULL,             -- its last save (edits within history.MERGE_SECONDS join it)
    kind TEXT NOT NULL,                 -- 'draft' | 'published' | 'restored'
    version INTEGER,                    -- 'published': the version's number
    revision INTEGER,                   -- 'published': the page's revision then (unchanged pages add none)
    customer_id TEXT,                   -- who saved it (NULL: the page as it was, or a deleted account)
    who TEXT NOT NULL DEFAULT '',       -- their address then ('' for the page as it was)
    changes TEXT NOT NULL,              -- JSON list of sentences: what changed since the entry before
    body_sha TEXT NOT NULL,             -- the page as it was, JSON {title, description, blocks}: the site
                                        -- file sites/<site_id>/files/<body_sha> in R2 (D1 holds the index only)
    PRIMARY KEY (site_id, page_id, number)
);
