-- The web console: the people who log in to it, their sessions, the API's
-- bearer tokens, and the approval (审核) a subscription's slots may wait
-- for. The same tables as the SQLite store's migration 0011. Neither a
-- password nor a token is kept: users hold the encoded argon2id hash,
-- sessions and tokens the hex SHA-256 of the secret handed out, so a copy
-- of the database cannot be used to log in.

-- A subscription with approve set sends a slot only once a staff member
-- has approved exactly its digest.
ALTER TABLE subscriptions ADD COLUMN approve BOOLEAN NOT NULL DEFAULT false;

-- Console accounts, listed by name in code point order. The audit log
-- names a user "web:NAME", so a name is what identifies one.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT COLLATE "C" NOT NULL UNIQUE CHECK (name <> ''),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash TEXT    NOT NULL CHECK (password_hash <> ''),
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- Console logins, keyed by the hex SHA-256 of the cookie's value. A
-- session goes with its user (ON DELETE CASCADE). Expired rows are read as
-- absent and deleted by PruneSessions; sessions_by_expiry keeps that
-- delete from scanning the live ones.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY CHECK (length(id) = 64),
    user_name  TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_name);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Bearer tokens for /api/, by the hex SHA-256 of the token. A revoked
-- token stays (revoked_at set), so its name is never given to another
-- token: the audit log's "token:NAME" keeps naming one token.
CREATE TABLE api_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE CHECK (name <> ''),
    hash       TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz -- NULL: the token works
);

-- The approval of one slot of a subscription, slot kept like the ledger's
-- (UTC, microseconds). An approval means nothing without its subscription:
-- removing the subscription removes its approvals (ON DELETE CASCADE);
-- the audit log keeps who approved what, the ledger what was sent.
CREATE TABLE approvals (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    slot            timestamptz NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'missed')),
    approved_by     TEXT NOT NULL DEFAULT '',
    approved_at     timestamptz, -- NULL while pending
    text            TEXT NOT NULL DEFAULT '', -- what was approved: the parts joined
    text_hash       TEXT NOT NULL DEFAULT '', -- model.DigestHash of those parts
    UNIQUE (subscription_id, slot)
);
-- Approvals(since).
CREATE INDEX approvals_by_slot ON approvals (slot);

-- The console filters the audit log by who did it, newest first.
CREATE INDEX audit_by_who ON audit (who, at, id);
