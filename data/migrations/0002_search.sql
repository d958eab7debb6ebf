-- Full-text search over title and body. SQLite-only and kept apart from
-- the main tables: PostgreSQL would use its own text search instead.
--
-- The application writes the tokens, space-separated (see tokens.go). The
-- 'ascii' tokenizer then only splits at those spaces and keeps every
-- non-ASCII character inside its token, so the index holds exactly the
-- tokens Go built.
--
-- Both tables are contentless (the text lives in articles only). Their
-- rowid is not the article id but (days since 0001-01-01) << 40 | id, so
-- ORDER BY rowid DESC LIMIT n returns the newest matches (issue_date desc,
-- id desc) straight from the index, without sorting every match.

-- CJK bigrams and whole words, with positions for phrase queries.
CREATE VIRTUAL TABLE article_search USING fts5(
    title, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);

-- Distinct CJK characters per article, without positions: one-character
-- queries.
CREATE VIRTUAL TABLE article_chars USING fts5(
    chars,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = none
);

-- A 1000-article import holds about 5 MB of pending terms; the default 1 MB
-- hash flushes several small segments per transaction that then have to be
-- merged again (measured: +50% import speed).
INSERT INTO article_search (article_search, rank) VALUES ('hashsize', 16777216);
