package pgstore_test

import (
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/pgstore"
	"github.com/wxdigest/wxdigest/storetest"
)

// The PostgreSQL store keeps every slice the product calls.
var _ storetest.Store = (*pgstore.Store)(nil)

// TestConformance runs the whole suite every store must pass, every group,
// nothing skipped.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Store { return open(t, now) })
}
