package source

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML becomes paragraphs: each block element (p, div, li, h1…, td, …) and
// each <br> ends one. Whitespace from the markup's line breaks disappears
// between CJK characters (中原区\n召开 → 中原区召开) and becomes one space
// elsewhere; spaces written as such (记者 鲁燕, &nbsp;, 　) stay one space.

// blockAtoms end a paragraph where they open and close.
var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Main: true, atom.Aside: true, atom.Nav: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Caption: true,
	atom.Blockquote: true, atom.Pre: true, atom.Figure: true, atom.Figcaption: true, atom.Hr: true,
	atom.Br: true, atom.Center: true, atom.Form: true, atom.Address: true, atom.Details: true,
	atom.Summary: true, atom.Fieldset: true, atom.Body: true, atom.Html: true,
}

// skipAtoms hold no article text.
var skipAtoms = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Iframe: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Head: true, atom.Button: true, atom.Select: true,
	atom.Textarea: true, atom.Input: true, atom.Object: true, atom.Embed: true, atom.Canvas: true,
	atom.Video: true, atom.Audio: true, atom.Map: true,
}

// maxDepth bounds the recursion on hostile, deeply nested markup (the
// x/net/html parser itself caps nesting at 512).
const maxDepth = 600

// paragraphs returns the text paragraphs under n, in document order.
func paragraphs(n *html.Node) []string {
	w := paraWriter{}
	w.walk(n, 0)
	w.flush()
	return w.out
}

// fragmentParagraphs parses s as an HTML fragment (a feed description) and
// returns its paragraphs. Plain text comes back as its lines.
func fragmentParagraphs(s string) []string {
	if !strings.ContainsAny(s, "<&") {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = collapse(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	ctx := &html.Node{Type: html.ElementNode, DataAtom: atom.Div, Data: "div"}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return nil
	}
	w := paraWriter{}
	for _, n := range nodes {
		w.walk(n, 0)
	}
	w.flush()
	return w.out
}

// textContent is the collapsed text under n.
func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			if a := tagAtom(n); skipAtoms[a] && a != atom.Head {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return collapse(b.String())
}

// tagAtom is n's tag as an atom. Elements made by readability (its <p> for
// runs of <br>) carry only Data, not DataAtom.
func tagAtom(n *html.Node) atom.Atom {
	if n.DataAtom != 0 {
		return n.DataAtom
	}
	return atom.Lookup([]byte(strings.ToLower(n.Data)))
}

type paraWriter struct {
	cur strings.Builder
	out []string
	// emph is the depth of emphasis (strong, b, h2–h6, bold styles) at
	// the current node; plain reports text outside it in the current
	// paragraph. heads collects the paragraphs set wholly in emphasis.
	emph  int
	plain bool
	heads map[string]bool
}

// headParagraphs returns the paragraphs under n and those of them set
// wholly in bold or as a heading (sub-heads, not text).
func headParagraphs(n *html.Node) ([]string, map[string]bool) {
	w := paraWriter{heads: map[string]bool{}}
	w.walk(n, 0)
	w.flush()
	return w.out, w.heads
}

// isEmphasis: an element whose text reads as a sub-head when it fills a
// paragraph.
func isEmphasis(n *html.Node, a atom.Atom) bool {
	switch a {
	case atom.Strong, atom.B, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	st := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	return strings.Contains(st, "font-weight:bold") || strings.Contains(st, "font-weight:700") ||
		strings.Contains(st, "font-weight:800") || strings.Contains(st, "font-weight:900")
}

func (w *paraWriter) walk(n *html.Node, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.cur.WriteString(n.Data)
		if w.emph == 0 && strings.TrimFunc(n.Data, isWhite) != "" {
			w.plain = true
		}
		return
	case html.ElementNode:
		a := tagAtom(n)
		if skipAtoms[a] {
			return
		}
		if blockAtoms[a] {
			w.flush()
			defer w.flush()
		}
		if isEmphasis(n, a) {
			w.emph++
			defer func() { w.emph-- }()
		}
	case html.CommentNode, html.DoctypeNode:
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, depth+1)
	}
}

func (w *paraWriter) flush() {
	if w.cur.Len() == 0 {
		return
	}
	if p := collapse(w.cur.String()); p != "" {
		w.out = append(w.out, p)
		if !w.plain && w.heads != nil {
			w.heads[p] = true
		}
	}
	w.cur.Reset()
	w.plain = false
}

// collapse trims s and collapses its whitespace: a run holding a markup
// line break (\n, \r, \t) and no written space (&nbsp;, 　) between two
// wide characters vanishes; any other run becomes one space.
func collapse(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(0) // last rune written
	inRun, brk, hard := false, false, false
	for _, r := range s {
		if isWhite(r) {
			if !inRun {
				inRun, brk, hard = true, false, false
			}
			switch r {
			case '\n', '\r', '\t':
				brk = true
			case '\u00A0', '\u3000':
				hard = true
			}
			continue
		}
		if inRun {
			if prev != 0 && !(brk && !hard && isWide(prev) && isWide(r)) {
				b.WriteByte(' ')
			}
			inRun = false
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

func isWhite(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return unicode.IsSpace(r)
}

// isWide: CJK characters and full-width punctuation, between which a markup
// line break is no space.
func isWide(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF00 && r <= 0xFFEF ||
		r >= 0x20000 && r <= 0x3FFFF || r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—'
}
