-- Sources that feed the store by themselves: RSS/Atom feeds, web article
-- pages polled on an interval, and the bookkeeping of forwarded 公众号
-- articles. Names list in code point order (COLLATE "C").
CREATE TABLE sources (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT COLLATE "C" NOT NULL UNIQUE CHECK (name <> ''),
    kind          TEXT        NOT NULL CHECK (kind IN ('feed', 'page', 'wechat-forward')),
    url           TEXT        NOT NULL DEFAULT '',
    every_seconds BIGINT      NOT NULL CHECK (every_seconds > 0),
    enabled       BOOLEAN     NOT NULL DEFAULT true,
    last_fetch    timestamptz,                      -- NULL: never fetched
    last_error    TEXT        NOT NULL DEFAULT '',  -- '' after a fetch that worked
    etag          TEXT        NOT NULL DEFAULT '',  -- validators for the next conditional GET
    last_modified TEXT        NOT NULL DEFAULT '',
    failures      INTEGER     NOT NULL DEFAULT 0 CHECK (failures >= 0), -- consecutive
    next_fetch    timestamptz,                      -- NULL: due now
    created_at    timestamptz NOT NULL
);
