-- Sources that feed the store by themselves: RSS/Atom feeds, web article
-- pages polled on an interval, and the bookkeeping of forwarded 公众号
-- articles. Times are UTC in the bot tables' fixed-width layout
-- ('YYYY-MM-DDTHH:MM:SS.ffffffZ'), so text order is time order.
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    kind          TEXT    NOT NULL CHECK (kind IN ('feed', 'page', 'wechat-forward')),
    url           TEXT    NOT NULL DEFAULT '',
    every_seconds INTEGER NOT NULL CHECK (every_seconds > 0),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    last_fetch    TEXT,                          -- NULL: never fetched
    last_error    TEXT    NOT NULL DEFAULT '',   -- '' after a fetch that worked
    etag          TEXT    NOT NULL DEFAULT '',   -- validators for the next conditional GET
    last_modified TEXT    NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0), -- consecutive
    next_fetch    TEXT,                          -- NULL: due now
    created_at    TEXT    NOT NULL
);

-- Fetched articles carry a guid: the feed item's id, or else the article's
-- URL. Pasted pages keep NULL, so the indexes below leave them alone and
-- ImportArticles behaves as before.
ALTER TABLE articles ADD COLUMN guid TEXT;

-- A feed's item ids are only unique within that feed (some feeds number
-- their items 1, 2, 3), hence (source, guid).
CREATE UNIQUE INDEX articles_guid ON articles (source, guid) WHERE guid IS NOT NULL;
-- One fetched article per link, across sources: the same story in two
-- feeds is one article. INSERT … ON CONFLICT DO NOTHING (no target) skips
-- an item that hits this, the guid index or content_hash; PostgreSQL reads
-- it the same way.
CREATE UNIQUE INDEX articles_fetched_url ON articles (url) WHERE guid IS NOT NULL AND url <> '';
