// Package pgstore is the PostgreSQL store, for several bot accounts on
// several hosts sharing one database (pgx, through a pgxpool).
//
// It owns, so far, the bot's state: subscriptions (with their channels and
// filters), configured channels, the delivery ledger (slots recorded
// idempotently by INSERT … ON CONFLICT DO NOTHING on the slot's head row,
// texts stored once by their SHA-256), roles, the audit log, leases (the
// compare-and-swap of a gone holder's lease is one statement), meta and
// the outbox — with the semantics, model types and sentinels of the SQLite
// store in package data, held to them by storetest's groups of the
// conformance suite. Articles, sources and search are still to come: the
// ledger refers to article ids without a foreign key (as SQLite does), so
// the bot's state stands without them, and the ledger subtests that hand
// stored articles to groups wait for that half.
//
// Open applies numbered embedded migrations (migrations/NNNN_name.sql) in
// order, each in a transaction of its own behind pg_advisory_xact_lock,
// and records them in schema_version, so concurrent Opens of one database
// are safe. Ids are BIGINT GENERATED ALWAYS AS IDENTITY (never reused),
// times timestamptz kept in UTC to the microsecond, flags BOOLEAN, lists
// TEXT[], and names a list is ordered by are TEXT COLLATE "C" (code point
// order, like SQLite's).
package pgstore
