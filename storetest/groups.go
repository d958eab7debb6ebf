package storetest

import (
	"testing"
	"time"
)

// The interfaces of the groups of subtests: what each group's subtests
// call, so that a store that keeps only some of the slices of Store (a new
// store built a half at a time) can be held to the groups it implements.
//
// Subtests that hand articles to groups (most of the ledger's, and
// RemoveKeepsHistory and RenameGroup of Subscriptions) import a few
// articles first. Given a store without ImportArticles they skip, saying
// so; Run, whose stores have every slice, skips nothing.
type (
	// ArticlesGroup is what RunArticles calls: fetched articles dedupe
	// against imported ones.
	ArticlesGroup interface {
		ArticleStore
		SourceStore
	}
	// SearchGroup is what RunSearch calls.
	SearchGroup interface{ ArticleStore }
	// SourcesGroup is what RunSources calls.
	SourcesGroup interface {
		ArticleStore
		SourceStore
	}
	// SubscriptionsGroup is what RunSubscriptions calls: subscriptions
	// through channels, and their ledger rows after a rename or removal.
	SubscriptionsGroup interface {
		SubscriptionStore
		ChannelStore
		LedgerStore
	}
	// ChannelsGroup is what RunChannels calls: a channel in use by a
	// subscription cannot be removed.
	ChannelsGroup interface {
		SubscriptionStore
		ChannelStore
	}
	// LedgerGroup is what RunLedger calls: slots of subscriptions, some
	// through a task channel.
	LedgerGroup interface {
		SubscriptionStore
		ChannelStore
		LedgerStore
	}
	// AuditAndMetaGroup is what RunAuditAndMeta calls.
	AuditAndMetaGroup interface {
		AuditStore
		MetaStore
	}
)

// RunArticles checks imports, days, corrections, withdrawals and deletes.
func RunArticles(t *testing.T, open func(t *testing.T, now func() time.Time) ArticlesGroup) {
	t.Helper()
	runGroup(t, "Articles", articleCases, open)
}

// RunSearch checks search.
func RunSearch(t *testing.T, open func(t *testing.T, now func() time.Time) SearchGroup) {
	t.Helper()
	runGroup(t, "Search", searchCases, open)
}

// RunSources checks sources, their fetch state and fetched-article dedupe.
func RunSources(t *testing.T, open func(t *testing.T, now func() time.Time) SourcesGroup) {
	t.Helper()
	runGroup(t, "Sources", sourceCases, open)
}

// RunSubscriptions checks subscriptions, their filters and channels,
// removal and renames.
func RunSubscriptions(t *testing.T, open func(t *testing.T, now func() time.Time) SubscriptionsGroup) {
	t.Helper()
	runGroup(t, "Subscriptions", subscriptionCases, open)
}

// RunChannels checks the configured channels.
func RunChannels(t *testing.T, open func(t *testing.T, now func() time.Time) ChannelsGroup) {
	t.Helper()
	runGroup(t, "Channels", channelCases, open)
}

// RunLedger checks the delivery ledger.
func RunLedger(t *testing.T, open func(t *testing.T, now func() time.Time) LedgerGroup) {
	t.Helper()
	runGroup(t, "Ledger", ledgerCases, open)
}

// RunLeases checks leases.
func RunLeases(t *testing.T, open func(t *testing.T, now func() time.Time) LeaseStore) {
	t.Helper()
	runGroup(t, "Leases", leaseCases, open)
}

// RunRoles checks roles.
func RunRoles(t *testing.T, open func(t *testing.T, now func() time.Time) RoleStore) {
	t.Helper()
	runGroup(t, "Roles", roleCases, open)
}

// RunAuditAndMeta checks the audit log and meta.
func RunAuditAndMeta(t *testing.T, open func(t *testing.T, now func() time.Time) AuditAndMetaGroup) {
	t.Helper()
	runGroup(t, "AuditAndMeta", auditCases, open)
}

// RunOutbox checks the outbox.
func RunOutbox(t *testing.T, open func(t *testing.T, now func() time.Time) OutboxStore) {
	t.Helper()
	runGroup(t, "Outbox", outboxCases, open)
}

// runGroup runs cases as subtests of one subtest named name, each on a
// fresh env.
func runGroup[S any](t *testing.T, name string, cases []testCase, open func(t *testing.T, now func() time.Time) S) {
	t.Helper()
	opener := Opener(func(t *testing.T, now func() time.Time) Store {
		t.Helper()
		s := open(t, now)
		if any(s) == nil {
			t.Fatal("storetest: open returned a nil store")
		}
		return complete(s)
	})
	t.Run(name, func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.run(t, newEnv(t, opener))
			})
		}
	})
}

// partial is a store with only some slices of Store, the others filled
// with lacking.
type partial struct {
	ArticleStore
	SourceStore
	SubscriptionStore
	ChannelStore
	LedgerStore
	RoleStore
	AuditStore
	LeaseStore
	MetaStore
	OutboxStore
	ClaimStore
	ConsoleStore
	articles bool // ImportArticles is the store's own
}

// complete returns s itself when it is a whole Store, else a partial
// store with s's slices.
func complete(s any) Store {
	if full, ok := s.(Store); ok {
		return full
	}
	var p partial
	p.ArticleStore, p.articles = pick[ArticleStore](s)
	p.SourceStore, _ = pick[SourceStore](s)
	p.SubscriptionStore, _ = pick[SubscriptionStore](s)
	p.ChannelStore, _ = pick[ChannelStore](s)
	p.LedgerStore, _ = pick[LedgerStore](s)
	p.RoleStore, _ = pick[RoleStore](s)
	p.AuditStore, _ = pick[AuditStore](s)
	p.LeaseStore, _ = pick[LeaseStore](s)
	p.MetaStore, _ = pick[MetaStore](s)
	p.OutboxStore, _ = pick[OutboxStore](s)
	p.ClaimStore, _ = pick[ClaimStore](s)
	p.ConsoleStore, _ = pick[ConsoleStore](s)
	return &p
}

// pick returns s as the slice I when it has it, else lacking.
func pick[I any](s any) (I, bool) {
	if i, ok := s.(I); ok {
		return i, true
	}
	return any(lacking{}).(I), false
}

// needArticles skips t when the store under test keeps no articles: the
// subtest hands articles to groups, and belongs to the articles' half.
func (e *env) needArticles(t *testing.T) {
	t.Helper()
	if p, ok := e.s.(*partial); ok && !p.articles {
		t.Skip("storetest: the store has no ImportArticles, and this subtest hands articles to groups")
	}
}
