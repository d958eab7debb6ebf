-- Replies and reports waiting to be sent (a staff member's "已推送…", an
-- alert), kept so that a process that dies does not lose them silently:
-- the next start sends those still fresh and drops older ones with a log
-- line. A row is deleted once its message is sent or given up.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel <> ''),
    target_kind TEXT NOT NULL,
    target_name TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '', -- the chat's id in the session it came from
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX outbox_by_channel ON outbox (channel, id);
