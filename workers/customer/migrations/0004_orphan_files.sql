-- Files in R2 that no kept version, preview or upload references, as the scheduled collector
-- first saw them (customer/maintenance.py): deleted when still unreferenced after a grace period,
-- so a publish or preview writing right now is never collected under its feet.
CREATE TABLE orphan_files (
    site_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    first_seen REAL NOT NULL,
    PRIMARY KEY (site_id, sha256)
);
