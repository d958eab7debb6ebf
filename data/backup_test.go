package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// A backup taken while a writer is busy is a consistent store of its own,
// mode 0600, with whole imports only; an existing file is not overwritten.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.ImportArticles(ctx, sampleArticles()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			batch := make([]digest.Article, 10)
			for k := range batch {
				batch[k] = digest.Article{Source: "中原区报", Date: "2023-02-14", Title: fmt.Sprintf("第%d批第%d篇", i, k),
					Body: fmt.Sprintf("第%d批第%d篇的正文。", i, k)}
			}
			if _, err := s.ImportArticles(ctx, batch); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := s.Backup(ctx, p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	close(stop)
	wg.Wait()
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want 0600", p, err, st.Mode().Perm())
		}
		b, err := Open(ctx, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		day, err := b.ArticlesByDate(ctx, "2023-02-14")
		if err != nil {
			t.Fatal(err)
		}
		if len(day)%10 != 0 {
			t.Errorf("%s holds %d articles of the busy day: a torn import", p, len(day))
		}
		if first, _ := b.ArticlesByDate(ctx, "2023-02-13"); len(first) != 3 {
			t.Errorf("%s lost the first import: %d", p, len(first))
		}
		if hits, err := b.Search(ctx, "樱花节", 5); err != nil || len(hits) != 1 {
			t.Errorf("%s: search %v %v", p, hits, err)
		}
		b.Close()
	}
	if err := s.Backup(ctx, paths[0]); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if st, _ := os.Stat(paths[0]); st.Size() == 0 {
		t.Fatal("the refused backup damaged the existing file")
	}
}
