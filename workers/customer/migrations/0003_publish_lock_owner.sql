-- Who holds a site's publish lock: a publish only releases (or extends) its own lock, so one that
-- outlived its lock cannot release the next publish's.
ALTER TABLE sites ADD COLUMN publish_lock_owner TEXT;
