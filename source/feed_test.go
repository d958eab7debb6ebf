package source

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFeedFormats(t *testing.T) {
	type want struct {
		guid, link, title, byline, lead string
		published                       time.Time
		teaser                          bool
	}
	tests := []struct {
		file      string
		feedTitle string
		items     []want
	}{
		{"feeds/rss2.xml", "中原区融媒体中心", []want{
			{"zy-1001", "http://news.example/a/1001.html", "中原区召开2024年重点项目推进会", "记者 鲁燕 通讯员 木坤坤",
				"2月12日，中原区召开2024年重点项目推进会，安排部署全年项目建设工作。",
				time.Date(2024, 2, 13, 2, 25, 31, 0, time.UTC), false},
			{"http://news.example/a/1002.html", "http://news.example/a/1002.html", "须水街道开展<平安建设>宣传活动", "",
				"须水街道开展平安建设宣传活动，向辖区居民发放宣传资料2000余份。",
				time.Date(2024, 2, 13, 8, 0, 0, 0, time.UTC), true},
			{"http://news.example/a/1003.html", "", "没有日期的消息", "",
				"林山寨街道举办“邻里节”活动。", time.Time{}, false},
		}},
		{"feeds/atom.xml", "郑州日报 · 要闻", []want{
			{"tag:zzrb.example,2024:10042", "http://zzrb.example/html/2024-03/14/10042.htm", "郑州地铁10号线一期工程通过验收", "记者 张改华",
				"3月13日，郑州地铁10号线一期工程通过项目工程验收。",
				time.Date(2024, 3, 13, 23, 15, 0, 0, time.UTC), false},
			{"tag:zzrb.example,2024:10043", "http://zzrb.example/html/2024-03/14/10043.htm", "只有更新时间的条目", "",
				"市民游园赏花 春日气象新。", time.Date(2024, 3, 14, 1, 0, 0, 0, time.UTC), true},
		}},
		{"feeds/rss1.rdf", "中原区人民政府 政务动态", []want{
			{"http://gov.example/zwdt/5001.html", "http://gov.example/zwdt/5001.html", "中原区开展安全生产大检查", "",
				"4月1日，中原区组织开展安全生产大检查。", time.Date(2024, 4, 2, 8, 45, 0, 0, time.UTC), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := ParseFeed(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tt.feedTitle {
				t.Errorf("feed title %q, want %q", f.Title, tt.feedTitle)
			}
			if len(f.Items) != len(tt.items) {
				t.Fatalf("%d items, want %d: %+v", len(f.Items), len(tt.items), f.Items)
			}
			for i, w := range tt.items {
				it := f.Items[i]
				got := want{it.GUID, it.Link, it.Article.Title, it.Article.Byline, it.Article.Lead, it.Published, it.Teaser}
				if !got.published.Equal(w.published) || got.published.Location() != time.UTC {
					t.Errorf("item %d published %v, want %v (UTC)", i, got.published, w.published)
				}
				got.published = w.published
				if got != w {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got, w)
				}
				if it.Article.URL != it.Link {
					t.Errorf("item %d URL %q, want the link", i, it.Article.URL)
				}
			}
		})
	}
}
