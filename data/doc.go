// Package data owns wxdigest's SQLite store: opening the database file
// (mode 0600, WAL, one writer connection plus a read-only pool), the
// numbered embedded migrations tracked by PRAGMA user_version, the article
// table with content-hash de-duplication, and full-text search over titles
// and bodies.
//
// It is the only importer of github.com/mattn/go-sqlite3 and must be built
// with -tags sqlite_fts5. It knows nothing about chat or rendering.
//
// Search uses CJK bigrams built in Go (see tokens.go) and stored in a
// contentless FTS5 table whose rowid encodes (issue date, id), so that
// newest-first results come straight out of the index in rowid order
// instead of being sorted after the match.
package data
