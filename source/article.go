package source

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

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
// removed, and short bold, heading or question lines above the text are
// sub-heads, not the lead. When the text has no byline, the page's info
// line (作者：张三, 记者 张三, 文/张三), readability's byline, <meta
// name="author"> or article:author gives it. Source is the site's name
// (og:site_name, else the <title>'s suffix; a 公众号's account name), ""
// when the page gives none; callers complete it with SourceName. The
// article's URL is pageURL. A page with no sentence in it fails with
// ErrNotArticle.
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
	// The page's text in order, before readability rearranges the tree:
	// the info line under the headline may lie outside the content.
	page := paragraphs(doc)
	unhideWeChatContent(doc)
	markBoldStyles(doc)
	var content []string
	var heads map[string]bool
	p := readability.NewParser()
	p.MaxElemsToParse = maxElems
	ra, rerr := p.ParseDocument(doc, u)
	if rerr == nil && ra.Node != nil {
		content, heads = headParagraphs(ra.Node)
	}
	title := chooseTitle(m.title, m.ogTitle, m.h1s, raTitle(ra, rerr))
	a, err := articleSkippingHeads(title, dropTitle(content, title, m.h1s), heads)
	if err != nil {
		// Readability found nothing usable (short pages, odd markup): read
		// the page body in order; navigation is mostly short lines without
		// final punctuation, which the lead rules skip.
		body, bodyHeads := bodyParagraphs(doc, m.h1Node)
		a, err = articleSkippingHeads(title, dropTitle(body, title, m.h1s), bodyHeads)
	}
	if err != nil {
		if errors.Is(err, digest.ErrNoArticles) {
			return digest.Article{}, ErrNotArticle
		}
		return digest.Article{}, err
	}
	if a.Byline == "" {
		a.Byline = metaByline(page, title, m, raByline(ra, rerr), a.Lead)
	}
	a.Source = siteName(m, u)
	a.URL = pageURL
	return a, nil
}

// maxHeadRunes caps a bold or heading line taken for a sub-head; a longer
// bold paragraph is a summary written as text.
const maxHeadRunes = 60

// articleSkippingHeads builds the article from paras; while its lead
// comes from a short paragraph set wholly in bold or as a heading
// (<strong>坚持项目为王，推动高质量发展。</strong>, <h3>…？</h3>), that
// paragraph is a sub-head and is dropped, unless nothing would be left.
func articleSkippingHeads(title string, paras []string, heads map[string]bool) (digest.Article, error) {
	a, err := digest.ArticleFromParagraphs(title, paras)
	for tries := 0; err == nil && len(heads) > 0 && tries < 16; tries++ {
		i := slices.IndexFunc(paras, func(p string) bool {
			return heads[p] && utf8.RuneCountInString(p) <= maxHeadRunes && strings.Contains(p, a.Lead)
		})
		if i < 0 {
			break
		}
		rest := slices.Delete(slices.Clone(paras), i, i+1)
		next, nerr := digest.ArticleFromParagraphs(title, rest)
		if nerr != nil {
			break
		}
		paras, a = rest, next
	}
	return a, err
}

// maxInfoLines bounds how far below the headline (or above the lead) the
// info line is looked for.
const maxInfoLines = 8

// metaByline is the byline a page gives outside its text, normalised:
// the info line under the headline (来源：郑州日报 作者：张三, 记者 张三 通讯员
// 李四, 文/张三), then readability's byline, <meta name="author"> and
// article:author. Outlets, editors and site accounts are not bylines.
func metaByline(page []string, title string, m pageMeta, raByline, lead string) string {
	if b := infoLineByline(page, title, m.h1s, lead); b != "" {
		return b
	}
	for _, s := range []string{raByline, m.author, m.articleAuthor} {
		if b, ok := digest.NormalizeAuthor(s); ok {
			return b
		}
	}
	return ""
}

// infoLineByline looks for a byline in the lines between the headline and
// the lead paragraph (at most maxInfoLines), or, when the headline is not
// found as a line of its own, in the lines just above the lead.
func infoLineByline(page []string, title string, h1s []string, lead string) string {
	start := slices.IndexFunc(page, func(p string) bool {
		return p == title || slices.ContainsFunc(h1s, func(h string) bool { return collapse(h) == p })
	})
	from := max(start+1, 0)
	end := len(page)
	if lead != "" {
		if i := slices.IndexFunc(page[from:], func(p string) bool { return strings.Contains(p, lead) }); i >= 0 {
			end = from + i
		}
	}
	if start < 0 {
		from = max(0, end-maxInfoLines)
	}
	end = min(end, from+maxInfoLines)
	for _, p := range page[from:end] {
		if b, ok := digest.BylineFromInfoLine(p); ok {
			return b
		}
	}
	return ""
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
	articleAuthor          string // article:author
	ogSite                 string // og:site_name
	account                string // a 公众号 page's account name (#js_name)
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
				case "author", "byline":
					if m.author == "" {
						m.author = collapse(attr(n, "content"))
					}
				case "article:author":
					if m.articleAuthor == "" {
						m.articleAuthor = collapse(attr(n, "content"))
					}
				case "og:site_name":
					if m.ogSite == "" {
						m.ogSite = collapse(attr(n, "content"))
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
			if m.account == "" && (attr(n, "id") == "js_name" || hasClass(n, "profile_nickname")) {
				m.account = textContent(n)
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

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

// bodyParagraphs reads the page's paragraphs in order, from the first <h1>
// on when there is one (what stands above the headline is the site's),
// with those set wholly in bold or as headings.
func bodyParagraphs(doc, h1 *html.Node) ([]string, map[string]bool) {
	if h1 == nil {
		return headParagraphs(doc)
	}
	w := paraWriter{heads: map[string]bool{}}
	// Walk up from the headline, reading each following sibling subtree.
	for n := h1; n != nil; n = n.Parent {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			w.walk(s, 0)
		}
		w.flush()
	}
	return w.out, w.heads
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

// markBoldStyles turns elements made bold by their style (公众号 editors
// write <span style="font-weight: bold">) into <strong>, so the bold line
// is still known after readability drops the styles.
func markBoldStyles(doc *html.Node) {
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Span || n.DataAtom == atom.Font) && isEmphasis(n, n.DataAtom) {
			n.DataAtom, n.Data = atom.Strong, "strong"
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
}
