package data

import (
	"testing"

	"github.com/wxdigest/wxdigest/internal/storebench"
)

// The archive internal/storebench runs both stores on is this package's
// benchmark archive, article for article, so its SQLite figures compare
// with BenchmarkImport's and BenchmarkSearch's here.
func TestStorebenchArchiveIsData(t *testing.T) {
	ours, theirs := newSynthGen(), storebench.NewSynth()
	if ours.perDay != theirs.PerDay {
		t.Fatalf("articles a day: %d here, %d in storebench", ours.perDay, theirs.PerDay)
	}
	for _, i := range []int{0, 1, 2, 19, 20, 999, 1000, 4242, 54321, 99999} {
		if a, b := ours.article(i), theirs.Article(i); a != b {
			t.Errorf("article %d differs:\n%+v\n%+v", i, a, b)
		}
	}
}
