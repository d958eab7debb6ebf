package pgstore_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/pgstore"
	"github.com/wxdigest/wxdigest/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The bot's slices the PostgreSQL store keeps already, and storetest's
// groups it is held to: these fail to compile when they drift apart.
var (
	_ bot.Subscriptions = (*pgstore.Store)(nil)
	_ bot.Ledger        = (*pgstore.Store)(nil)
	_ bot.Roles         = (*pgstore.Store)(nil)
	_ bot.Audit         = (*pgstore.Store)(nil)
	_ bot.Lease         = (*pgstore.Store)(nil)
	_ bot.Meta          = (*pgstore.Store)(nil)
	_ bot.SentLedger    = (*pgstore.Store)(nil)
	_ bot.AwaitLedger   = (*pgstore.Store)(nil)
	_ bot.TaskLedger    = (*pgstore.Store)(nil)
	_ bot.ReplyStore    = (*pgstore.Store)(nil)

	_ storetest.SubscriptionsGroup = (*pgstore.Store)(nil)
	_ storetest.ChannelsGroup      = (*pgstore.Store)(nil)
	_ storetest.LedgerGroup        = (*pgstore.Store)(nil)
	_ storetest.LeaseStore         = (*pgstore.Store)(nil)
	_ storetest.RoleStore          = (*pgstore.Store)(nil)
	_ storetest.AuditAndMetaGroup  = (*pgstore.Store)(nil)
	_ storetest.OutboxStore        = (*pgstore.Store)(nil)
)

// open opens a store on a fresh database, closed when t ends.
func open(t *testing.T, now func() time.Time) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), pgtest.URL(t), pgstore.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Opens racing on one new database all succeed, and the migrations are
// applied once.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	const n = 4
	stores := make([]*pgstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = pgstore.Open(ctx, url, pgstore.Options{})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	v, err := stores[0].SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	// Every store works on the one schema.
	for i, s := range stores {
		if err := s.SetMeta(ctx, "k", string(rune('a'+i))); err != nil {
			t.Fatalf("store %d: SetMeta: %v", i, err)
		}
	}
	// Opening again applies nothing more.
	again, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if v2, err := again.SchemaVersion(ctx); err != nil || v2 != v {
		t.Fatalf("SchemaVersion after reopening = %d, %v; want %d", v2, err, v)
	}
}

// A database migrated by a newer build is refused, not written to.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	if s, err := pgstore.Open(ctx, url, pgstore.Options{}); err == nil {
		s.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
}
