package source

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/wxdigest/wxdigest/digest"
)

// maxElems caps the elements readability scores; bigger documents are read
// by the plain fallback only.
const maxElems = 20000

// FetchArticle fetches an article page and extracts it (see ExtractArticle).
// The article's URL is url as given. A body that is not HTML fails with
// ErrNotArticle.
func (c *Client) FetchArticle(ctx context.Context, rawURL string) (digest.Article, error) {
	r, err := c.get(ctx, rawURL, http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}})
	if err != nil {
		return digest.Article{}, fmt.Errorf("source: fetch article %s: %w", rawURL, err)
	}
	if !isHTML(r.contentType, r.body) {
		return digest.Article{}, fmt.Errorf("source: fetch article %s: %w (content type %q)", rawURL, ErrNotArticle, r.contentType)
	}
	text, _, err := decode(r.body, r.contentType)
	if err != nil {
		return digest.Article{}, fmt.Errorf("source: fetch article %s: %w: %w", rawURL, ErrNotArticle, err)
	}
	a, err := extract(text, r.finalURL)
	if err != nil {
		return digest.Article{}, fmt.Errorf("source: fetch article %s: %w", rawURL, err)
	}
	a.URL = rawURL
	return a, nil
}

// isHTML: the content type says HTML (or says nothing useful and the body
// looks like markup).
func isHTML(ct string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "text/html", "application/xhtml+xml":
		return true
	case "", "application/octet-stream", "text/plain":
		n := min(len(body), 1024)
		return strings.Contains(strings.ToLower(string(body[:n])), "<html") ||
			strings.Contains(strings.ToLower(string(body[:n])), "<!doctype html")
	}
	return false
}

// ExtractArticle extracts the article from an HTML page already decoded to
// UTF-8: readability finds the content; the title is the headline without
// the site's suffix (og:title or <h1> preferred when <title> carries one);
// the body paragraphs go through digest.ArticleFromParagraphs, so Lead is the
// first real sentence, with datelines, bylines, captions and page furniture
// removed. The article's URL is pageURL. A page with no sentence in it fails
// with ErrNotArticle.
func ExtractArticle(htmlText string, pageURL string) (digest.Article, error) {
	a, err := extract(htmlText, pageURL)
	if err != nil {
		return digest.Article{}, fmt.Errorf("source: extract article: %w", err)
	}
	return a, nil
}

func extract(htmlText, pageURL string) (digest.Article, error) {
	doc, err := html.Parse(strings.NewReader(htmlText))
	if err != nil {
		return digest.Article{}, fmt.Errorf("%w: %w", ErrNotArticle, err)
	}
	u, err := url.Parse(pageURL)
	if err != nil || !u.IsAbs() {
		u = nil
	}
	m := readMeta(doc)
	unhideWeChatContent(doc)
	var content []string
	p := readability.NewParser()
	p.MaxElemsToParse = maxElems
	ra, rerr := p.ParseDocument(doc, u)
	if rerr == nil && ra.Node != nil {
		content = paragraphs(ra.Node)
	}
	title := chooseTitle(m.title, m.ogTitle, m.h1s, raTitle(ra, rerr))
	a, err := digest.ArticleFromParagraphs(title, dropTitle(content, title, m.h1s))
	if err != nil {
		// Readability found nothing usable (short pages, odd markup): read
		// the page body in order; navigation is mostly short lines without
		// final punctuation, which the lead rules skip.
		a, err = digest.ArticleFromParagraphs(title, dropTitle(bodyParagraphs(doc, m.h1Node), title, m.h1s))
	}
	if err != nil {
		if errors.Is(err, digest.ErrNoArticles) {
			return digest.Article{}, ErrNotArticle
		}
		return digest.Article{}, err
	}
	if a.Byline == "" {
		for _, b := range []string{m.author, raByline(ra, rerr)} {
			if nb, ok := digest.NormalizeByline(b); ok {
				a.Byline = nb
				break
			}
		}
	}
	a.URL = pageURL
	return a, nil
}

func raTitle(ra readability.Article, err error) string {
	if err != nil {
		return ""
	}
	return ra.Title()
}

func raByline(ra readability.Article, err error) string {
	if err != nil {
		return ""
	}
	return ra.Byline()
}

// dropTitle removes paragraphs repeating the headline (readability keeps an
// <h1> inside the content).
func dropTitle(paras []string, title string, h1s []string) []string {
	out := paras[:0:0]
	for _, p := range paras {
		if p == title {
			continue
		}
		drop := false
		for _, h := range h1s {
			if p == collapse(h) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}

// pageMeta is what the page says about itself outside the content.
type pageMeta struct {
	title, ogTitle, author string
	h1s                    []string
	h1Node                 *html.Node // the first <h1>, where the fallback starts reading
}

func readMeta(doc *html.Node) pageMeta {
	var m pageMeta
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Title:
				if m.title == "" {
					m.title = textContent(n)
				}
			case atom.Meta:
				key := strings.ToLower(attr(n, "property"))
				if key == "" {
					key = strings.ToLower(attr(n, "name"))
				}
				switch key {
				case "og:title", "twitter:title":
					if m.ogTitle == "" {
						m.ogTitle = collapse(attr(n, "content"))
					}
				case "author", "article:author", "byline":
					if m.author == "" {
						m.author = collapse(attr(n, "content"))
					}
				}
			case atom.H1:
				if t := textContent(n); t != "" {
					m.h1s = append(m.h1s, t)
					if m.h1Node == nil {
						m.h1Node = n
					}
				}
			case atom.Script, atom.Style, atom.Svg:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return m
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// bodyParagraphs reads the page's paragraphs in order, from the first <h1>
// on when there is one (what stands above the headline is the site's).
func bodyParagraphs(doc, h1 *html.Node) []string {
	if h1 == nil {
		return paragraphs(doc)
	}
	w := paraWriter{}
	// Walk up from the headline, reading each following sibling subtree.
	for n := h1; n != nil; n = n.Parent {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			w.walk(s, 0)
		}
		w.flush()
	}
	return w.out
}

// unhideWeChatContent clears the style of a 公众号 article's content
// (<div id="js_content" style="visibility: hidden;">, shown by a script), which
// readability would otherwise skip as invisible.
func unhideWeChatContent(doc *html.Node) {
	var walk func(*html.Node, int) bool
	walk = func(n *html.Node, depth int) bool {
		if depth > maxDepth {
			return false
		}
		if n.Type == html.ElementNode && attr(n, "id") == "js_content" {
			attrs := n.Attr[:0]
			for _, a := range n.Attr {
				if !strings.EqualFold(a.Key, "style") {
					attrs = append(attrs, a)
				}
			}
			n.Attr = attrs
			return true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c, depth+1) {
				return true
			}
		}
		return false
	}
	walk(doc, 0)
}
