package card

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

func TestMarshalParseRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		card Card
		json string // the stored form, which must not drift
	}{
		{
			name: "one of two parts",
			card: Card{Date: "2023-02-13", Source: "中原区新闻", Part: 1, Parts: 2, Footer: "回复“详情 序号”查看全文",
				Items: []Item{{N: 1, Title: "区领导调研企业复工情况", Lead: "近日,区领导一行实地调研。"}}},
			json: `{"date":"2023-02-13","source":"中原区新闻","items":[{"n":1,"title":"区领导调研企业复工情况","lead":"近日,区领导一行实地调研。"}],"part":1,"parts":2,"footer":"回复“详情 序号”查看全文"}`,
		},
		{
			name: "no source, no items, no footer",
			card: Card{Date: "2023-03-01", Items: []Item{}},
			json: `{"date":"2023-03-01","source":"","items":[]}`,
		},
		{
			name: "HTML and quotes are kept readable",
			card: Card{Date: "2023-02-13", Items: []Item{{N: 7, Title: `<b>"A&B"</b>`, Lead: "a\\b"}}},
			json: `{"date":"2023-02-13","source":"","items":[{"n":7,"title":"<b>\"A&B\"</b>","lead":"a\\b"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.card.Marshal()
			if s != tt.json {
				t.Errorf("Marshal =\n%s\nwant\n%s", s, tt.json)
			}
			got, err := Parse(s)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.card) {
				t.Errorf("Parse(Marshal) = %+v, want %+v", got, tt.card)
			}
		})
	}
	t.Run("nil items marshal as an empty list", func(t *testing.T) {
		if s := (Card{Date: "2023-03-01"}).Marshal(); !strings.Contains(s, `"items":[]`) {
			t.Errorf("Marshal = %s", s)
		}
	})
	t.Run("unknown fields from a newer version are ignored", func(t *testing.T) {
		c, err := Parse(`{"date":"2023-03-01","source":"x","items":[],"theme":"blue"}`)
		if err != nil || c.Source != "x" {
			t.Errorf("Parse = %+v, %v", c, err)
		}
	})
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty JSON"},
		{"blank", " \n\t", "empty JSON"},
		{"truncated", `{"date":"2023-02-13","items":[`, "bad JSON"},
		{"not an object", `["2023-02-13"]`, "bad JSON"},
		{"wrong type", `{"date":"2023-02-13","items":"none"}`, "bad JSON"},
		{"trailing garbage", `{"date":"2023-02-13"} {}`, "bad JSON"},
		{"null", `null`, "bad date"},
		{"no date", `{"items":[]}`, "bad date"},
		{"impossible date", `{"date":"2023-02-30"}`, "bad date"},
		{"date with a newline", "{\"date\":\"2023-02-13\\nX\"}", "bad date"},
		{"part beyond parts", `{"date":"2023-02-13","part":3,"parts":2}`, "bad part 3 of 2"},
		{"parts without part", `{"date":"2023-02-13","parts":2}`, "bad part 0 of 2"},
		{"negative part", `{"date":"2023-02-13","part":-1}`, "bad part"},
		{"multi-line input", "{\n\"date\": 5\n}", "bad JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.in)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "card: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("Parse(%q) error %q, want it to say %q", tt.in, msg, tt.want)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

// manyDigest is a day of n items with leads of leadRunes runes.
func manyDigest(n, leadRunes int) digest.Digest {
	d := digest.Digest{Date: time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC), Source: "中原区新闻"}
	for i := 1; i <= n; i++ {
		lead := strings.Repeat("街道社区开展便民服务活动，", leadRunes/13+1)
		lead = string([]rune(lead)[:leadRunes-1]) + "。"
		d.Items = append(d.Items, digest.Item{N: i, Article: digest.Article{Title: "第" + strconv.Itoa(i) + "条新闻标题"}, Lead: lead})
	}
	return d
}

func TestFromDigest(t *testing.T) {
	tests := []struct {
		name      string
		d         digest.Digest
		wantCards int
	}{
		{"sample day fits one card", sampleDigest(t), 1},
		{"40 items", manyDigest(40, 60), 5},
		{"9 items split evenly", manyDigest(9, 60), 2},
		{"long leads split sooner", manyDigest(8, 240), 2},
		{"empty day", digest.Digest{Date: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards := FromDigest(tt.d)
			if len(cards) != tt.wantCards {
				t.Fatalf("%d cards, want %d", len(cards), tt.wantCards)
			}
			next := 0
			for i, c := range cards {
				if c.Date != tt.d.Date.Format("2006-01-02") || c.Source != tt.d.Source {
					t.Errorf("card %d: date %q source %q", i, c.Date, c.Source)
				}
				if len(c.Items) > MaxItems {
					t.Errorf("card %d has %d items, more than %d", i, len(c.Items), MaxItems)
				}
				if len(cards) > 1 && (c.Part != i+1 || c.Parts != len(cards)) {
					t.Errorf("card %d marked %d/%d", i, c.Part, c.Parts)
				}
				if len(cards) == 1 && (c.Part != 0 || c.Parts != 0) {
					t.Errorf("a lone card is marked %d/%d", c.Part, c.Parts)
				}
				if len(c.Items) > 0 && !strings.Contains(c.Footer, "详情 "+strconv.Itoa(c.Items[0].N)) {
					t.Errorf("card %d footer %q", i, c.Footer)
				}
				if len(c.Items) > 0 && len(cards) > 1 && (len(c.Items) < len(tt.d.Items)/len(cards)) {
					t.Errorf("card %d has only %d items: parts are uneven", i, len(c.Items))
				}
				for _, it := range c.Items {
					want := tt.d.Items[next]
					if it.N != want.N || it.N != next+1 || it.Lead != want.Lead || it.Title != itemTitle(want.Article) {
						t.Errorf("item %d is %+v, want n=%d lead %q", next, it, want.N, want.Lead)
					}
					next++
				}
				if _, err := Parse(c.Marshal()); err != nil {
					t.Errorf("card %d does not parse back: %v", i, err)
				}
			}
			if next != len(tt.d.Items) {
				t.Errorf("%d items on the cards, want %d", next, len(tt.d.Items))
			}
		})
	}
	t.Run("text no digest makes is shortened", func(t *testing.T) {
		d := manyDigest(2, 20)
		d.Items[0].Lead = strings.Repeat("街道社区开展便民服务活动，", 1000)
		d.Items[1].Article.Title = strings.Repeat("标题", 500)
		cards := FromDigest(d)
		if len(cards) != 2 {
			t.Fatalf("%d cards, want each item on its own", len(cards))
		}
		lead, title := []rune(cards[0].Items[0].Lead), []rune(cards[1].Items[0].Title)
		if len(lead) > maxLeadRunes || !strings.HasSuffix(string(lead), "……") || len(title) > maxTitleRunes {
			t.Errorf("lead of %d runes, title of %d", len(lead), len(title))
		}
	})
	t.Run("titles as digest shows them", func(t *testing.T) {
		d := manyDigest(3, 20)
		d.Items[0].Article = digest.Article{}
		d.Items[1].Article = digest.Article{Kicker: "引题", Subtitle: "副题"}
		d.NoFooter = true
		c := FromDigest(d)[0]
		if c.Items[0].Title != "（无标题）" || c.Items[1].Title != "副题" || c.Footer != "" {
			t.Errorf("got %+v", c)
		}
	})
}
