-- Articles as printed in the paper, and those sources fetch by themselves
-- (guid set). Ids are never reused: residents hold them ("full text of
-- item N"). content_hash is the SHA-256 of the normalised title and body,
-- the dedupe key (the SQLite store's rule); a staff correction keeps the
-- printed text's hash. A withdrawn article (撤下) stays as a tombstone so
-- that importing it again finds it, with its tokens emptied.
CREATE TABLE articles (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       TEXT        NOT NULL CHECK (source <> ''),
    issue_date   DATE        NOT NULL,                -- the paper's day
    page_order   BIGINT      NOT NULL,                -- 0-based within (source, issue_date)
    url          TEXT        NOT NULL DEFAULT '',
    kicker       TEXT        NOT NULL DEFAULT '',
    title        TEXT        NOT NULL,
    subtitle     TEXT        NOT NULL DEFAULT '',
    dateline     TEXT        NOT NULL DEFAULT '',
    byline       TEXT        NOT NULL DEFAULT '',
    lead         TEXT        NOT NULL DEFAULT '',
    body         TEXT        NOT NULL DEFAULT '',
    imported_at  timestamptz NOT NULL,
    content_hash BYTEA       NOT NULL UNIQUE,
    guid         TEXT,                                -- fetched articles: the feed item's id, or the link
    withdrawn_at timestamptz,
    withdrawn_by TEXT        NOT NULL DEFAULT '',
    -- Search tokens (Go-built: CJK characters and pairs, lower-case
    -- words), distinct; '{}' once withdrawn.
    tokens       TEXT[]      NOT NULL DEFAULT '{}'
);

-- A day's articles, the next page order for (source, day), the dates.
CREATE INDEX articles_by_day ON articles (issue_date, source, page_order);
-- Search: AND of the query's tokens (tokens @> $1).
CREATE INDEX articles_tokens ON articles USING GIN (tokens);
-- A feed's item ids are unique within that feed only.
CREATE UNIQUE INDEX articles_guid ON articles (source, guid) WHERE guid IS NOT NULL;
-- One fetched article per link, across sources.
CREATE UNIQUE INDEX articles_fetched_url ON articles (url) WHERE guid IS NOT NULL AND url <> '';
