-- The bot's state: who may do what, the configured channels, which groups
-- get digests when, the delivery ledger, the audit log, leases, small facts
-- and the outbox. The same tables as the SQLite store's migrations 0003,
-- 0006, 0008 and 0009, in PostgreSQL's types: identity ids (never reused),
-- timestamptz (UTC, microseconds), BOOLEAN, TEXT[] for lists, and
-- COLLATE "C" on every name a list is ordered by, so lists come in code
-- point order of the UTF-8 names, as SQLite orders them.

-- Roles belong to a friend's RemarkName (备注), never to a nickname.
CREATE TABLE roles (
    remark     TEXT COLLATE "C" PRIMARY KEY CHECK (remark <> ''),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    granted_by TEXT NOT NULL DEFAULT '',
    granted_at timestamptz NOT NULL
);

-- Channels other than the personal account. Secrets (the robot's key is
-- part of its URL; the corp secret) live only here: nothing prints them.
CREATE TABLE channels (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT COLLATE "C" NOT NULL UNIQUE CHECK (name <> ''),
    kind          TEXT    NOT NULL CHECK (kind IN ('wecom-robot', 'wecom-task')),
    url           TEXT    NOT NULL DEFAULT '', -- robot: webhook URL with its key; task: API base ('' = WeCom's)
    corp_id       TEXT    NOT NULL DEFAULT '',
    secret        TEXT    NOT NULL DEFAULT '',
    sender        TEXT    NOT NULL DEFAULT '', -- the staff member's WeCom userid who confirms tasks
    chat_ids      TEXT[]  NOT NULL DEFAULT '{}', -- customer-group ids; none = all the sender's groups
    allow_private BOOLEAN NOT NULL DEFAULT false,
    enabled       BOOLEAN NOT NULL DEFAULT true,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- One subscription per (channel, group). For a robot or task channel the
-- channel is the whole target and group_name repeats the channel's name.
-- Ids are never reused: the dispatcher holds them in memory, and ledger
-- rows of a removed subscription must not be mistaken for a new one's.
CREATE TABLE subscriptions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel       TEXT COLLATE "C" NOT NULL DEFAULT 'wechat' CHECK (channel <> ''),
    group_name    TEXT COLLATE "C" NOT NULL CHECK (group_name <> ''),
    kind          TEXT    NOT NULL CHECK (kind IN ('at', 'cron')),
    spec          TEXT    NOT NULL CHECK (spec <> ''),
    tz            TEXT    NOT NULL DEFAULT '',
    weekdays      BOOLEAN NOT NULL DEFAULT false,
    source        TEXT    NOT NULL DEFAULT '', -- sources, comma-separated; '' = all
    style         TEXT    NOT NULL DEFAULT 'text' CHECK (style IN ('text', 'image', 'both')),
    enabled       BOOLEAN NOT NULL DEFAULT true,
    include_words TEXT[]  NOT NULL DEFAULT '{}',
    exclude_words TEXT[]  NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (channel, group_name)
);

-- Rendered message texts, stored once however many rows send them, keyed
-- by the SHA-256 of the text; rows are never deleted or changed.
CREATE TABLE delivery_texts (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash BYTEA NOT NULL UNIQUE,
    text TEXT  NOT NULL
);

-- The delivery ledger: one row per message part of a slot, written before
-- anything is sent. A skipped slot (nothing new) is one row with part 0,
-- parts 0 and no text.
--
-- History outlives its subscription: removing a subscription sets
-- subscription_id to NULL and keeps the rows, and group_name is kept here
-- (renames follow it while the subscription exists). NULLs are distinct in
-- the unique keys, so orphaned rows never block a new subscription.
CREATE TABLE deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id BIGINT REFERENCES subscriptions (id) ON DELETE SET NULL,
    channel         TEXT COLLATE "C" NOT NULL DEFAULT 'wechat',
    group_name      TEXT COLLATE "C" NOT NULL,
    slot            timestamptz NOT NULL,
    part            INTEGER NOT NULL CHECK (part >= 0),
    parts           INTEGER NOT NULL CHECK (parts >= 0),
    kind            TEXT    NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'image')),
    text_id         BIGINT REFERENCES delivery_texts (id), -- NULL: no text (skipped)
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'missed', 'skipped', 'awaiting')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    remote_id       TEXT    NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    CHECK (part <= parts),
    UNIQUE (subscription_id, slot, part)
);
-- A slot is recorded once: its first row (part 0 of a skipped slot, or
-- part 1) is the slot's head, unique per (subscription, slot), so
-- INSERT … ON CONFLICT DO NOTHING of the head tells whether this call
-- recorded the slot, whatever shape an earlier recording had.
CREATE UNIQUE INDEX deliveries_slot_head ON deliveries (subscription_id, slot) WHERE part <= 1;
-- Unsent(): the few rows still to send, in send order.
CREATE INDEX deliveries_unsent ON deliveries (slot, subscription_id, part)
    WHERE state IN ('pending', 'failed');
CREATE INDEX deliveries_awaiting ON deliveries (slot) WHERE state = 'awaiting';
-- Deliveries(since).
CREATE INDEX deliveries_by_slot ON deliveries (slot);

-- Which articles each subscription's group has been handed, and in which
-- slots. Rows of a missed slot are deleted (its articles are released). No
-- foreign key to articles: article ids are never reused, so a row for a
-- deleted article is inert.
CREATE TABLE delivery_items (
    subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    slot            timestamptz NOT NULL,
    article_id      BIGINT NOT NULL,
    UNIQUE (subscription_id, article_id, slot) -- also serves Delivered()
);
-- MarkSlotMissed releases a slot's articles.
CREATE INDEX delivery_items_by_slot ON delivery_items (subscription_id, slot);

-- Who changed what, newest last.
CREATE TABLE audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    who    TEXT NOT NULL CHECK (who <> ''),
    action TEXT NOT NULL CHECK (action <> ''),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (at, id);

-- Named leases, e.g. the one that keeps a second `wxdigest run` from
-- logging in and sending on the same store.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    holder     TEXT NOT NULL CHECK (holder <> ''),
    expires_at timestamptz NOT NULL
);

-- Small facts, such as the bot account's Uin.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY CHECK (key <> ''),
    value TEXT NOT NULL
);

-- Replies and reports waiting to be sent, kept so that a process that dies
-- does not lose them silently. A row is deleted once its message is sent or
-- given up.
CREATE TABLE outbox (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel <> ''),
    target_kind TEXT NOT NULL,
    target_name TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '', -- the chat's id in the session it came from
    text        TEXT NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX outbox_by_channel ON outbox (channel, id);
