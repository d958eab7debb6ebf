-- wxdigest: foreign_keys off
--
-- Delivery channels beside personal WeChat: WeCom group robots and WeCom
-- customer-group tasks. A subscription now names the channel it delivers
-- through ('wechat' is the personal account) and a style (text, image card,
-- or both); the ledger records the channel, the kind of each part, and the
-- task id of a part that waits for a staff member to confirm it in WeCom.
--
-- SQLite cannot change a UNIQUE or CHECK constraint in place, so
-- subscriptions and deliveries are rebuilt the way SQLite documents it
-- (https://www.sqlite.org/lang_altertable.html#otheralter): this migration
-- runs with foreign keys off, and a foreign_key_check before the commit
-- refuses it if any reference broke.

-- Channels other than the personal account. Secrets (the robot's key is
-- part of its URL; the corp secret) live only here: the store file is 0600
-- and nothing prints them.
CREATE TABLE channels (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    kind          TEXT    NOT NULL CHECK (kind IN ('wecom-robot', 'wecom-task')),
    url           TEXT    NOT NULL DEFAULT '', -- robot: webhook URL with its key; task: API base ('' = WeCom's)
    corp_id       TEXT    NOT NULL DEFAULT '',
    secret        TEXT    NOT NULL DEFAULT '',
    sender        TEXT    NOT NULL DEFAULT '', -- the staff member's WeCom userid who confirms tasks
    chat_ids      TEXT    NOT NULL DEFAULT '', -- comma-separated customer-group ids; '' = all the sender's groups
    allow_private INTEGER NOT NULL DEFAULT 0 CHECK (allow_private IN (0, 1)),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

-- One subscription per (channel, group). For a robot or task channel the
-- channel is the whole target and group_name repeats the channel's name.
CREATE TABLE subscriptions_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel    TEXT    NOT NULL DEFAULT 'wechat' CHECK (channel <> ''),
    group_name TEXT    NOT NULL CHECK (group_name <> ''),
    kind       TEXT    NOT NULL CHECK (kind IN ('at', 'cron')),
    spec       TEXT    NOT NULL CHECK (spec <> ''),
    tz         TEXT    NOT NULL DEFAULT '',
    weekdays   INTEGER NOT NULL DEFAULT 0 CHECK (weekdays IN (0, 1)),
    source     TEXT    NOT NULL DEFAULT '',
    style      TEXT    NOT NULL DEFAULT 'text' CHECK (style IN ('text', 'image', 'both')),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (channel, group_name)
);
INSERT INTO subscriptions_new (id, channel, group_name, kind, spec, tz, weekdays, source, style, enabled, created_at, updated_at)
    SELECT id, 'wechat', group_name, kind, spec, tz, weekdays, source, 'text', enabled, created_at, updated_at
    FROM subscriptions;
-- Ids are never reused: carry the sequence over, not just the largest id left.
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'subscriptions')
    WHERE name = 'subscriptions_new'
    AND seq < (SELECT seq FROM sqlite_sequence WHERE name = 'subscriptions');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'subscriptions_new', seq FROM sqlite_sequence WHERE name = 'subscriptions'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'subscriptions_new');
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;

-- The ledger gains the channel, the part's kind ('text', or 'image': the
-- day's card as JSON, rendered when it is sent), the remote id of a
-- customer-group task, and the state 'awaiting' (a task created in WeCom,
-- waiting for its sender to confirm it).
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    channel         TEXT    NOT NULL DEFAULT 'wechat',
    group_name      TEXT    NOT NULL,
    slot            TEXT    NOT NULL,
    part            INTEGER NOT NULL CHECK (part >= 0),
    parts           INTEGER NOT NULL CHECK (parts >= 0),
    kind            TEXT    NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'image')),
    text_id         INTEGER REFERENCES delivery_texts (id), -- NULL: no text (skipped)
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'missed', 'skipped', 'awaiting')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    remote_id       TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    CHECK (part <= parts),
    UNIQUE (subscription_id, slot, part)
);
INSERT INTO deliveries_new (id, subscription_id, channel, group_name, slot, part, parts, kind, text_id,
        state, attempts, error, created_at, sent_at)
    SELECT id, subscription_id, 'wechat', group_name, slot, part, parts, 'text', text_id,
        state, attempts, error, created_at, sent_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE UNIQUE INDEX deliveries_slot_head ON deliveries (subscription_id, slot) WHERE part <= 1;
CREATE INDEX deliveries_unsent ON deliveries (slot, subscription_id, part)
    WHERE state IN ('pending', 'failed');
CREATE INDEX deliveries_awaiting ON deliveries (slot) WHERE state = 'awaiting';
CREATE INDEX deliveries_by_slot ON deliveries (slot);
