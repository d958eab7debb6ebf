-- Staff can withdraw an article before it goes out (撤下). The row stays as
-- a tombstone so that importing the same page or feed item again finds it
-- (by content hash, GUID or link) and does not bring it back; every read
-- that shows articles skips it, and it leaves the search index.
ALTER TABLE articles ADD COLUMN withdrawn_at TEXT;
ALTER TABLE articles ADD COLUMN withdrawn_by TEXT NOT NULL DEFAULT '';
