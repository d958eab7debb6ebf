-- Full-text search over title and body. SQLite-only and kept apart from
-- the articles table: PostgreSQL would use its own text search instead.
--
-- article_terms holds, per article, the distinct search tokens Go builds
-- (tokens.go): CJK bigrams and single characters, and whole lowercase
-- words. detail=none: which articles hold a token, no positions. Queries
-- AND tokens in FTS5 and check CJK runs of three or more characters
-- literally on the candidates, which costs far less than storing positions
-- for every token. The 'ascii' tokenizer only splits at the spaces Go put
-- between tokens and keeps every non-ASCII character inside its token.
--
-- The rowid is a search key, (days since 0001-01-01) << 16 | n, where n
-- numbers a day's articles in id order. ORDER BY rowid DESC is therefore
-- newest first (issue_date desc, id desc) straight from the index, and
-- keys of neighbouring articles stay close, which keeps the index small
-- (an id in the low bits would make every day boundary a 6-byte jump).
CREATE TABLE article_search_keys (
    key        INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL UNIQUE REFERENCES articles (id)
);

CREATE VIRTUAL TABLE article_terms USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = none
);

-- A 1000-article import holds a few MB of pending terms; the default 1 MB
-- hash would flush several small segments per transaction that then have
-- to be merged again.
INSERT INTO article_terms (article_terms, rank) VALUES ('hashsize', 16777216);
