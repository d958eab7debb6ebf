-- Articles as printed in the paper. Plain tables and types only, so the
-- schema ports to PostgreSQL (id → BIGINT GENERATED ALWAYS AS IDENTITY,
-- content_hash stays the de-duplication key for ON CONFLICT DO NOTHING).
-- AUTOINCREMENT: ids are shown to residents ("full text of item N" resolves
-- to an id), so a deleted id must never come back for another article.
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT    NOT NULL CHECK (source <> ''),
    issue_date   TEXT    NOT NULL CHECK (length(issue_date) = 10), -- YYYY-MM-DD, paper's zone
    page_order   INTEGER NOT NULL,                                 -- 0-based within (source, issue_date)
    url          TEXT    NOT NULL DEFAULT '',
    kicker       TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL,
    subtitle     TEXT    NOT NULL DEFAULT '',
    dateline     TEXT    NOT NULL DEFAULT '',
    byline       TEXT    NOT NULL DEFAULT '',
    lead         TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    imported_at  TEXT    NOT NULL,                                 -- RFC 3339, UTC
    content_hash BLOB    NOT NULL UNIQUE                           -- sha256 of normalised title + body (BYTEA)
);

-- Serves a day's articles, the next page order for (source, day), and the
-- list of dates.
CREATE INDEX articles_by_day ON articles (issue_date, source, page_order);
