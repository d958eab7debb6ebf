-- The bot's state: who may do what, which groups get digests when, the
-- delivery ledger, the audit log, leases and small facts.
--
-- Shaped for a later move to PostgreSQL (several bot accounts on several
-- hosts): plain types (INTEGER 0/1 for BOOLEAN, TEXT times), slot enqueue
-- made idempotent by a unique key and INSERT … ON CONFLICT DO NOTHING, and a
-- lease row that SELECT … FOR UPDATE SKIP LOCKED could claim. AUTOINCREMENT
-- becomes BIGINT GENERATED ALWAYS AS IDENTITY there.
--
-- Times are UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (fixed width, microseconds as
-- timestamptz keeps them), so text order is time order.

-- Roles belong to a friend's RemarkName (备注), never to a nickname.
CREATE TABLE roles (
    remark     TEXT PRIMARY KEY CHECK (remark <> ''),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    granted_by TEXT NOT NULL DEFAULT '',
    granted_at TEXT NOT NULL
);

-- One subscription per group. Ids are never reused (AUTOINCREMENT): the
-- dispatcher holds them in memory, and ledger rows of a removed
-- subscription must not be mistaken for a new one's.
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_name TEXT    NOT NULL UNIQUE CHECK (group_name <> ''),
    kind       TEXT    NOT NULL CHECK (kind IN ('at', 'cron')),
    spec       TEXT    NOT NULL CHECK (spec <> ''),
    tz         TEXT    NOT NULL DEFAULT '',
    weekdays   INTEGER NOT NULL DEFAULT 0 CHECK (weekdays IN (0, 1)),
    source     TEXT    NOT NULL DEFAULT '',
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

-- Rendered message texts, stored once however many rows send them: at one
-- firing most groups get the same digest, and a fan-out to 10,000 groups
-- would otherwise write 10,000 copies (about 75 MB at 2,000-rune parts).
-- Keyed by the SHA-256 of the text; rows are never deleted.
CREATE TABLE delivery_texts (
    id   INTEGER PRIMARY KEY,
    hash BLOB    NOT NULL UNIQUE,
    text TEXT    NOT NULL
);

-- The delivery ledger: one row per message part of a slot, written before
-- anything is sent. A skipped slot (nothing new) is one row with part 0,
-- parts 0 and no text.
--
-- History outlives its subscription: removing a subscription sets
-- subscription_id to NULL and keeps the rows, and group_name is kept here
-- (renames follow it while the subscription exists) so `wxdigest
-- deliveries` can still say which group a row was for. NULLs are distinct
-- in the unique key, so orphaned rows never block a new subscription.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    group_name      TEXT    NOT NULL,
    slot            TEXT    NOT NULL,
    part            INTEGER NOT NULL CHECK (part >= 0),
    parts           INTEGER NOT NULL CHECK (parts >= 0),
    text_id         INTEGER REFERENCES delivery_texts (id), -- NULL: no text (skipped)
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'missed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    CHECK (part <= parts),
    UNIQUE (subscription_id, slot, part)
);
-- A slot is recorded once: its first row (part 0 of a skipped slot, or
-- part 1) is the slot's head, unique per (subscription, slot), so
-- INSERT … ON CONFLICT DO NOTHING of the head tells whether this call
-- recorded the slot, whatever shape an earlier recording had.
CREATE UNIQUE INDEX deliveries_slot_head ON deliveries (subscription_id, slot) WHERE part <= 1;
-- Unsent(): the few rows still to send, in send order, without scanning
-- the history.
CREATE INDEX deliveries_unsent ON deliveries (slot, subscription_id, part)
    WHERE state IN ('pending', 'failed');
-- Deliveries(since).
CREATE INDEX deliveries_by_slot ON deliveries (slot);

-- Which articles each subscription's group has been handed, and in which
-- slots, so a later slot carries only what the group has not received yet.
-- Rows of a missed slot are deleted (its articles are released). An article
-- handed in two slots has two rows, so releasing one slot does not forget
-- the other. No foreign key to articles: article ids are never reused, so
-- a row for a deleted article is inert, and article deletes stay as cheap
-- as before.
CREATE TABLE delivery_items (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    slot            TEXT    NOT NULL,
    article_id      INTEGER NOT NULL,
    UNIQUE (subscription_id, article_id, slot) -- also serves Delivered()
);
-- MarkSlotMissed releases a slot's articles.
CREATE INDEX delivery_items_by_slot ON delivery_items (subscription_id, slot);

-- Who changed what, newest last.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    who    TEXT NOT NULL CHECK (who <> ''),
    action TEXT NOT NULL CHECK (action <> ''),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (at);

-- Named leases, e.g. the one that keeps a second `wxdigest run` from
-- logging in and sending on the same store.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    holder     TEXT NOT NULL CHECK (holder <> ''),
    expires_at TEXT NOT NULL
);

-- Small facts, such as the bot account's Uin.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY CHECK (key <> ''),
    value TEXT NOT NULL
);
