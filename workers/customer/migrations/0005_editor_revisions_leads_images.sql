-- Editor issue: a revision per page and per site (the ETag every editor write must match), leads
-- read/unread, image dimensions and the responsive variants made in the browser at upload.
ALTER TABLE pages ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE leads ADD COLUMN read_at REAL;                   -- NULL: not read yet

ALTER TABLE assets ADD COLUMN width INTEGER;                 -- read from the bytes at upload
ALTER TABLE assets ADD COLUMN height INTEGER;

CREATE TABLE asset_variants (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,               -- the original (an assets row)
    variant TEXT NOT NULL,              -- the variant's own sha256 (its file in R2)
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (site_id, sha256, content_type, width)
);
ALTER TABLE versions ADD COLUMN source TEXT;                 -- the draft's fingerprint when published (drafts.py)
