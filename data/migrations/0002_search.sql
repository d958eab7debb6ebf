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

-- This migration first created article_terms as an FTS5 table
-- (detail=none, contentless, the 'ascii' tokenizer, a 16 MB hash). Migration
-- 0005 replaced FTS5 with an index of our own and drops the table, so a
-- fresh store now gets a plain placeholder of that name: no build needs
-- FTS5 any more. Stores made while it was FTS5 still hold the real table;
-- Open drops it before 0005 even without the FTS5 module (migrate.go).
CREATE TABLE article_terms (
    rowid INTEGER PRIMARY KEY,
    terms TEXT NOT NULL
);
