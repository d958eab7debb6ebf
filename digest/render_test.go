package digest_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

const renderFooterPrefix = "回复“详情 序号”查看全文"

var (
	renderItemLine = regexp.MustCompile(`(?m)^(\d+)\. `)
	renderMarkerRE = regexp.MustCompile(`（(\d+)/(\d+)）$`)
)

// renderCheckParts asserts the invariants of Render's output: every part
// within budget, a header on each, markers (i/n) only when split, every
// item number exactly once and in order, and the footer once, at the end.
func renderCheckParts(t *testing.T, d digest.Digest, parts []string, budget int, footer bool) {
	t.Helper()
	renderCheckPartsBy(t, d, parts, budget, footer, utf8.RuneCountInString)
}

// renderCheckPartsBy is renderCheckParts with parts measured by size
// (runes, or bytes for RenderBytes).
func renderCheckPartsBy(t *testing.T, d digest.Digest, parts []string, budget int, footer bool, size func(string) int) {
	t.Helper()
	if len(parts) == 0 {
		t.Fatal("no parts")
	}
	header := "】" + digest.FormatDate(d.Date)
	var seen []int
	for i, p := range parts {
		if n := size(p); n > budget {
			t.Errorf("budget %d: part %d has size %d", budget, i+1, n)
		}
		if !utf8.ValidString(p) {
			t.Errorf("budget %d: part %d is not valid UTF-8", budget, i+1)
		}
		first, _, _ := strings.Cut(p, "\n")
		if !strings.HasPrefix(first, "【") || !strings.Contains(first, header) {
			t.Errorf("budget %d: part %d header line %q", budget, i+1, first)
		}
		m := renderMarkerRE.FindStringSubmatch(first)
		switch {
		case len(parts) == 1 && m != nil:
			t.Errorf("budget %d: a single part must not carry a marker: %q", budget, first)
		case len(parts) > 1 && (m == nil || m[1] != strconv.Itoa(i+1) || m[2] != strconv.Itoa(len(parts))):
			t.Errorf("budget %d: part %d header %q, want marker （%d/%d）", budget, i+1, first, i+1, len(parts))
		}
		for _, m := range renderItemLine.FindAllStringSubmatch(p, -1) {
			n, _ := strconv.Atoi(m[1])
			seen = append(seen, n)
		}
		hasFooter := strings.Contains(p, renderFooterPrefix)
		if want := footer && i == len(parts)-1; hasFooter != want {
			t.Errorf("budget %d: part %d footer present = %v, want %v", budget, i+1, hasFooter, want)
		}
	}
	var want []int
	for _, it := range d.Items {
		want = append(want, it.N)
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("budget %d: items in parts %v, want each once in order %v", budget, seen, want)
	}
}

func renderSampleDigest(t *testing.T) digest.Digest {
	t.Helper()
	return digest.Compose(composeSampleDay, composeSampleArticles(), digest.Options{Source: "中原区新闻"})
}

func TestRenderSampleDay(t *testing.T) {
	d := renderSampleDigest(t)
	parts := digest.Render(d, 0)
	if len(parts) != 1 {
		t.Fatalf("the sample day should fit one 2000-rune part, got %d parts", len(parts))
	}
	renderCheckParts(t, d, parts, digest.DefaultBudget, true)
	for _, it := range d.Items {
		if !strings.Contains(parts[0], fmt.Sprintf("%d. %s\n%s", it.N, it.Article.Title, it.Lead)) {
			t.Errorf("item %d not rendered as title then lead", it.N)
		}
	}
	if !strings.HasPrefix(parts[0], "【中原区新闻】2023年2月13日 星期一\n\n1. ") {
		t.Errorf("header: %q", parts[0][:60])
	}
	renderCheckGolden(t, "day-sample", renderJoinParts(parts))
}

func TestRenderMultiPart(t *testing.T) {
	d := renderSampleDigest(t)
	const budget = 300
	parts := digest.Render(d, budget)
	if len(parts) < 2 {
		t.Fatalf("budget %d: want several parts, got %d", budget, len(parts))
	}
	renderCheckParts(t, d, parts, budget, true)
	// Nothing had to be shortened beyond the display leads: 300 runes hold
	// any single sample item.
	all := strings.Join(parts, "\n")
	for _, it := range d.Items {
		if !strings.Contains(all, it.Lead) {
			t.Errorf("item %d lead was cut although it fits a part", it.N)
		}
	}
	renderCheckGolden(t, "day-budget-300", renderJoinParts(parts))
}

func TestRenderOversizedItemIsShortenedNotDropped(t *testing.T) {
	long := strings.Repeat("中原区持续优化营商环境,", 300) + "取得实效。" // 3,605 runes
	arts := composeSampleArticles()
	arts = append(arts[:2], append([]digest.Article{{Title: "一篇导语极长的稿件", Lead: long}}, arts[2:]...)...)
	d := digest.Compose(composeSampleDay, arts, digest.Options{Source: "中原区新闻", LeadBudget: 10000})
	if d.Items[2].Lead != digest.Readable(long) {
		t.Fatal("the lead budget should have let the long lead through")
	}
	for _, budget := range []int{digest.MinBudget, 200, 300, 2000} {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			parts := digest.Render(d, budget)
			renderCheckParts(t, d, parts, budget, true)
			var item string
			for _, p := range parts {
				if _, rest, ok := strings.Cut(p, "\n\n3. "); ok {
					item, _, _ = strings.Cut("3. "+rest, "\n\n")
				}
			}
			if item == "" {
				t.Fatal("oversized item dropped")
			}
			if !strings.HasSuffix(item, "……") || !strings.HasPrefix(item, "3. 一篇导语极长的稿件\n中原区持续优化营商环境") {
				t.Errorf("oversized item rendered as %q", item)
			}
		})
	}
	renderCheckGolden(t, "day-oversized-300", renderJoinParts(digest.Render(d, 300)))
}

func TestRenderOversizedTitle(t *testing.T) {
	title := strings.Repeat("中原区召开项目建设推进会", 20) // 240 runes, no clause mark
	lead := "2月10日,中原区召开推进会,部署今年工作。"
	tests := []struct {
		name     string
		lead     string
		wantLead bool
	}{
		{"with lead: both give way, lead keeps its start", lead, true},
		{"without lead: title alone is shortened", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := digest.Compose(composeSampleDay, []digest.Article{{Title: title, Lead: tt.lead}}, digest.Options{Source: "中原区新闻"})
			parts := digest.Render(d, digest.MinBudget)
			renderCheckParts(t, d, parts, digest.MinBudget, true)
			_, item, _ := strings.Cut(parts[0], "\n\n")
			item, _, _ = strings.Cut(item, "\n\n")
			first, second, hasSecond := strings.Cut(item, "\n")
			if !strings.HasPrefix(first, "1. 中原区召开") || !strings.HasSuffix(first, "……") {
				t.Errorf("title line %q: want the title's start ending in ……", first)
			}
			if hasSecond != tt.wantLead || (tt.wantLead && !strings.HasPrefix(second, "2月10日")) {
				t.Errorf("lead line %q (present %v, want %v)", second, hasSecond, tt.wantLead)
			}
		})
	}
}

func TestRenderEmptyDay(t *testing.T) {
	date := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		d    digest.Digest
	}{
		{"composed from nothing", digest.Compose(date, nil, digest.Options{Source: "中原区新闻"})},
		{"zero items, empty slice", digest.Digest{Date: date, Items: []digest.Item{}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, budget := range []int{0, 1, 300} {
				parts := digest.Render(tt.d, budget)
				if len(parts) != 1 || parts[0] != "2023年3月1日 暂无新闻" {
					t.Errorf("budget %d: %q", budget, parts)
				}
			}
		})
	}
}

func TestRenderOptions(t *testing.T) {
	d := renderSampleDigest(t)
	t.Run("no footer", func(t *testing.T) {
		nd := d
		nd.NoFooter = true
		for _, budget := range []int{300, 2000} {
			renderCheckParts(t, nd, digest.Render(nd, budget), budget, false)
		}
	})
	t.Run("budget 0 means the default", func(t *testing.T) {
		if a, b := digest.Render(d, 0), digest.Render(d, digest.DefaultBudget); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Error("Render(d, 0) differs from Render(d, DefaultBudget)")
		}
	})
	t.Run("tiny budget raised to the minimum", func(t *testing.T) {
		a, b := digest.Render(d, 5), digest.Render(d, digest.MinBudget)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Error("Render(d, 5) differs from Render(d, MinBudget)")
		}
		renderCheckParts(t, d, a, digest.MinBudget, true)
	})
	t.Run("unnamed source", func(t *testing.T) {
		nd := d
		nd.Source = ""
		if p := digest.Render(nd, 0); !strings.HasPrefix(p[0], "【新闻摘要】2023年2月13日 星期一") {
			t.Errorf("header %q", p[0][:40])
		}
	})
	t.Run("title falls back to kicker", func(t *testing.T) {
		nd := digest.Compose(composeSampleDay, []digest.Article{{Kicker: "引题", Lead: "导语。"}, {Lead: "无题。"}}, digest.Options{})
		p := digest.Render(nd, 0)[0]
		if !strings.Contains(p, "1. 引题\n导语。") || !strings.Contains(p, "2. （无标题）\n无题。") {
			t.Errorf("rendered %q", p)
		}
	})
}

// Every budget from MinBudget to 3000 over the sample day: parts within
// budget, items once each and in order, markers and footer right.
func TestRenderEveryBudgetOverSample(t *testing.T) {
	d := renderSampleDigest(t)
	for budget := digest.MinBudget; budget <= 3000; budget++ {
		renderCheckParts(t, d, digest.Render(d, budget), budget, true)
		if t.Failed() {
			t.Fatalf("stopped at budget %d", budget)
		}
	}
}

// Random budgets 150..3000 over random days built from the sample items
// (repeated, with long titles and sources mixed in).
func TestRenderRandomDays(t *testing.T) {
	rng := rand.New(rand.NewPCG(20230213, 1))
	sample := composeSampleArticles()
	for round := range 300 {
		n := 1 + rng.IntN(40)
		arts := make([]digest.Article, n)
		for i := range arts {
			arts[i] = sample[rng.IntN(len(sample))]
			switch rng.IntN(6) {
			case 0:
				arts[i].Title = strings.Repeat(arts[i].Title, 1+rng.IntN(5))
			case 1:
				arts[i].Lead = strings.Repeat(arts[i].Lead, 1+rng.IntN(30))
			case 2:
				arts[i].Lead = ""
			}
		}
		opts := digest.Options{Source: "中原区新闻", LeadBudget: rng.IntN(4000), NoFooter: rng.IntN(5) == 0}
		if rng.IntN(4) == 0 {
			opts.Source = strings.Repeat("郑州市中原区融媒体中心", 3)
		}
		d := digest.Compose(composeSampleDay, arts, opts)
		budget := 150 + rng.IntN(3000-150+1)
		if round%2 == 0 {
			budget = 150 + rng.IntN(250) // small parts are where things break
		}
		renderCheckParts(t, d, digest.Render(d, budget), budget, !opts.NoFooter)
		if t.Failed() {
			t.Fatalf("round %d: %d items, budget %d, opts %+v", round, n, budget, opts)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("中原区举办研发费用入统业务培训会", "2月7日,中原区举办研发费用入统业务培训会。", "中原区新闻", 3, 150)
	f.Add("", "", "", 1, 120)
	f.Add("题\n目", strings.Repeat("长", 5000), strings.Repeat("源", 100), 120, 121)
	f.Fuzz(func(t *testing.T, title, lead, source string, n, budget int) {
		n = 1 + abs(n)%150
		budget = digest.MinBudget + abs(budget)%3000
		arts := make([]digest.Article, n)
		for i := range arts {
			arts[i] = digest.Article{Title: title, Lead: lead}
		}
		d := digest.Compose(composeSampleDay, arts, digest.Options{Source: source, LeadBudget: 100000})
		parts := digest.Render(d, budget)
		for i, p := range parts {
			if c := utf8.RuneCountInString(p); c > budget {
				t.Fatalf("part %d has %d runes, budget %d", i+1, c, budget)
			}
		}
		if got := len(renderItemLine.FindAllString(strings.Join(parts, "\n"), -1)); got < n {
			// Titles are folded to one line, so item lines cannot be faked
			// by the title; the lead could add extra ones, never fewer.
			t.Fatalf("%d item lines for %d items", got, n)
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func byteLen(s string) int { return len(s) }

// RenderBytes keeps every part within a byte limit (a WeCom robot's text
// is 2,048 bytes, markdown 4,096) with the same item rules as Render.
func TestRenderBytesEveryBudgetOverSample(t *testing.T) {
	d := renderSampleDigest(t)
	for budget := digest.MinBytes; budget <= 4200; budget++ {
		renderCheckPartsBy(t, d, digest.RenderBytes(d, budget), budget, true, byteLen)
		if t.Failed() {
			t.Fatalf("stopped at budget %d", budget)
		}
	}
	// Bytes, not runes: a budget the day fits in runes splits it in bytes.
	whole := digest.Render(d, 2000)[0]
	runes := utf8.RuneCountInString(whole)
	if len(digest.Render(d, runes)) != 1 || len(digest.RenderBytes(d, runes)) < 2 {
		t.Fatalf("the sample day (%d runes, %d bytes) at %d: want one part in runes and several in bytes", runes, len(whole), runes)
	}
}

// Random days mixing ASCII, CJK and four-byte runes, at random byte
// budgets: no part over, no item cut or lost, markers continuous.
func TestRenderBytesRandomDays(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261206, 2))
	sample := composeSampleArticles()
	extras := []string{"Zhongyuan District 2026", "😀🎉", "28.58亿元", "ABC-123 test case"}
	for round := range 300 {
		n := 1 + rng.IntN(40)
		arts := make([]digest.Article, n)
		for i := range arts {
			arts[i] = sample[rng.IntN(len(sample))]
			switch rng.IntN(6) {
			case 0:
				arts[i].Title = strings.Repeat(arts[i].Title+extras[rng.IntN(len(extras))], 1+rng.IntN(5))
			case 1:
				arts[i].Lead = strings.Repeat(arts[i].Lead+extras[rng.IntN(len(extras))], 1+rng.IntN(30))
			case 2:
				arts[i].Lead = strings.Repeat("😀", rng.IntN(400))
			}
		}
		opts := digest.Options{Source: "中原区新闻", LeadBudget: rng.IntN(4000), NoFooter: rng.IntN(5) == 0}
		d := digest.Compose(composeSampleDay, arts, opts)
		budget := digest.MinBytes + rng.IntN(4096-digest.MinBytes+1)
		renderCheckPartsBy(t, d, digest.RenderBytes(d, budget), budget, !opts.NoFooter, byteLen)
		if t.Failed() {
			t.Fatalf("round %d: %d items, budget %d, opts %+v", round, n, budget, opts)
		}
	}
}

func FuzzRenderBytes(f *testing.F) {
	f.Add("中原区举办研发费用入统业务培训会", "2月7日,中原区举办研发费用入统业务培训会。", 3, 2048)
	f.Add("😀", strings.Repeat("😀a", 3000), 40, 360)
	f.Fuzz(func(t *testing.T, title, lead string, n, budget int) {
		n = 1 + abs(n)%80
		budget = digest.MinBytes + abs(budget)%4096
		arts := make([]digest.Article, n)
		for i := range arts {
			arts[i] = digest.Article{Title: title, Lead: lead}
		}
		d := digest.Compose(composeSampleDay, arts, digest.Options{LeadBudget: 100000})
		for i, p := range digest.RenderBytes(d, budget) {
			if len(p) > budget {
				t.Fatalf("part %d has %d bytes, budget %d", i+1, len(p), budget)
			}
		}
	})
}
