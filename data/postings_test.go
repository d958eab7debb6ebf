package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

func TestTopKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 10, 100, 5000} {
		for _, k := range []int{1, 7, 64, 10000} {
			t.Run(fmt.Sprintf("%d/%d", k, n), func(t *testing.T) {
				c := r.Perm(n)
				if n == 100 {
					slices.Sort(c) // an ordered input, the usual case
				}
				// Rounds as Search takes them: each below the last.
				var got []int64
				top := topKeys{k: k, below: math.MaxInt64}
				for round := 0; ; round++ {
					for _, v := range c {
						top.offer(int64(v))
					}
					got = append(got, top.sorted()...)
					if !top.more {
						break
					}
					top = topKeys{k: k, below: top.below}
				}
				if len(got) != n {
					t.Fatalf("%d keys in all rounds, want %d", len(got), n)
				}
				for i, v := range got {
					if v != int64(n-1-i) {
						t.Fatalf("key %d = %d, want %d", i, v, n-1-i)
					}
				}
			})
		}
	}
}

func TestPostingBuilder(t *testing.T) {
	pb := newPostingBuilder()
	// Used once with other documents first: a reset builder starts over.
	pb.add("樱花节和樱花大道和樱花", "和")
	pb.add("节樱")
	pb.reset()
	docs := []string{"樱花节樱花", "GDP 樱花", "", "gdp5G樱"}
	for i, d := range docs {
		if got := pb.add(d); got != uint32(i) {
			t.Fatalf("document %d numbered %d", i, got)
		}
	}
	pb.sort()
	got := map[string][]uint32{}
	var prev []byte
	err := pb.each(func(term []byte, ds []uint32) error {
		if prev != nil && bytes.Compare(prev, term) >= 0 {
			t.Errorf("term %q after %q", termText(term), termText(prev))
		}
		prev = slices.Clone(term)
		got[termText(term)] = slices.Clone(ds)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]uint32{
		"樱": {0, 1, 3}, "花": {0, 1}, "节": {0}, "樱花": {0, 1}, "花节": {0}, "节樱": {0},
		"gdp": {1}, "gdp5g": {3},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("postings = %v\nwant %v", got, want)
	}
}

// segmentLevels returns the number of segments per level.
func segmentLevels(t *testing.T, s *Store) map[int]int {
	t.Helper()
	rows, err := s.r.Query(`SELECT level, count(*) FROM search_segments GROUP BY level`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	levels := map[int]int{}
	for rows.Next() {
		var l, n int
		if err := rows.Scan(&l, &n); err != nil {
			t.Fatal(err)
		}
		levels[l] = n
	}
	return levels
}

func count(t *testing.T, s *Store, q string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestSegmentMerges imports one article at a time, so segments of level
// 0 merge into level 1 and those into level 2, with deletes and edits
// between, and holds Search to the scan throughout.
func TestSegmentMerges(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
	qs := oracleQueries(r)[:24]
	dates := []string{"2023-03-01", "2023-03-02", "2023-03-03"}
	var live []int64
	imports := 3 * mergeFanout * mergeFanout / 2 // enough for level 2, retired keys dropped
	for i := range imports {
		res, err := s.ImportArticles(ctx, []digest.Article{oracleArticle(r, dates[r.IntN(len(dates))], i)})
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, res.IDs[0])
		switch i % 10 {
		case 3: // delete a random article
			j := r.IntN(len(live))
			if err := s.DeleteArticle(ctx, live[j]); err != nil {
				t.Fatal(err)
			}
			live = slices.Delete(live, j, j+1)
		case 7: // edit one, sometimes onto another day
			a, err := s.Article(ctx, live[r.IntN(len(live))])
			if err != nil {
				t.Fatal(err)
			}
			a.Date = dates[r.IntN(len(dates))]
			a.Body = oracleArticle(r, a.Date, 1000+i).Body
			if err := s.UpdateArticle(ctx, a); err != nil && !errors.Is(err, ErrDuplicate) {
				t.Fatal(err)
			}
		}
		for l, n := range segmentLevels(t, s) {
			if n >= mergeFanout {
				t.Fatalf("after import %d: %d segments at level %d", i, n, l)
			}
		}
		if i%60 == 59 || i == imports-1 {
			compareWithScan(t, s, fmt.Sprintf("after import %d", i), qs)
		}
	}
	levels := segmentLevels(t, s)
	if levels[2] == 0 {
		t.Errorf("levels %v: no merge reached level 2", levels)
	}
	// Every key a segment lists is live or retired; retired ones are what
	// merges have yet to drop.
	docs := count(t, s, `SELECT SUM(docs) FROM search_segments`)
	keys := count(t, s, `SELECT count(*) FROM search_keys`)
	liveKeys := count(t, s, `SELECT count(*) FROM search_keys WHERE article_id IS NOT NULL`)
	if liveKeys != len(live) || docs > keys || docs < liveKeys {
		t.Errorf("segments list %d documents; %d keys, %d live, %d articles", docs, keys, liveKeys, len(live))
	}
}

// TestFullMergeDropsRetiredKeys: once a merge takes in every segment, no
// postings name retired keys, and their rows go.
func TestFullMergeDropsRetiredKeys(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 9))
	var ids []int64
	for i := range mergeFanout - 1 {
		res, err := s.ImportArticles(ctx, []digest.Article{oracleArticle(r, "2023-03-01", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.IDs[0])
	}
	if err := s.DeleteArticle(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM search_keys WHERE article_id IS NULL`); n != 1 {
		t.Fatalf("%d retired keys after a delete, want 1", n)
	}
	// The last level-0 segment of a full level makes every segment merge
	// into one.
	if _, err := s.ImportArticles(ctx, []digest.Article{oracleArticle(r, "2023-03-01", 99)}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM search_segments`); n != 1 {
		t.Errorf("%d segments, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM search_keys WHERE article_id IS NULL`); n != 0 {
		t.Errorf("%d retired keys after the full merge, want 0", n)
	}
	if n := count(t, s, `SELECT docs FROM search_segments`); n != mergeFanout-1 {
		t.Errorf("merged segment lists %d documents, want %d", n, mergeFanout-1)
	}
	compareWithScan(t, s, "after the full merge", oracleQueries(r)[:20])
}

// TestDamagedIndex: index data that does not decode is an error that
// says to rebuild, never a panic, and a rebuild mends it.
func TestDamagedIndex(t *testing.T) {
	s, _ := searchFixture(t)
	ctx := context.Background()
	for _, c := range []struct{ name, q string }{
		{"page", `UPDATE search_pages SET data = x'05ff'`},
		{"keys", `UPDATE search_segments SET keys = x'ff'`},
		{"dir", `UPDATE search_segments SET dir = x'09'`},
		{"missing page", `DELETE FROM search_pages`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.segs = segmentCache{} // a damaged row must be read again
			if _, err := s.w.Exec(c.q); err != nil {
				t.Fatal(err)
			}
			_, err := s.Search(ctx, "樱花", 5)
			if !errors.Is(err, ErrIndexDamaged) {
				t.Errorf("search over a damaged index: %v, want %v", err, ErrIndexDamaged)
			}
			if err := s.RebuildSearchIndex(ctx); err != nil {
				t.Fatal(err)
			}
			if hits, err := s.Search(ctx, "樱花", 5); err != nil || len(hits) == 0 {
				t.Errorf("after rebuild: %d hits, %v", len(hits), err)
			}
		})
	}
}

// FuzzSegmentDecode feeds arbitrary bytes to every index decoder.
func FuzzSegmentDecode(f *testing.F) {
	pb := newPostingBuilder()
	pb.add("樱花节开幕 GDP 2023")
	pb.add("须水街道")
	pb.sort()
	var page []byte
	w := &segmentWriter{}
	pb.each(func(term []byte, docs []uint32) error {
		return w.term(term, docs)
	})
	page = w.page
	f.Add(page, encodeKeys([]int64{5, 3, 1 << 40}), w.dir)
	f.Add([]byte{0, 1, 1, 1, 1, 0}, []byte{2, 0, 0}, []byte{1, 0})
	f.Fuzz(func(t *testing.T, page, keys, dir []byte) {
		var pr pageReader
		pr.reset(page)
		for range 10000 {
			_, n, docs, ok, err := pr.next()
			if err != nil || !ok {
				break
			}
			appendDocs(nil, docs, n, 1<<20)
		}
		decodeKeys(keys)
		decodeDir(dir, 1)
	})
}

func TestListJoiner(t *testing.T) {
	enc := func(ds ...uint32) []byte {
		w := &segmentWriter{}
		w.term([]byte{termWord, 'x'}, ds)
		var pr pageReader
		pr.reset(w.page)
		_, _, docs, _, _ := pr.next()
		return slices.Clone(docs)
	}
	var j listJoiner
	j.add(2)
	if err := j.addShifted(enc(0, 4, 9), 3, 10, 5); err != nil { // 5, 9, 14
		t.Fatal(err)
	}
	j.add(20)
	if err := j.addShifted(enc(3), 1, 4, 30); err != nil { // 33
		t.Fatal(err)
	}
	got, err := appendDocs(nil, j.buf, j.n, 100)
	if want := []uint32{2, 5, 9, 14, 20, 33}; err != nil || !slices.Equal(got, want) {
		t.Errorf("joined = %v, %v; want %v", got, err, want)
	}
	for _, c := range []struct {
		name     string
		b        []byte
		n, limit int
	}{
		{"count too small", enc(1, 2), 1, 10},
		{"count too large", enc(1, 2), 3, 10},
		{"past the segment", enc(1, 12), 2, 10},
		{"truncated", []byte{0x80}, 1, 10},
	} {
		var j listJoiner
		if err := j.addShifted(c.b, c.n, c.limit, 0); !errors.Is(err, ErrIndexDamaged) {
			t.Errorf("%s: %v, want ErrIndexDamaged", c.name, err)
		}
	}
	j.reset()
	j.add(50)
	if err := j.addShifted(enc(1), 1, 10, 0); !errors.Is(err, ErrIndexDamaged) {
		t.Errorf("a list below the last document: %v, want ErrIndexDamaged", err)
	}
}

// TestSearchDuringMerges: searches on the read pool while imports write
// and merge segments always see one consistent snapshot: an article found
// once is found by every later search (imports only add), and nothing
// fails.
func TestSearchDuringMerges(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(4, 4))
	arts := make([]digest.Article, 3*mergeFanout*mergeFanout)
	for i := range arts {
		arts[i] = oracleArticle(r, "2023-04-01", i)
		arts[i].Body += "。共同词"
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < len(arts); i += 3 { // 3 articles per import: many merges
			if _, err := s.ImportArticles(ctx, arts[i:i+3]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	errs := make(chan error, 2)
	stop := make(chan struct{})
	for range 2 {
		go func() {
			seen := 0
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				hits, err := s.Search(ctx, "共同词", MaxSearchLimit)
				if err != nil {
					errs <- err
					return
				}
				if len(hits) < seen {
					errs <- fmt.Errorf("search found %d articles after %d", len(hits), seen)
					return
				}
				seen = len(hits)
			}
		}()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if hits, err := s.Search(ctx, "共同词", MaxSearchLimit); err != nil || len(hits) != MaxSearchLimit {
		t.Errorf("after the imports: %d hits, %v; want %d", len(hits), err, MaxSearchLimit)
	}
}

// TestPostingBuilderAbsorb: two halves built apart and absorbed give
// the postings of one builder that took every document.
func TestPostingBuilderAbsorb(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	var docs []string
	for i := range 300 {
		a := oracleArticle(r, "2023-05-01", i)
		docs = append(docs, a.Title+"\n"+a.Body)
	}
	dump := func(pb *postingBuilder) string {
		var b bytes.Buffer
		pb.each(func(term []byte, ds []uint32) error {
			fmt.Fprintf(&b, "%s %v\n", termText(term), ds)
			return nil
		})
		return b.String()
	}
	whole := newPostingBuilder()
	for _, d := range docs {
		whole.add(d)
	}
	whole.sort()
	for _, h := range []int{0, 1, 150, 299, 300} {
		first, second := newPostingBuilder(), newPostingBuilder()
		for _, d := range docs[:h] {
			first.add(d)
		}
		first.sort()
		second.docs = h
		for _, d := range docs[h:] {
			second.add(d)
		}
		second.sort()
		first.absorb(second)
		if first.docs != len(docs) {
			t.Errorf("split at %d: %d documents, want %d", h, first.docs, len(docs))
		}
		if got, want := dump(first), dump(whole); got != want {
			t.Errorf("split at %d: postings differ from one builder's", h)
		}
	}
}

// TestDayKeysUsedUp: keys are never reused, so a day whose keys are all
// spent (retired ones included) refuses new articles with ErrInvalid and
// stores nothing; a rebuild numbers the day afresh.
func TestDayKeysUsedUp(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	first := digest.Article{Source: "s", Date: "2023-06-01", Title: "樱花节开幕", Body: "樱花节开幕了。"}
	if _, err := s.ImportArticles(ctx, []digest.Article{first}); err != nil {
		t.Fatal(err)
	}
	day, _ := parseDate("2023-06-01")
	if _, err := s.w.Exec(`INSERT INTO search_keys (key, article_id) VALUES (?, NULL)`, searchKey(day, 1<<keyBits-1)); err != nil {
		t.Fatal(err)
	}
	second := digest.Article{Source: "s", Date: "2023-06-01", Title: "医疗服务", Body: "社区医疗服务中心。"}
	if _, err := s.ImportArticles(ctx, []digest.Article{second}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("import on a spent day: %v, want ErrInvalid", err)
	}
	if arts, _ := s.ArticlesByDate(ctx, "2023-06-01"); len(arts) != 1 {
		t.Errorf("%d articles after the refused import, want 1", len(arts))
	}
	if err := s.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportArticles(ctx, []digest.Article{second}); err != nil {
		t.Fatalf("import after a rebuild: %v", err)
	}
	if hits, err := s.Search(ctx, "医疗", 5); err != nil || len(hits) != 1 {
		t.Errorf("search after the rebuild: %d hits, %v", len(hits), err)
	}
}
