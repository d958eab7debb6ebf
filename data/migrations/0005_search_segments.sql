-- Search moves from FTS5 to an inverted index of our own (postings.go):
-- immutable segments of term → article lists, written whole by the
-- transaction that indexes the articles and merged in the background of
-- later writes. FTS5 spent most of an import inserting each (token,
-- article) pair into its pending-term hash; a segment is built in Go, on
-- another core, by sorting the pairs.
--
-- The index cannot be converted in SQL: the meta row below makes Open
-- rebuild it from the articles.
DROP TABLE IF EXISTS article_terms;
DROP TABLE article_search_keys;

-- Search keys, (days since 0001-01-01) << 16 | n as before: key order is
-- newest-first order. A key whose article was deleted, edited or moved
-- stays as a retired row (article_id NULL) until no segment lists it, so
-- the key is never handed to another article while postings point at it.
CREATE TABLE search_keys (
    key        INTEGER PRIMARY KEY,
    article_id INTEGER UNIQUE REFERENCES articles (id)
);

-- One row per segment. docs: how many articles it lists (retired keys
-- included until a merge drops them); level: floor(log16(docs)), segments
-- of a level are merged sixteen at a time. keys: the search key of each of
-- its document numbers; dir: the first term of each of its pages. Ids
-- are never reused, so a reader may cache a segment by id.
CREATE TABLE search_segments (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    level INTEGER NOT NULL,
    docs  INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    keys  BLOB    NOT NULL,
    dir   BLOB    NOT NULL
);

-- A segment's terms in order, about 4 KB of postings per row; the rowid is
-- segment id << 24 | page number.
CREATE TABLE search_pages (
    id   INTEGER PRIMARY KEY,
    data BLOB    NOT NULL
);

INSERT INTO meta (key, value) VALUES ('search_rebuild', '0005')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
