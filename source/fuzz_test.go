package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

func addFixtures(f *testing.F, dir string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseFeed(f *testing.F) {
	addFixtures(f, "feeds")
	f.Add([]byte(`<?xml version="1.0" encoding="gb2312"?><rss><channel><item><title>x</title></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;p&gt;本报讯&lt;/p&gt;</content></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, err := ParseFeed(body)
		if err != nil {
			if !errors.Is(err, ErrNotFeed) {
				t.Fatalf("error not ErrNotFeed: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if !utf8.ValidString(feed.Title) {
			t.Fatalf("feed title not UTF-8: %q", feed.Title)
		}
		for _, it := range feed.Items {
			checkArticleText(t, it.Article)
			if !it.Published.IsZero() && it.Published.Location().String() != "UTC" {
				t.Fatalf("published %v not UTC", it.Published)
			}
			if it.Article.Lead == "" && !it.Teaser {
				t.Fatalf("item without a lead is not a teaser: %+v", it)
			}
			if it.GUID == "" && it.Link != "" {
				t.Fatalf("GUID empty although the link is %q", it.Link)
			}
		}
	})
}

func FuzzExtractArticle(f *testing.F) {
	addFixtures(f, "pages")
	f.Add([]byte(`<html><body><h1>标题</h1><p>本报讯（记者 鲁燕）正文第一句。第二句。</p></body></html>`))
	f.Add([]byte(`<div id="js_content" style="visibility:hidden"><p>图为现场。</p><p>一句。</p></div>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		text, _, err := decode(page, "")
		if err != nil {
			return
		}
		a, err := ExtractArticle(text, "http://site.example/a.html")
		if err != nil {
			if !errors.Is(err, ErrNotArticle) {
				t.Fatalf("error not ErrNotArticle: %v", err)
			}
			return
		}
		checkArticleText(t, a)
		if a.Lead == "" {
			t.Fatal("article without a lead")
		}
	})
}

// checkArticleText: every field is valid UTF-8, the one-line fields hold no
// line break, and the lead stands in the body's first paragraph.
func checkArticleText(t *testing.T, a digest.Article) {
	t.Helper()
	for name, s := range map[string]string{"Title": a.Title, "Dateline": a.Dateline, "Byline": a.Byline, "Lead": a.Lead, "Body": a.Body} {
		if !utf8.ValidString(s) {
			t.Fatalf("%s not UTF-8: %q", name, s)
		}
		if name != "Body" && strings.Contains(s, "\n") {
			t.Fatalf("%s holds a line break: %q", name, s)
		}
	}
	if a.Lead != "" {
		first, _, _ := strings.Cut(a.Body, "\n")
		if !strings.Contains(first, a.Lead) {
			t.Fatalf("lead %q not in the body's first paragraph %q", a.Lead, first)
		}
	}
}
