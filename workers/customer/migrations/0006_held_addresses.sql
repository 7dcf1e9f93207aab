-- Lifecycle issue: a deleted account's smartpages.site addresses are held for 30 days before anyone
-- may claim them (visitors and links do not land on a stranger's site at once).
CREATE TABLE held_addresses (
    slug TEXT PRIMARY KEY,
    held_until REAL NOT NULL    -- Unix seconds
);
