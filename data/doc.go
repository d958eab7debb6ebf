// Package data owns wxdigest's SQLite store: opening the database file
// (mode 0600, WAL, one writer connection plus a read-only pool), the
// numbered embedded migrations tracked by PRAGMA user_version, the article
// table with content-hash de-duplication (fetched articles also by feed id
// and link), full-text search over titles and bodies, and what the bot
// keeps: sources and their fetch state, roles, subscriptions, the delivery
// ledger, the audit log, the lease that lets one bot process run on a store,
// and small facts such as the account's Uin.
//
// It is the only importer of github.com/mattn/go-sqlite3 and must be built
// with -tags sqlite_fts5. It knows nothing about chat or rendering.
//
// Search tokens are built in Go (tokens.go: CJK characters and character
// pairs, whole words) and stored in a contentless FTS5 table without
// positions (detail=none); CJK runs of three or more characters are
// checked literally on the candidates. The FTS rowid is a search key that
// orders by (issue date, id), so newest-first results come straight out
// of the index and a search stops after limit hits (index.go, migration
// 0002). docs/benchmarks.md has the measurements behind these choices.
package data
