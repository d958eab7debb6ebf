// Package storetest is the conformance suite every wxdigest store must
// pass: the SQLite store in package data and the PostgreSQL store in
// pgstore.
//
// It owns two things. Store lists every store method the product calls
// (bot, source and cmd/wxdigest), in package model's types, grouped in
// slices (ArticleStore, LedgerStore, …); opening, closing, backups and
// rebuilding a search index are each store's own and are not in it. Run
// checks the contract of those methods as the SQLite store keeps it
// today and as their doc comments state it: content dedupe and page order,
// corrections and withdrawals, search (one and two characters, runs,
// words, newest first, limits, snippets, user input never syntax),
// sources and fetched-article dedupe (GUID, then link, then content),
// subscriptions and channels, the delivery ledger's states and what each
// group was handed, claims, leases, roles, the audit log, meta, the outbox
// and the console; and what every store does with NUL characters, which
// PostgreSQL's text cannot hold (nul.go: names and keys refused, free text
// kept without them).
// Errors are checked with errors.Is against model's sentinels.
//
// A new store adds one test in its own package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Store {
//			s := openEmptyStore(t, now) // fresh and empty, its clock now
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// and a compile-time check, var _ storetest.Store = (*Store)(nil). A store
// built a part at a time runs the groups it implements instead (Run is all
// of them, in this order): RunArticles, RunSearch, RunArticleLimits (a day
// of thousands of articles, text an article cannot hold), RunSources,
// RunSubscriptions, RunChannels, RunLedger, RunLeases, RunRoles,
// RunAuditAndMeta, RunOutbox, RunClaims (claimed ledger parts, accounts'
// bound groups) and RunConsole (the web console's users, sessions, API
// tokens, approvals and views of the ledger), each taking an opener typed
// with the smallest interface its subtests call (SubscriptionsGroup,
// LedgerGroup, LeaseStore, ClaimsGroup, …). Given a store without
// ImportArticles, the subtests that hand stored articles to groups skip,
// saying so. The opener is called once per subtest (some subtests open a
// few stores), must return an empty store, and must stamp every time the
// store takes from "now" (imports, subscriptions, ledger rows, leases, audit, outbox) with
// the function it is given: the suite moves that clock itself and never
// sleeps. Times are compared as instants; a store may hand them back in
// any zone, except Delivery.Slot and SentAt, which are UTC, and slots kept
// to the microsecond. Empty and nil slices are the same.
//
// Some choices a store must make the way SQLite does: lists "by name" are
// in code point order of the UTF-8 names (COLLATE "C" in PostgreSQL); a day
// lists in page order, then id; search is newest first by issue date, then
// id; ids are never reused. The bounds of search (SnippetRunes,
// DefaultSearchLimit, MaxSearchLimit, MaxQueryRunes) are data's, and data's
// test checks that they agree.
//
// The suite runs its subtests one after another; a run against SQLite
// takes a few seconds at most.
package storetest
