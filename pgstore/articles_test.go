package pgstore_test

import (
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/pgstore"
	"github.com/wxdigest/wxdigest/storetest"
)

func TestArticles(t *testing.T) {
	storetest.RunArticles(t, func(t *testing.T, now func() time.Time) storetest.ArticlesGroup { return open(t, now) })
}

func TestSearch(t *testing.T) {
	storetest.RunSearch(t, func(t *testing.T, now func() time.Time) storetest.SearchGroup { return open(t, now) })
}

func TestSources(t *testing.T) {
	storetest.RunSources(t, func(t *testing.T, now func() time.Time) storetest.SourcesGroup { return open(t, now) })
}

// The PostgreSQL store keeps every slice the product calls.
var _ storetest.Store = (*pgstore.Store)(nil)

// TestConformanceAll runs the whole suite, every group, nothing skipped.
func TestConformanceAll(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Store { return open(t, now) })
}
