package digest

import (
	"strings"
	"time"
)

// renderContTitle caps the title repeated on continuation parts.
const renderContTitle = 30

// RenderArticle writes one article's full text for the "详情 N" reply:
// kicker, title and "——subtitle" lines, a line with source, date, dateline
// and byline, then the body paragraphs separated by blank lines. Parts hold
// at most budget runes (≤ 0 means DefaultBudget, below MinBudget means
// MinBudget). Text is split at paragraph boundaries; a paragraph too long
// for a part is split after its sentences, and a sentence too long for a
// part is cut at the rune limit. With more than one part the title line of
// part 1 ends with "（1/n）" and every later part opens with the (possibly
// shortened) title and "（i/n）".
func RenderArticle(a Article, budget int) []string {
	budget = renderBudget(budget)
	var paras []string
	for _, p := range strings.Split(a.Body, "\n") {
		if p = renderOneLine(p); p != "" {
			paras = append(paras, p)
		}
	}

	if single := renderArticleHead(a, "", budget, 0) + renderArticleBody(paras); renderRunes(single) <= budget {
		return []string{single}
	}

	// Reserve the widest marker that could be needed: there are never more
	// parts than runes of body.
	n := max(renderRunes(strings.Join(paras, "")), 1)
	markerW := renderRunes(renderMarker(n, n))
	sepW := renderRunes(renderSep)
	head1W := renderRunes(renderArticleHead(a, "", budget, markerW)) + markerW
	contTitle := ShortenLead(renderItemTitle(a), renderContTitle)
	// The floors of 1 only matter far below MinBudget; they keep the
	// packer from looping on a part with no room.
	p := renderArticlePacker{
		capacity: max(budget-head1W-sepW, 1),
		capN:     max(budget-renderRunes(contTitle)-markerW-sepW, 1),
		sepW:     sepW,
	}
	for _, para := range paras {
		p.addParagraph(para)
	}
	parts := p.finish()

	out := make([]string, len(parts))
	for i, ps := range parts {
		marker := renderMarker(i+1, len(parts))
		var head string
		if i == 0 {
			head = renderArticleHead(a, marker, budget, markerW)
		} else {
			head = contTitle + marker
		}
		var b strings.Builder
		b.WriteString(head)
		for j, p := range ps {
			if j == 0 || p.newPara {
				b.WriteString(renderSep)
			}
			b.WriteString(p.text)
		}
		out[i] = b.String()
	}
	return out
}

// renderPiece is a run of body text that may go to a part on its own;
// newPara says whether it starts a paragraph (else it continues the
// previous piece's paragraph).
type renderPiece struct {
	text    string
	newPara bool
}

// renderArticlePacker fills parts greedily. A paragraph goes whole into
// the current part if it fits, else whole into a fresh part; only a
// paragraph too long for any part is split after its sentences, and a
// sentence too long for any part at the rune limit.
type renderArticlePacker struct {
	capacity int // of the current part; part 1 has less room than the rest
	capN     int // of every later part
	sepW     int
	used     int
	cur      []renderPiece
	parts    [][]renderPiece
}

func (p *renderArticlePacker) addParagraph(para string) {
	if p.place(renderPiece{text: para, newPara: true}) {
		return
	}
	first := true
	for _, s := range splitAtSentences(para) {
		if p.place(renderPiece{text: s, newPara: first}) {
			first = false
			continue
		}
		rs := []rune(s)
		for len(rs) > 0 {
			room := p.capacity - p.used - p.cost(renderPiece{newPara: first})
			if room <= 0 {
				p.flush()
				continue
			}
			k := min(len(rs), room)
			p.append(renderPiece{text: string(rs[:k]), newPara: first})
			rs, first = rs[k:], false
		}
	}
}

// place adds pc whole to the current part or to a fresh one, and reports
// whether it could. It never leaves an empty part behind.
func (p *renderArticlePacker) place(pc renderPiece) bool {
	if p.used+p.cost(pc)+renderRunes(pc.text) <= p.capacity {
		p.append(pc)
		return true
	}
	if len(p.cur) > 0 && renderRunes(pc.text) <= p.capN {
		p.flush()
		p.append(pc)
		return true
	}
	return false
}

// cost is the separator pc needs in front of it in the current part.
func (p *renderArticlePacker) cost(pc renderPiece) int {
	if len(p.cur) > 0 && pc.newPara {
		return p.sepW
	}
	return 0
}

func (p *renderArticlePacker) append(pc renderPiece) {
	p.used += p.cost(pc) + renderRunes(pc.text)
	p.cur = append(p.cur, pc)
}

func (p *renderArticlePacker) flush() {
	p.parts = append(p.parts, p.cur)
	p.cur, p.used, p.capacity = nil, 0, p.capN
}

func (p *renderArticlePacker) finish() [][]renderPiece {
	if len(p.cur) > 0 || len(p.parts) == 0 {
		p.flush()
	}
	return p.parts
}

// renderArticleHead is the headline block and the meta line. marker is
// appended to the title line; each line is shortened when the headline
// would take more than half a part.
func renderArticleHead(a Article, marker string, budget, markerW int) string {
	var lines []string
	titleLine := -1
	if s := renderOneLine(a.Kicker); s != "" {
		lines = append(lines, s)
	}
	titleLine = len(lines)
	lines = append(lines, renderItemTitle(a))
	if s := renderOneLine(a.Subtitle); s != "" && s != lines[titleLine] {
		lines = append(lines, "——"+s)
	}
	if s := renderArticleMeta(a); s != "" {
		lines = append(lines, s)
	}
	// Half a part at most for the headline block: the title keeps up to
	// half of that, the other lines share the rest evenly.
	room := budget/2 - markerW - (len(lines) - 1)
	total := 0
	for _, l := range lines {
		total += renderRunes(l)
	}
	if total > room {
		lines[titleLine] = ShortenLead(lines[titleLine], max(room/2, 3))
		others := append(append([]string(nil), lines[:titleLine]...), lines[titleLine+1:]...)
		c := renderWaterLevel(others, room-renderRunes(lines[titleLine]))
		for i := range lines {
			if i != titleLine {
				lines[i] = ShortenLead(lines[i], max(c, 3))
			}
		}
	}
	lines[titleLine] += marker
	return strings.Join(lines, "\n")
}

// renderWaterLevel is the largest per-line cap c with
// sum(min(len(line), c)) ≤ room, so short lines stay whole and long ones
// share what is left.
func renderWaterLevel(lines []string, room int) int {
	c := 0
	for {
		sum := 0
		for _, l := range lines {
			sum += min(renderRunes(l), c+1)
		}
		if sum > room || c > room {
			return c
		}
		c++
	}
}

// renderArticleMeta is "中原区新闻 2023年2月13日 本报讯 记者 鲁燕".
func renderArticleMeta(a Article) string {
	var f []string
	if s := renderOneLine(a.Source); s != "" {
		f = append(f, s)
	}
	if s := strings.TrimSpace(a.Date); s != "" {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			s = dateZH(t)
		}
		f = append(f, s)
	}
	for _, s := range []string{a.Dateline, a.Byline} {
		if s = renderOneLine(s); s != "" {
			f = append(f, s)
		}
	}
	return strings.Join(f, " ")
}

func renderArticleBody(paras []string) string {
	if len(paras) == 0 {
		return ""
	}
	return renderSep + strings.Join(paras, renderSep)
}

// splitAtSentences splits text at the parser's sentence boundaries (see
// Sentences) without trimming, so joining the pieces gives the text back
// unchanged: RenderArticle only needs safe places to break a long
// paragraph. Empty or blank input gives nil.
func splitAtSentences(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for start := 0; start < len(text); {
		_, next := sentenceEnd(text, start)
		out = append(out, text[start:next])
		start = next
	}
	return out
}
