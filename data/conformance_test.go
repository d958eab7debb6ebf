package data_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/source"
	"github.com/wxdigest/wxdigest/storetest"
)

// The SQLite store is a storetest.Store, and storetest.Store is what the
// bot and the poller need: these fail to compile when they drift apart.
var (
	_ storetest.Store  = (*data.Store)(nil)
	_ bot.Store        = storetest.Store(nil)
	_ bot.ForwardStore = storetest.Store(nil)
	_ bot.ReplyStore   = storetest.Store(nil)
	_ bot.AwaitLedger  = storetest.Store(nil)
	_ bot.TaskLedger   = storetest.Store(nil)
	_ bot.ManageStore  = storetest.Store(nil)
	_ source.PollStore = storetest.Store(nil)
)

// TestConformance runs the suite every store must pass against a SQLite
// store in a temporary directory.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Store {
		s, err := data.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"), data.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	})
}

// The suite's search bounds are the SQLite store's.
func TestConformanceBounds(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"SnippetRunes", storetest.SnippetRunes, data.SnippetRunes},
		{"DefaultSearchLimit", storetest.DefaultSearchLimit, data.DefaultSearchLimit},
		{"MaxSearchLimit", storetest.MaxSearchLimit, data.MaxSearchLimit},
		{"MaxQueryRunes", storetest.MaxQueryRunes, data.MaxQueryRunes},
	} {
		if c.got != c.want {
			t.Errorf("storetest.%s = %d, data's is %d", c.name, c.got, c.want)
		}
	}
}
