package digest_test

import (
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

var composeSampleDay = time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC)

func TestComposeNumbersInGivenOrderAndKeepsStoredLeads(t *testing.T) {
	arts := composeSampleArticles()
	orig := composeSampleArticles()
	d := digest.Compose(composeSampleDay, arts, digest.Options{Source: "中原区新闻"})

	if !reflect.DeepEqual(arts, orig) {
		t.Fatal("Compose modified its input")
	}
	if d.Source != "中原区新闻" || !d.Date.Equal(composeSampleDay) {
		t.Errorf("digest header = %q %v", d.Source, d.Date)
	}
	if len(d.Items) != len(arts) {
		t.Fatalf("got %d items, want %d", len(d.Items), len(arts))
	}
	for i, it := range d.Items {
		if it.N != i+1 {
			t.Errorf("item %d numbered %d", i, it.N)
		}
		if it.Article.Title != arts[i].Title {
			t.Errorf("item %d is %q, want %q (page order)", i+1, it.Article.Title, arts[i].Title)
		}
		if it.Article.Lead != arts[i].Lead {
			t.Errorf("item %d: stored lead changed", i+1)
		}
		if n := utf8.RuneCountInString(it.Lead); n > digest.DefaultLeadBudget {
			t.Errorf("item %d: display lead has %d runes, over the default %d", i+1, n, digest.DefaultLeadBudget)
		}
	}
	// Article 4's lead has 125 runes: shortened at a clause for display.
	// Display leads read as Chinese: ASCII commas between Chinese become ，.
	if got, want := d.Items[3].Lead, digest.Readable("为积极回应辖区企业关于人才住房的迫切需求,结合走访企业调研情况,2月10日,中原区召开2023年青年创新创业行动暨人才住房保障工作协调推进会,提前谋划部署今年青年创新创业行动有关工作,确保抢抓高校毕业生来郑留郑工作先机……"); got != want {
		t.Errorf("long lead shown as\n%q\nwant\n%q", got, want)
	}
	if d.Items[2].Lead != digest.Readable(arts[2].Lead) {
		t.Errorf("a short lead must be shown whole, got %q", d.Items[2].Lead)
	}
}

func TestComposeOptions(t *testing.T) {
	arts := composeSampleArticles()
	tests := []struct {
		name       string
		articles   []digest.Article
		opts       digest.Options
		wantSource string
		check      func(t *testing.T, d digest.Digest)
	}{
		{
			name: "source from the articles when all agree", articles: arts,
			wantSource: "中原区新闻",
		},
		{
			name: "no common source", articles: []digest.Article{{Source: "中原区新闻", Title: "甲"}, {Source: "郑州日报", Title: "乙"}},
			wantSource: "",
		},
		{
			name: "one article without source", articles: []digest.Article{{Source: "中原区新闻", Title: "甲"}, {Title: "乙"}},
			wantSource: "",
		},
		{
			name: "explicit source wins", articles: arts, opts: digest.Options{Source: " 中原报 "},
			wantSource: "中原报",
		},
		{
			name: "lead budget", articles: arts[:1], opts: digest.Options{LeadBudget: 30},
			wantSource: "中原区新闻",
			check: func(t *testing.T, d digest.Digest) {
				// The only clause mark within 28 runes is the comma after the date.
				if got, want := d.Items[0].Lead, "2月11日……"; got != want {
					t.Errorf("lead = %q, want %q", got, want)
				}
			},
		},
		{
			name: "no footer carried over", articles: arts[:1], opts: digest.Options{NoFooter: true},
			wantSource: "中原区新闻",
			check: func(t *testing.T, d digest.Digest) {
				if !d.NoFooter {
					t.Error("NoFooter lost")
				}
			},
		},
		{
			name:     "missing lead falls back to the body's first sentence",
			articles: []digest.Article{{Title: "甲", Body: "\n　第一句话。第二句话。\n第二段。"}},
			check: func(t *testing.T, d digest.Digest) {
				if d.Items[0].Lead != "第一句话。" {
					t.Errorf("lead = %q", d.Items[0].Lead)
				}
			},
		},
		{
			name:     "lead on several lines is folded",
			articles: []digest.Article{{Title: "甲", Lead: "第一\n行　接着。"}},
			check: func(t *testing.T, d digest.Digest) {
				if d.Items[0].Lead != "第一 行 接着。" {
					t.Errorf("lead = %q", d.Items[0].Lead)
				}
			},
		},
		{
			name: "no articles", articles: nil,
			check: func(t *testing.T, d digest.Digest) {
				if len(d.Items) != 0 {
					t.Errorf("items = %v", d.Items)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := digest.Compose(composeSampleDay, tt.articles, tt.opts)
			if d.Source != tt.wantSource {
				t.Errorf("source = %q, want %q", d.Source, tt.wantSource)
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}
