-- An account whose deletion is scheduled (core, docs/accounts.md): its sites are taken offline and
-- the version each one served is kept here, so signing in within the 14 days puts it back.
ALTER TABLE sites ADD COLUMN suspended_version INTEGER;  -- NULL: not suspended (or was not published)
