package source

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/wxdigest/wxdigest/digest"
)

// Feed is a parsed RSS or Atom feed, or the answer that it has not changed.
type Feed struct {
	Title string
	// NotModified: the server answered 304 to the conditional GET; Items is
	// empty and ETag/LastModified are the ones sent (or renewed ones).
	NotModified bool
	// ETag and LastModified are the validators to send next time.
	ETag, LastModified string
	Items              []FeedItem
}

// FeedItem is one entry of a feed.
type FeedItem struct {
	// GUID is the item's guid or Atom id, else its link.
	GUID string
	Link string
	// Published is the published (else updated) time in UTC; zero when the
	// feed gives none. The caller turns it into an issue date in its zone.
	Published time.Time
	// Article holds Title, Byline, Dateline, Lead and Body as clean text
	// (HTML in the description turned to paragraphs, then the lead rules
	// of digest.ArticleFromParagraphs); URL is Link. Lead and Body are
	// empty when the item has no sentence at all.
	Article digest.Article
	// Teaser: the item carries only a teaser (fewer than two sentences, or
	// a text ending in …, [阅读全文], 更多, >>): fetch Link for the article.
	Teaser bool
}

// FetchFeed fetches and parses a feed with a conditional GET: etag and
// lastModified (either may be empty) are sent as If-None-Match and
// If-Modified-Since, and a 304 answer returns Feed{NotModified: true}.
func (c *Client) FetchFeed(ctx context.Context, url, etag, lastModified string) (Feed, error) {
	h := http.Header{"Accept": {"application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"}}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		h.Set("If-Modified-Since", lastModified)
	}
	r, err := c.get(ctx, url, h)
	if err != nil {
		return Feed{}, fmt.Errorf("source: fetch feed %s: %w", url, err)
	}
	if r.notModified {
		f := Feed{NotModified: true, ETag: etag, LastModified: lastModified}
		if r.etag != "" {
			f.ETag = r.etag
		}
		if r.lastMod != "" {
			f.LastModified = r.lastMod
		}
		return f, nil
	}
	body, err := utf8XML(r.body, r.contentType)
	if err != nil {
		return Feed{}, fmt.Errorf("source: fetch feed %s: %w: %w", url, ErrNotFeed, err)
	}
	f, err := parseUTF8Feed(body)
	if err != nil {
		return Feed{}, fmt.Errorf("source: fetch feed %s: %w", url, err)
	}
	f.ETag, f.LastModified = r.etag, r.lastMod
	return f, nil
}

// ParseFeed parses an RSS 2.0, RSS 1.0 (RDF) or Atom document in any of
// the charsets decode knows (declared in the XML declaration, or sniffed).
// HTML in titles and descriptions becomes text.
func ParseFeed(body []byte) (Feed, error) {
	b, err := utf8XML(body, "")
	if err != nil {
		return Feed{}, fmt.Errorf("source: parse feed: %w: %w", ErrNotFeed, err)
	}
	f, err := parseUTF8Feed(b)
	if err != nil {
		return Feed{}, fmt.Errorf("source: parse feed: %w", err)
	}
	return f, nil
}

func parseUTF8Feed(body []byte) (f Feed, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Feed{}, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	defer func() {
		// gofeed is mature but this is untrusted input from the network:
		// a bug there must cost one feed, not the bot.
		if p := recover(); p != nil {
			f, err = Feed{}, fmt.Errorf("%w: parser failed: %v", ErrNotFeed, p)
		}
	}()
	gf, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return Feed{}, fmt.Errorf("%w: %w", ErrNotFeed, err)
	}
	if gf.FeedType == "json" {
		return Feed{}, fmt.Errorf("%w: JSON Feed is not read", ErrNotFeed)
	}
	f = Feed{Title: inlineText(gf.Title)}
	for _, it := range gf.Items {
		if it == nil {
			continue
		}
		f.Items = append(f.Items, feedItem(it))
	}
	return f, nil
}

func feedItem(it *gofeed.Item) FeedItem {
	link := strings.TrimSpace(it.Link)
	if link == "" && len(it.Links) > 0 {
		link = strings.TrimSpace(it.Links[0])
	}
	guid := strings.TrimSpace(it.GUID)
	if guid == "" {
		guid = link
	}
	fi := FeedItem{GUID: guid, Link: link}
	switch {
	case it.PublishedParsed != nil:
		fi.Published = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		fi.Published = it.UpdatedParsed.UTC()
	}
	title := inlineText(it.Title)
	text := it.Content
	if len(strings.TrimSpace(stripTags(text))) < len(strings.TrimSpace(stripTags(it.Description))) {
		text = it.Description // some feeds put a stub in content:encoded
	}
	paras := fragmentParagraphs(text)
	a, err := digest.ArticleFromParagraphs(title, paras)
	if err != nil {
		a = digest.Article{Title: collapse(title)}
	}
	a.URL = link
	if a.Byline == "" {
		for _, p := range it.Authors {
			if p == nil {
				continue
			}
			if b, ok := digest.NormalizeByline(p.Name); ok {
				a.Byline = b
				break
			}
		}
	}
	fi.Article = a
	fi.Teaser = isTeaser(a, paras)
	return fi
}

// teaserEnds end a text that continues on the page.
var teaserEnds = []string{"…", "...", "阅读全文", "[阅读全文]", "【阅读全文】", "查看全文", "全文>>", "详细>>", "详情>>",
	"更多", "更多>>", ">>", "»", "[more]", "Read more", "read more", "（未完）", "(未完)", "[…]", "[...]"}

// isTeaser: the item's text is too little to be the article.
func isTeaser(a digest.Article, paras []string) bool {
	if a.Lead == "" {
		return true
	}
	last := ""
	if len(paras) > 0 {
		last = strings.TrimSpace(paras[len(paras)-1])
	}
	for _, e := range teaserEnds {
		if strings.HasSuffix(last, e) {
			return true
		}
	}
	return len(digest.Sentences(a.Body)) < 2
}

// inlineText turns a title that may hold markup or entities into text.
func inlineText(s string) string {
	ps := fragmentParagraphs(s)
	return strings.Join(ps, " ")
}

// stripTags is a rough tag remover for comparing text lengths.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in && r != utf8.RuneError:
			b.WriteRune(r)
		}
	}
	return b.String()
}
