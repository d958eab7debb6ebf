// Package searchtext owns what search means, whatever store keeps the
// index: how text is folded and cut into tokens (CJK characters and their
// pairs, whole words), how a query becomes required tokens and literal
// runs, and the snippet a hit shows. The SQLite store (data) and the
// PostgreSQL store (pgstore) both use it, so they find the same articles
// and show the same snippets.
package searchtext
