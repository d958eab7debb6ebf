// Package pgstore is the PostgreSQL store, for several bot accounts on
// several hosts sharing one database (pgx, through a pgxpool).
//
// It owns the bot's state: subscriptions (with their channels and
// filters), configured channels, the delivery ledger (slots recorded
// idempotently by INSERT … ON CONFLICT DO NOTHING on the slot's head row,
// texts stored once by their SHA-256), roles, the audit log, leases (the
// compare-and-swap of a gone holder's lease is one statement), meta and
// the outbox; and the content: articles (deduped by the SQLite store's
// content hash, page order per source and day, corrections that keep the
// printed text's hash, withdrawals as tombstones), search and sources
// (fetched articles deduped by GUID, then link, then content). All of it
// has the semantics, model types and sentinels of the SQLite store in
// package data, held to them by storetest's whole conformance suite.
//
// PostgreSQL's text cannot hold U+0000, so neither store keeps it: an
// article, or a name or key (group, channel, remark, lease, meta key,
// account…), holding a NUL character is refused with ErrInvalid naming the
// field (a lookup by one finds nothing); free text from outside that must
// not be lost (an audit detail, a reply, a delivery part, an error text, a
// meta value) is stored with its NUL characters removed (stripNUL). The
// SQLite store does the same.
//
// Search uses the SQLite store's Go tokenizer (tokens.go, a port checked
// against data's results): each article's distinct tokens (CJK characters
// and character pairs, lower-case words) sit in a TEXT[] column with a GIN
// index; a query requires all of its tokens (tokens @> $1), checks runs of
// three or more CJK characters literally (strpos on title or body), and
// lists newest first by issue date, then id. Imports and edits that number
// pages take one advisory transaction lock, so page orders never collide.
//
// Open applies numbered embedded migrations (migrations/NNNN_name.sql) in
// order, each in a transaction of its own behind pg_advisory_xact_lock,
// and records them in schema_version, so concurrent Opens of one database
// are safe. Ids are BIGINT GENERATED ALWAYS AS IDENTITY (never reused),
// times timestamptz kept in UTC to the microsecond, flags BOOLEAN, lists
// TEXT[], and names a list is ordered by are TEXT COLLATE "C" (code point
// order, like SQLite's).
package pgstore
