package digest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

// The real-page corpus: pages copied from stored e-paper and archive pages of
// many papers, labelled by hand (testdata/real/README.md says how). The score
// is what the parser reaches on text nobody wrote for it; the floors below are
// the measured level at the last change and only ever move up.
const (
	// minExact is the floor for the share of labelled articles whose title,
	// lead and byline are all exact.
	minExact = 0.983
	// minPagesRight is the floor for the share of pages split into the
	// labelled number of articles.
	minPagesRight = 0.978
)

const corpusDir = "testdata/real"

type corpusLabels struct {
	Pages []corpusPage `json:"pages"`
}

type corpusPage struct {
	File      string          `json:"file"`
	Outlet    string          `json:"outlet"`
	URL       string          `json:"url"`
	Retrieved string          `json:"retrieved"`
	Notes     string          `json:"notes"`
	Articles  []corpusArticle `json:"articles"`
}

type corpusArticle struct {
	Kicker   string `json:"kicker"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Dateline string `json:"dateline"`
	Byline   string `json:"byline"`
	Lead     string `json:"lead"`
}

// corpusFields are the scored fields, in report order.
var corpusFields = []string{"title", "lead", "byline", "kicker", "subtitle", "dateline"}

func (a corpusArticle) field(name string) string {
	switch name {
	case "title":
		return a.Title
	case "lead":
		return a.Lead
	case "byline":
		return a.Byline
	case "kicker":
		return a.Kicker
	case "subtitle":
		return a.Subtitle
	case "dateline":
		return a.Dateline
	}
	panic("unknown field " + name)
}

func fromArticle(a digest.Article) corpusArticle {
	return corpusArticle{Kicker: a.Kicker, Title: a.Title, Subtitle: a.Subtitle, Dateline: a.Dateline,
		Byline: a.Byline, Lead: a.Lead}
}

func loadCorpus(t *testing.T) corpusLabels {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var l corpusLabels
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("labels.json: %v", err)
	}
	return l
}

// TestCorpusLabels keeps the labels honest: every page file is listed once,
// every listed file exists, every label is trimmed and has a title and a lead.
func TestCorpusLabels(t *testing.T) {
	l := loadCorpus(t)
	listed := map[string]bool{}
	for _, p := range l.Pages {
		if listed[p.File] {
			t.Errorf("%s listed twice", p.File)
		}
		listed[p.File] = true
		if p.Outlet == "" || p.URL == "" || p.Retrieved == "" || p.Notes == "" {
			t.Errorf("%s: outlet, url, retrieved and notes are required", p.File)
		}
		if len(p.Articles) == 0 {
			t.Errorf("%s: no articles labelled", p.File)
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, p.File))
		if err != nil {
			t.Error(err)
			continue
		}
		// Layout breaks are re-joined before sentences are read, so the
		// lead may run over a line break: compare with the lines joined.
		var joined strings.Builder
		for _, line := range strings.Split(string(b), "\n") {
			joined.WriteString(strings.TrimSpace(line))
		}
		text := joined.String()
		for i, a := range p.Articles {
			if a.Title == "" || a.Lead == "" {
				t.Errorf("%s[%d]: title and lead are required", p.File, i)
			}
			for _, f := range corpusFields {
				if v := a.field(f); v != strings.TrimSpace(v) || strings.Contains(v, "\n") {
					t.Errorf("%s[%d] %s: untrimmed or multi-line %q", p.File, i, f, v)
				}
			}
			// The lead is printed text: it must be on the page as is.
			if !strings.Contains(text, a.Lead) {
				t.Errorf("%s[%d]: lead not found verbatim on the page: %q", p.File, i, a.Lead)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is not listed in labels.json", filepath.Base(f))
		}
	}
}

// TestCorpusScore parses every page and scores the result against the
// labels. Run with -v to see every miss:
//
//	go test -tags sqlite_fts5 -run CorpusScore -v ./digest/
func TestCorpusScore(t *testing.T) {
	l := loadCorpus(t)
	var (
		pages, pagesRight, articles, exact int
		fieldHits                          = map[string]int{}
		misses                             []string
	)
	for _, p := range l.Pages {
		b, err := os.ReadFile(filepath.Join(corpusDir, p.File))
		if err != nil {
			t.Fatal(err)
		}
		text, err := digest.DecodeText(b)
		if err != nil {
			t.Fatalf("%s: %v", p.File, err)
		}
		var got []corpusArticle
		parsed, err := digest.ParsePage(text)
		if err != nil {
			misses = append(misses, fmt.Sprintf("%s: ParsePage: %v", p.File, err))
		}
		for _, a := range parsed {
			got = append(got, fromArticle(a))
		}
		pages++
		if len(got) == len(p.Articles) {
			pagesRight++
		} else {
			misses = append(misses, fmt.Sprintf("%s: %d articles, want %d", p.File, len(got), len(p.Articles)))
		}
		match := alignArticles(p.Articles, got)
		used := map[int]bool{}
		for i, want := range p.Articles {
			articles++
			j := match[i]
			if j < 0 {
				misses = append(misses, fmt.Sprintf("%s[%d] %q: no parsed article matches", p.File, i, want.Title))
				continue
			}
			used[j] = true
			g := got[j]
			all := true
			for _, f := range corpusFields {
				if g.field(f) == want.field(f) {
					fieldHits[f]++
					continue
				}
				if f == "title" || f == "lead" || f == "byline" {
					all = false
				}
				misses = append(misses, fmt.Sprintf("%s[%d] %s:\n\twant %q\n\t got %q", p.File, i, f, want.field(f), g.field(f)))
			}
			if all {
				exact++
			}
		}
		for j, g := range got {
			if !used[j] {
				misses = append(misses, fmt.Sprintf("%s: extra parsed article %d: title %q lead %q", p.File, j, g.Title, g.Lead))
			}
		}
	}
	if articles == 0 {
		t.Fatal("no labelled articles")
	}
	for _, m := range misses {
		t.Log(m)
	}
	exactRate := float64(exact) / float64(articles)
	pagesRate := float64(pagesRight) / float64(pages)
	var rates []string
	for _, f := range corpusFields {
		rates = append(rates, fmt.Sprintf("%s %d/%d", f, fieldHits[f], articles))
	}
	t.Logf("corpus: pages right %d/%d (%.3f), exact %d/%d (%.3f); %s",
		pagesRight, pages, pagesRate, exact, articles, exactRate, strings.Join(rates, ", "))
	if exactRate < minExact {
		t.Errorf("exact (title, lead and byline) %d/%d = %.3f, below minExact %.3f", exact, articles, exactRate, minExact)
	}
	if pagesRate < minPagesRight {
		t.Errorf("pages with the right article count %d/%d = %.3f, below minPagesRight %.3f",
			pagesRight, pages, pagesRate, minPagesRight)
	}
}

// alignArticles matches labelled articles to parsed ones in page order: an
// order-keeping alignment that maximises the summed similarity of title and
// lead, so one article split in two or two merged into one shift nothing
// after them. match[i] is the parsed index for label i, or -1.
func alignArticles(want, got []corpusArticle) []int {
	n, m := len(want), len(got)
	sim := make([][]float64, n)
	for i := range want {
		sim[i] = make([]float64, m)
		for j := range got {
			sim[i][j] = articleSimilarity(want[i], got[j])
		}
	}
	// dp[i][j]: best score aligning want[i:] with got[j:].
	dp := make([][]float64, n+1)
	for i := range dp {
		dp[i] = make([]float64, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			best := max(dp[i+1][j], dp[i][j+1])
			if sim[i][j] >= minSimilarity {
				best = max(best, sim[i][j]+dp[i+1][j+1])
			}
			dp[i][j] = best
		}
	}
	match := make([]int, n)
	for i := range match {
		match[i] = -1
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case sim[i][j] >= minSimilarity && dp[i][j] == sim[i][j]+dp[i+1][j+1]:
			match[i] = j
			i++
			j++
		case dp[i][j] == dp[i+1][j]:
			i++
		default:
			j++
		}
	}
	return match
}

// minSimilarity: below it a parsed article is not the labelled one.
const minSimilarity = 0.2

// articleSimilarity is the Dice coefficient of the character bigrams of title
// and lead together.
func articleSimilarity(a, b corpusArticle) float64 {
	x, y := bigrams(a.Title+a.Lead), bigrams(b.Title+b.Lead)
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	common := 0
	for k, c := range x {
		common += min(c, y[k])
	}
	return 2 * float64(common) / float64(total(x)+total(y))
}

func bigrams(s string) map[string]int {
	r := []rune(s)
	out := map[string]int{}
	for i := 0; i+1 < len(r); i++ {
		out[string(r[i:i+2])]++
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}
