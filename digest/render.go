package digest

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// renderSep separates header, items and footer: a blank line reads
	// best in a chat bubble.
	renderSep = "\n\n"
	// renderMinLead is the least lead worth showing when an oversized item
	// must give up part of its title too.
	renderMinLead = 20
	// renderMaxSource caps the source label in the header.
	renderMaxSource = 20
	// renderNoTitle stands in for an article whose headline was not found.
	renderNoTitle = "（无标题）"
)

// Render splits a digest into chat message parts of at most budget runes
// (newlines count; ≤ 0 means DefaultBudget, below MinBudget means
// MinBudget). Every part starts with the header — source and date, e.g.
// "【中原区新闻】2023年2月13日 星期一" — followed by "（i/n）" when there is more
// than one part. Items keep their numbers, are never split across parts
// and never dropped: an item too big for a part on its own has its lead
// (and, if need be, its title) shortened by the ShortenLead rule. The last
// part ends with how to ask for the full text ("详情 N"), unless
// d.NoFooter. An empty digest is the single part "2023年3月1日 暂无新闻".
func Render(d Digest, budget int) []string {
	return renderWith(d, runeMeter(renderBudget(budget)))
}

// RenderBytes is Render with parts measured in UTF-8 bytes instead of
// runes, for channels whose limits count bytes (a WeCom robot's text:
// 2,048 bytes). maxBytes ≤ 0 means DefaultBudget bytes; below MinBytes it
// is raised to MinBytes. The same rules hold: items whole, numbered, never
// dropped, "（i/n）" marks, the footer on the last part.
func RenderBytes(d Digest, maxBytes int) []string {
	switch {
	case maxBytes <= 0:
		maxBytes = DefaultBudget
	case maxBytes < MinBytes:
		maxBytes = MinBytes
	}
	return renderWith(d, byteMeter(maxBytes))
}

// MinBytes is the smallest part RenderBytes honours: MinBudget runes of
// three-byte CJK characters.
const MinBytes = 3 * MinBudget

// meter measures parts: in runes (chat apps) or bytes (WeCom).
type meter struct {
	budget  int
	size    func(string) int
	perRune int // the most one rune can cost, to turn room into runes when shortening
}

func runeMeter(budget int) meter { return meter{budget, renderRunes, 1} }
func byteMeter(budget int) meter {
	return meter{budget, func(s string) int { return len(s) }, utf8.UTFMax}
}

func renderWith(d Digest, m meter) []string {
	if len(d.Items) == 0 {
		return []string{dateZH(d.Date) + " 暂无新闻"}
	}
	head := renderHeader(d)
	footer := ""
	if !d.NoFooter {
		footer = "回复“详情 序号”查看全文，如“详情 " + strconv.Itoa(d.Items[0].N) + "”"
	}
	if parts := renderPack(d.Items, head, footer, m, 0); len(parts) == 1 {
		return []string{renderJoin(head, parts[0], footer)}
	}
	n := len(d.Items) // each part holds at least one item, so n bounds the part count
	parts := renderPack(d.Items, head, footer, m, m.size(renderMarker(n, n)))
	out := make([]string, len(parts))
	for i, blocks := range parts {
		f := ""
		if i == len(parts)-1 {
			f = footer
		}
		out[i] = renderJoin(head+renderMarker(i+1, len(parts)), blocks, f)
	}
	return out
}

// renderPack groups item blocks into parts. markerW is the room reserved
// on the header line for "（i/n）". Each returned part fits budget once
// joined with head, the marker and (for the last part) footer.
func renderPack(items []Item, head, footer string, m meter, markerW int) [][]string {
	sepW := m.size(renderSep)
	capacity := m.budget - m.size(head) - markerW - sepW
	footerCost := 0
	if footer != "" {
		footerCost = sepW + m.size(footer)
	}

	type part struct {
		idx    []int // item indexes
		blocks []string
		used   int
	}
	var parts []part
	var cur part
	for i, it := range items {
		b := renderItem(it, capacity, m)
		w := m.size(b)
		if len(cur.blocks) > 0 && cur.used+sepW+w > capacity {
			parts = append(parts, cur)
			cur = part{}
		}
		if len(cur.blocks) > 0 {
			cur.used += sepW
		}
		cur.idx = append(cur.idx, i)
		cur.blocks = append(cur.blocks, b)
		cur.used += w
	}
	parts = append(parts, cur)

	if last := &parts[len(parts)-1]; footerCost > 0 && last.used+footerCost > capacity {
		if k := len(last.blocks); k > 1 {
			// Move the last item to a part of its own rather than shorten it.
			moved := part{idx: last.idx[k-1:], blocks: last.blocks[k-1:], used: m.size(last.blocks[k-1])}
			last.idx, last.blocks = last.idx[:k-1], last.blocks[:k-1]
			parts = append(parts, moved)
			last = &parts[len(parts)-1]
		}
		if last.used+footerCost > capacity {
			last.blocks[0] = renderItem(items[last.idx[0]], capacity-footerCost, m)
		}
	}
	out := make([][]string, len(parts))
	for i, p := range parts {
		out[i] = p.blocks
	}
	return out
}

// renderItem writes "N. title\nlead" in at most capacity (as m measures).
// A lead is shortened first; only when too little of it would remain does
// the title give way too. Room is turned into runes at the most a rune can
// cost, so a shortened item always fits.
func renderItem(it Item, capacity int, m meter) string {
	prefix := strconv.Itoa(it.N) + ". "
	title := renderItemTitle(it.Article)
	lead := renderOneLine(it.Lead)
	full := prefix + title
	if lead != "" {
		full += "\n" + lead
	}
	if m.size(full) <= capacity {
		return full
	}
	runes := func(room int) int { return room / m.perRune }
	pw, tw := m.size(prefix), m.size(title)
	if lead == "" {
		return renderCut(prefix+ShortenLead(title, runes(capacity-pw)), capacity, m)
	}
	if room := runes(capacity - pw - tw - 1); room >= renderMinLead {
		return prefix + title + "\n" + ShortenLead(lead, room)
	}
	room := runes(capacity - pw - 1)
	leadRoom := min(renderRunes(lead), renderMinLead, room/2)
	t, l := ShortenLead(title, room-leadRoom), ShortenLead(lead, leadRoom)
	s := prefix + t
	if l != "" {
		s += "\n" + l
	}
	return renderCut(s, capacity, m) // only bites on budgets far below MinBudget
}

// renderItemTitle picks the line that says what happened: the main title,
// else whatever headline the parser found. The subtitle is left out to keep
// items short; it is in the full text.
func renderItemTitle(a Article) string {
	for _, s := range []string{a.Title, a.Subtitle, a.Kicker} {
		if s = renderOneLine(s); s != "" {
			return s
		}
	}
	return renderNoTitle
}

// renderHeader is "【source】date weekday"; an unnamed source reads 新闻摘要.
func renderHeader(d Digest) string {
	src := renderOneLine(d.Source)
	if src == "" {
		src = "新闻摘要"
	}
	return "【" + ShortenLead(src, renderMaxSource) + "】" + FormatDate(d.Date)
}

func renderJoin(headLine string, blocks []string, footer string) string {
	var b strings.Builder
	b.WriteString(headLine)
	for _, s := range blocks {
		b.WriteString(renderSep)
		b.WriteString(s)
	}
	if footer != "" {
		b.WriteString(renderSep)
		b.WriteString(footer)
	}
	return b.String()
}

// renderMarker is the part marker, "（1/2）".
func renderMarker(i, n int) string {
	return "（" + strconv.Itoa(i) + "/" + strconv.Itoa(n) + "）"
}

func renderBudget(budget int) int {
	switch {
	case budget <= 0:
		return DefaultBudget
	case budget < MinBudget:
		return MinBudget
	}
	return budget
}

// renderOneLine folds any whitespace run (newlines, full-width spaces) into
// one space, so a title or lead stays on its line, and makes its
// punctuation read as Chinese (Readable).
func renderOneLine(s string) string {
	return Readable(foldSpaces(s))
}

func foldSpaces(s string) string {
	// Fast path: most titles and leads are already one clean line.
	clean, prevSpace := true, true // a leading space is not clean
	for _, r := range s {
		sp := r == ' '
		if (sp && prevSpace) || (!sp && r != utf8.RuneError && unicode.IsSpace(r)) {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean && !prevSpace || s == "" {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func renderRunes(s string) int { return utf8.RuneCountInString(s) }

// renderCut keeps at most n (as m measures) of s, whole runes only: the
// last guard behind the budget.
func renderCut(s string, n int, m meter) string {
	if n <= 0 {
		return ""
	}
	if m.size(s) <= n {
		return s
	}
	if m.perRune == 1 {
		return string([]rune(s)[:n])
	}
	cut := 0
	for i := range s {
		if i > n {
			break
		}
		cut = i
	}
	return s[:cut]
}

// readableForms are the full-width forms residents read for ASCII
// punctuation printed between Chinese characters.
var readableForms = [128]rune{',': '，', ';': '；', ':': '：', '?': '？', '!': '！'}

// Readable renders ASCII , ; : ? ! printed between Chinese characters as
// their full-width forms (，；：？！), as residents expect to read them; the
// stored text stays as printed. A mark counts as between Chinese when the
// character before it is Chinese (a Han character or Chinese punctuation)
// and the one after it is Chinese or a digit — or, for ? and !, the end —
// so "2.5,3.6", "GDP,增长" and "http://" keep theirs.
func Readable(s string) string {
	if !strings.ContainsAny(s, ",;:?!") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := rune(-1)
	for i, r := range s {
		if r < 128 && readableForms[r] != 0 && isChineseRune(prev) {
			next, size := utf8.DecodeRuneInString(s[i+1:])
			if (size > 0 && (isChineseRune(next) || unicode.IsDigit(next))) || (size == 0 && (r == '?' || r == '!')) {
				b.WriteRune(readableForms[r])
				prev = readableForms[r]
				continue
			}
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// isChineseRune: a Han character, or Chinese or full-width punctuation
// (“”‘’ included).
func isChineseRune(r rune) bool {
	switch {
	case r < 0:
		return false
	case unicode.Is(unicode.Han, r):
		return true
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
		return true
	case r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—':
		return true
	}
	return false
}
