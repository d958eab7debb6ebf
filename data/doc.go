// Package data owns wxdigest's SQLite store: opening the database file
// (mode 0600, WAL, one writer connection plus a read-only pool), the
// numbered embedded migrations tracked by PRAGMA user_version, the article
// table with content-hash de-duplication (fetched articles also by feed id
// and link), full-text search over titles and bodies, and what the bot
// keeps: sources and their fetch state, roles, subscriptions, the delivery
// ledger, the audit log, the lease that lets one bot process run on a store,
// and small facts such as the account's Uin.
//
// It is the only importer of github.com/mattn/go-sqlite3 and needs no build
// tag: search is its own index, and the FTS5 table of stores made before
// migration 0005 is removed at Open even without the FTS5 module (the old
// -tags sqlite_fts5 still builds and does no harm). It knows nothing about
// chat or rendering.
//
// NUL characters are kept out as in the PostgreSQL store, whose text cannot
// hold them: an article, or a name or key (group, channel, remark, lease,
// meta key, account…), holding one is refused with ErrInvalid naming the
// field (a lookup by one finds nothing); free text from outside that must
// not be lost (an audit detail, a reply, a delivery part, an error text, a
// meta value) is stored with its NUL characters removed (stripNUL).
//
// Search is an inverted index of its own (postings.go, search_index.go,
// migration 0005): tokens built in Go (tokens.go: CJK characters and
// character pairs, whole words), kept in immutable segments of term →
// document lists that each writing transaction adds and later ones merge
// sixteen at a time. CJK runs of three or more characters are checked
// literally on the candidates. Documents map to search keys that order by
// (issue date, id), so the newest candidates are found without sorting
// them all, and a search fetches only the articles it returns (index.go).
// docs/benchmarks.md has the measurements behind these choices.
package data
