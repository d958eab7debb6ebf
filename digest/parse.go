package digest

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNoArticles: the text holds no recognisable article (a headline followed
// by text).
var ErrNoArticles = errors.New("no recognisable article")

// How a page is read
//
// The text is cut into non-empty lines and each line is classified once:
// opener (本报讯…, a wire dateline), byline (记者 鲁燕 通讯员 木坤坤), trailer
// (（责编：…）, (完)), caption (图为…, … 摄) or text. Articles are then found
// in two steps:
//
//  1. Strong starts. An opener line, or a byline line followed by the lead
//     (本报记者 刘伟平 通讯员 惠峰 文/图), starts an article if 1–3
//     headline-shaped text lines stand right above it.
//  2. Weak starts, for articles that begin right after their headline: 1–3
//     strictly headline-shaped lines (no commas, not ending in a dangling
//     word such as 把 or 将, not numbered like 一、) followed by a paragraph,
//     where the previous article may have ended: a byline or trailer line
//     before them, the page start, or a finished sentence in an article that
//     expects no end byline (wire copy with its byline in the dateline, a
//     byline above the lead, no opener). An article printed with 本报讯 and
//     no byline yet is still waiting for its end byline, so a short
//     unpunctuated line inside it is a layout break, not a headline. The cost:
//     an unnumbered sub-head inside wire copy reads as a new article.
//
// Inside an article, text lines are re-joined into paragraphs: a line that
// does not end a sentence continues on the next text line, across blank
// lines (…务必保持清醒头脑,将 / 项目当作题目,…).

// lineKind classifies a page line.
type lineKind uint8

const (
	kText    lineKind = iota
	kOpener           // 本报讯, 新华社北京3月14日电(…), 据…消息, 【大河报讯】
	kByline           // 记者 鲁燕 通讯员 木坤坤
	kCaption          // 图为…, 本报记者 X 摄, (如图)
	kTrailer          // (责编：…), 【编辑:…】, (完), 来源：…
)

// headShape says whether a text line can be a headline line.
type headShape uint8

const (
	notHead    headShape = iota
	looseHead            // may be a headline when an opener follows
	strictHead           // looks like a headline even with no opener after it
)

// maxHeadRunes caps a headline line (one line may hold title and subtitle).
const maxHeadRunes = 70

// maxHeadLines is the most lines a headline has: one or two kicker lines,
// title, subtitle.
const maxHeadLines = 4

// maxBylineLines is the most lines one byline is printed on.
const maxBylineLines = 3

// maxSubheadRunes caps a numbered sub-head inside a body.
const maxSubheadRunes = 30

// maxNamesRunes caps a line of bare names (six names and their spaces).
const maxNamesRunes = 30

// maxTrailerRunes caps an editor trailer line.
const maxTrailerRunes = 60

type pline struct {
	text   string
	kind   lineKind
	op     opener // kOpener
	byline string // kByline, normalised
	ends   bool   // kText, kOpener: ends a sentence, so a paragraph may end here
	head   headShape
	// subhead: a short numbered sub-head (一、坚持问题导向), a paragraph of
	// its own although it has no final punctuation.
	subhead bool
	pic     bool // may hold an inline photo mark (如图)
	// endMark: a kText line ending in a trailer or byline glued after its
	// last sentence; the article ends with it.
	endMark bool
	// indent: the leading blanks the line was printed with, in bytes.
	indent int
	// names: a kText line of bare names (张三 李四), normalised. Whether it
	// is a byline depends on the line before it (see markNameLines).
	names string
	// longSub: a kText line too long or too comma-laden for a headline
	// line but with no sentence mark in it (爱国一家、爱国不分先后,我们希望…):
	// right above an opener, under a headline line, it is the subtitle.
	longSub bool
	// clean: a kText line with no sentence mark inside and no clause mark
	// or dangling word at its end.
	clean bool
}

// ParsePage splits page text into articles, in page order. Articles keep the
// text as printed (ASCII commas and all); only layout breaks are re-joined and
// furniture (bylines, captions, trailers) removed from the body.
func ParsePage(text string) ([]Article, error) {
	text = normalizeNewlines(text) // invalid UTF-8 is repaired line by line
	lines := classifyLines(text)
	if len(lines) == 0 {
		return nil, fmt.Errorf("parse page: %w", ErrEmpty)
	}
	strong := strongStarts(lines)
	var (
		out []Article
		cur *articleBuilder
		si  int
	)
	finish := func() {
		if cur != nil {
			if a, ok := cur.article(); ok {
				out = append(out, a)
			}
		}
	}
	for i := 0; i < len(lines); {
		for si < len(strong) && strong[si].head < i {
			si++ // a start inside lines already taken; cannot happen, never stall on it
		}
		if si < len(strong) && strong[si].head == i {
			finish()
			cur = newArticle(lines[i:strong[si].body])
			i = strong[si].body
			si++
			continue
		}
		h, b, ok, sub := weakStart(lines, i, cur)
		if ok {
			finish()
			cur = newArticle(lines[i:h])
			i = b
			continue
		}
		if cur != nil && !photoTitle(lines, i) {
			l := lines[i]
			l.subhead = l.subhead || sub
			cur.add(l)
		}
		i++
	}
	finish()
	if len(out) == 0 {
		return nil, fmt.Errorf("parse page: %w", ErrNoArticles)
	}
	return out, nil
}

// classifyLines cuts text into trimmed non-empty lines and classifies them.
func classifyLines(text string) []pline {
	lines := make([]pline, 0, strings.Count(text, "\n")/2+1)
	for text != "" {
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		if t := trimSpace(l); t != "" {
			p := classifyLine(t)
			p.indent = leadingBlanks(l)
			lines = append(lines, p)
		}
	}
	markNameLines(lines)
	return lines
}

// continuesLine: s starts with what cannot open a sentence or a headline — a
// particle (了, 的, 们) or a clause mark — so it continues the line above.
func continuesLine(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	switch r {
	case '了':
		return !hasAnyPrefix(s[n:], []string{"解", "结", "却", "不", "如", "无"})
	case '的':
		return !strings.HasPrefix(s[n:], "确")
	case '们':
		return true
	}
	return isClauseMark(r)
}

// leadingBlanks is the length in bytes of the blanks s starts with (ASCII
// and full-width spaces, tabs).
func leadingBlanks(s string) int {
	n := 0
	for n < len(s) {
		switch {
		case s[n] == ' ' || s[n] == '\t':
			n++
		case strings.HasPrefix(s[n:], "\u3000"):
			n += len("\u3000")
		default:
			return n
		}
	}
	return n
}

// markNameLines turns a line of bare names (张三 李四) into a byline when it
// follows a finished sentence: there it ends an article. Elsewhere — above a
// headline, at the page start — the same line may be a kicker.
func markNameLines(lines []pline) {
	for i := 1; i < len(lines); i++ {
		l, prev := &lines[i], lines[i-1]
		if l.kind == kText && prev.kind == kText && !prev.ends && continuesLine(l.text) {
			// 一上就上 / 了个头版头条: a line the next one continues in
			// mid-sentence is no headline.
			lines[i-1].head, lines[i-1].longSub, lines[i-1].names = notHead, false, ""
		}
		if l.kind == kText && prev.kind == kCaption && isBareEditorNote(prev.text) {
			// 编者按： alone on its line: the note is the next paragraph.
			l.kind = kCaption
			continue
		}
		if l.names != "" && (prev.kind == kText || prev.kind == kOpener) && prev.ends {
			l.kind, l.byline = kByline, l.names
		}
	}
}

func classifyLine(s string) pline {
	f := scanLine(s)
	if f.invalid {
		// Rare: repair only the lines that need it instead of checking the
		// whole text up front.
		s = strings.ToValidUTF8(s, "\uFFFD")
		f = scanLine(s)
	}
	p := pline{text: s}
	if op, ok := parseOpenerHint(s, f.wire); ok {
		p.kind, p.op = kOpener, op
		p.ends = op.rest != "" && endsParagraph(op.rest)
		return p
	}
	if b, ok := authorLine(s); ok {
		// 作者：雷收麦 《光明日报》( 2012年10月27日 06版): the author, named
		// without a role, above the lead or at the end.
		p.kind, p.byline = kByline, b
		return p
	}
	if f.runes <= maxTrailerRunes && isTrailer(s) || isWebClutter(s) {
		p.kind = kTrailer
		return p
	}
	if isEditorNote(s) {
		// 编者按 is not the article proper: like a caption it is dropped
		// and may stand between the headline and the lead.
		p.kind = kCaption
		return p
	}
	if i := creditTail(s); i > 0 && isPhotoNews(s[:i]) {
		// A news paragraph printed with a photo, its credit glued on
		// (…确保市民和车辆通行安全。本报记者 肖金雄 摄): the text is the
		// article's paragraph, ending here; cleanParagraph cuts the credit.
		p.ends = true
		return p
	}
	if isCaption(s) || isPhotoCaption(s) {
		p.kind = kCaption
		return p
	}
	if (f.role || f.commas == 0 && f.runes <= maxBylineRunes && outletLed(s)) && f.runes <= maxBylineRunes+22 {
		// Some papers print the end byline in brackets: （记者 鲁燕）;
		// web archives add their stamp: 本报记者 崔丽 《 中国青年报 》( …版).
		bl := s
		if loc := paperStampRe.FindStringIndex(s); loc != nil {
			bl = trimSpace(s[:loc[0]])
		}
		if b, credit, ok := parseByline(stripBrackets(bl), true); ok {
			if credit {
				p.kind = kCaption
			} else {
				p.kind, p.byline = kByline, b
			}
			return p
		}
	}
	p.ends = endsParagraph(s)
	if !p.ends && f.head == notHead {
		// …会议要求落实。 责编：王五 / … 记者 鲁燕: the article ends here.
		p.endMark = hasEndMark(s)
		p.ends = p.endMark
	}
	p.head = f.head
	p.longSub = f.head == notHead && f.clean && !p.ends && f.runes <= maxHeadRunes
	p.clean = f.clean
	p.pic = f.pic
	if f.head != notHead && f.runes <= maxNamesRunes && f.commas == 0 {
		p.names, _ = parseNamesLine(s)
	}
	p.subhead = p.head == looseHead && f.commas == 0 && f.runes <= maxSubheadRunes && isEnumerated(s) &&
		!strings.HasSuffix(s, "：") && !strings.HasSuffix(s, ":") // 一是： runs on into its list
	return p
}

// hasEndMark: after the last sentence of s stands an editor trailer or a
// byline (…落实。 责编：王五, …底色。 记者 鲁燕).
func hasEndMark(s string) bool {
	i := lastSentenceEnd(s)
	if i <= 0 || i >= len(s) {
		return false
	}
	tail := trimSpace(s[i:])
	if isTrailer(tail) {
		return true
	}
	_, credit, ok := parseByline(tail, true)
	return ok && !credit
}

// outletLed: the line's first word, up to a space, is a paper or media name
// (航空港时报 曾碧娟): a byline without a role word.
func outletLed(s string) bool {
	i := strings.IndexAny(s, " \u3000\t")
	return i > 0 && isOutletToken(s[:i])
}

// lineFacts are what one pass over a line learns, so that the checks after
// it need not scan the line again (substring searches are slow on CJK text:
// its UTF-8 lead bytes repeat every few bytes).
type lineFacts struct {
	runes  int
	commas int
	role   bool // holds 记者, 通讯员, 实习生 or 见习生
	wire   bool // 电, 讯, 消息 or 报道 among the first runes: maybe a dateline
	pic    bool // holds 图: maybe an inline (如图)
	head   headShape
	// clean: no sentence mark inside the line and no clause mark at its
	// end.
	clean bool
	// invalid: the line holds bytes that are not UTF-8.
	invalid bool
}

// wireWindow is how far into a line a dateline's 电/讯 may stand.
const wireWindow = 32

func scanLine(s string) lineFacts {
	var f lineFacts
	var last rune
	terminalSeen, badHead := false, false
	prev := rune(0)
	for i, n := 0, 0; i < len(s); i += n {
		// ASCII and three-byte (CJK) runes decoded inline: this loop is the
		// parser's hottest, and utf8.DecodeRuneInString is not inlined.
		var r rune
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			r, n = rune(c), 1
		case c&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE0 || s[i+1] >= 0xA0) && (c != 0xED || s[i+1] < 0xA0): // not overlong, not a surrogate
			r, n = rune(c&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F), 3
		default:
			r, n = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				f.invalid = true
			}
		}
		f.runes++
		switch r {
		case '记':
			f.role = f.role || strings.HasPrefix(s[i:], "记者")
		case '通':
			f.role = f.role || strings.HasPrefix(s[i:], "通讯员")
		case '实':
			f.role = f.role || strings.HasPrefix(s[i:], "实习生")
		case '见':
			f.role = f.role || strings.HasPrefix(s[i:], "见习生")
		case '电':
			f.wire = f.wire || f.runes <= wireWindow
		case '讯':
			f.wire = f.wire || f.runes <= wireWindow && prev != '通' // not 通讯员
		case '消':
			f.wire = f.wire || f.runes <= wireWindow && strings.HasPrefix(s[i:], "消息")
		case '报':
			f.wire = f.wire || f.runes <= wireWindow && strings.HasPrefix(s[i:], "报道")
		case '图':
			f.pic = true
		case '。', '；', ';', '…':
			badHead = true
		case '！', '？', '!', '?':
			terminalSeen = true
			last, prev = r, r
			continue
		case '，', ',':
			f.commas++
		}
		if terminalSeen && !isCloser(r) {
			badHead = true // a sentence mark inside the line
		}
		last, prev = r, r
	}
	f.clean = !badHead && !isClauseMark(last) && !strings.ContainsRune(danglingEnds, last)
	switch {
	case (last == '：' || last == ':') && !badHead && f.commas == 0 && f.runes <= maxHeadRunes:
		// …在看望委员时说： above a quoted title; in a body, a broken line.
		f.head = looseHead
	case badHead || f.runes > maxHeadRunes || isClauseMark(last):
		f.head = notHead
	case f.commas > 0:
		if f.runes <= 30 && f.commas <= 2 {
			f.head = looseHead
		}
	case strings.ContainsRune(danglingEnds, last) || isASCIIDigit(last) || isEnumerated(s):
		f.head = looseHead
	default:
		f.head = strictHead
	}
	return f
}

// start is where an article's headline begins and its body begins.
type start struct{ head, body int }

// strongStarts finds the articles introduced by an opener or by a byline line
// standing above the lead.
func strongStarts(lines []pline) []start {
	var out []start
	floor := 0 // headline lines never reach back before the previous anchor
	for j := 0; j < len(lines); j++ {
		if !isAnchor(lines, j) {
			continue
		}
		k, heads := j, 0
		for k > floor && heads < maxHeadLines {
			switch prev := lines[k-1]; {
			case prev.kind == kCaption && heads == 0:
				// A photo caption between the headline and the
				// opener; captions higher up end the headline.
				k--
				continue
			case prev.kind == kText && prev.head != notHead:
				k--
				heads++
				continue
			case prev.kind == kText && prev.longSub && heads == 0 && k-2 >= floor &&
				lines[k-2].kind == kText && lines[k-2].head != notHead:
				// A long subtitle with commas right above the opener,
				// under the title.
				k--
				heads++
				continue
			}
			break
		}
		for k < j && lines[k].kind == kCaption {
			k++ // captions above the headline belong to no one
		}
		if heads > 0 {
			out = append(out, start{head: k, body: j})
			floor = j + 1
		}
	}
	return out
}

// isAnchor: an opener line, or the first of a run of byline lines that is
// followed by the lead (an opener, or a paragraph rather than a headline).
func isAnchor(lines []pline, j int) bool {
	switch lines[j].kind {
	case kOpener:
		return true
	case kByline:
		if j > 0 && lines[j-1].kind == kByline {
			return false
		}
		m := j
		for m < len(lines) && lines[m].kind == kByline {
			m++
		}
		m = skipCaptions(lines, m)
		if m == len(lines) {
			return false
		}
		next := lines[m]
		return next.kind == kOpener || next.kind == kText && next.head == notHead
	}
	return false
}

// weakStart reports whether an article with no opener starts at line i: 1–3
// strict headline lines, then a paragraph, after a visible article end. It
// returns the index of the paragraph. sub reports a line that would start an
// article anywhere else but reads as a sub-head of the current one (see
// isSubhead); it is a paragraph of its own.
func weakStart(lines []pline, i int, cur *articleBuilder) (h, b int, ok, sub bool) {
	if lines[i].kind != kText || lines[i].head == notHead {
		return 0, 0, false, false
	}
	hard := i == 0 || lines[i-1].kind == kByline || lines[i-1].kind == kTrailer
	if !weakHeadLine(lines, i, true) && !(hard && looseFirstHead(lines, i)) {
		return 0, 0, false, false
	}
	if i > 0 {
		prev := lines[i-1]
		switch prev.kind {
		case kByline, kTrailer:
		case kCaption:
			if cur != nil && cur.expectsEnd && cur.byline == "" && cur.endByline == "" {
				return 0, 0, false, false
			}
		case kText, kOpener:
			if !prev.endMark && (!prev.ends || cur != nil && cur.expectsEnd) {
				return 0, 0, false, false
			}
			sub = !prev.endMark && isSubhead(lines[i], cur)
		default:
			return 0, 0, false, false
		}
	}
	h = i + 1
	for h < len(lines) && h-i < maxHeadLines && lines[h].kind == kText && weakHeadLine(lines, h, false) {
		h++
	}
	// Photo captions between headline and lead: credited ones, and the
	// numbered ones of a photo group (①市民在公园游玩).
	b = h
	for b < len(lines) && (lines[b].kind == kCaption || lines[b].kind == kText && isNumberedCaption(lines[b])) {
		b++
	}
	if b == len(lines) || lines[b].kind != kText || lines[b].head != notHead {
		return 0, 0, false, false
	}
	if sub {
		return 0, 0, false, h == i+1
	}
	return h, b, true, false
}

// photoTitle: a headline-shaped line over photo captions alone (图片新闻 /
// …。图为… / 本报记者 X 摄) titles a picture, not an article, and belongs to
// no article's body.
func photoTitle(lines []pline, i int) bool {
	l := lines[i]
	if l.kind != kText || l.head == notHead || l.ends || i+1 == len(lines) || lines[i+1].kind != kCaption {
		return false
	}
	j := skipCaptions(lines, i+1)
	return j == len(lines) || lines[j].kind != kText || lines[j].head != notHead
}

// looseFirstHead: at a page start or right after an article's end, the
// headline may open with a line looser than a strict one — a quoted title
// (“最美的路,就是回家的路”) or a kicker with commas over a strict title
// (上午,记者在奉贤看到… / 相信上海不久会恢复热闹).
func looseFirstHead(lines []pline, i int) bool {
	l := lines[i]
	if l.head != looseHead || !l.clean || l.subhead {
		return false
	}
	return isQuotedTitle(l.text) || i+1 < len(lines) && lines[i+1].kind == kText && lines[i+1].head == strictHead
}

// isNumberedCaption: a line of a photo group's captions, numbered with a
// circled digit and with no sentence end (②在德丰路口，私家车出入无需通行证).
func isNumberedCaption(l pline) bool {
	r, _ := utf8.DecodeRuneInString(l.text)
	return r >= '①' && r <= '⑳' && !l.ends
}

// isSubhead: a headline-shaped line l, between finished paragraphs of the
// current article and followed by a paragraph, is a sub-head inside it
// (终于被“请”出来了) rather than the next article's headline when
//
//   - the article's byline stood above its lead with no dateline: a feature
//     (通讯), which runs on under sub-heads; the next article on such a page
//     shows its own byline or dateline; or
//   - the page sets headlines and paragraphs apart by their indent and l
//     has the indent of this article's paragraphs, not of its headline.
func isSubhead(l pline, cur *articleBuilder) bool {
	if cur == nil || !cur.started {
		return false
	}
	if cur.bylineAbove && cur.dateline == "" {
		return true
	}
	return cur.bodyIndented && cur.headIndent != cur.bodyIndent && l.indent == cur.bodyIndent
}

// weakHeadLine: line h can be a headline line of an article without an
// opener — a strict headline line, or a looser one that only headlines print:
// a quoted title (“中国现在很稳定,我也放心”), a dash subtitle (——记…), a
// line introducing the quoted title below it (…时说：). first: the line would
// be the headline's first, where only strict lines and quote introductions
// may stand.
func weakHeadLine(lines []pline, h int, first bool) bool {
	l := lines[h]
	switch {
	case l.head == strictHead:
		return true
	case l.head != looseHead:
		return false
	case h+1 < len(lines) && lines[h+1].kind == kText && introducesQuote(l.text, lines[h+1].text):
		return true
	}
	return !first && (isQuotedTitle(l.text) || hasAnyPrefix(l.text, []string{"—", "--"}))
}

// isQuotedTitle: a line that is one quotation (“…”, “…”？), with no clause
// mark before the closing quote — body text breaks after “…，” and 。”.
func isQuotedTitle(s string) bool {
	if !strings.HasPrefix(s, "“") {
		return false
	}
	s = strings.TrimRight(s, "？！?!")
	if !strings.HasSuffix(s, "”") {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSuffix(s, "”"))
	return !isClauseMark(r)
}

// skipCaptions returns the first line at or after i that is not a caption.
func skipCaptions(lines []pline, i int) int {
	for i < len(lines) && lines[i].kind == kCaption {
		i++
	}
	return i
}

// endsParagraph: the line ends with a sentence-final mark (closers after it
// allowed) or an ellipsis, so the paragraph may end here.
func endsParagraph(s string) bool {
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		if isCloser(r) {
			s = s[:len(s)-n]
			continue
		}
		switch r {
		case '。', '！', '？', '｡', '!', '?', '…':
			return true
		case '.':
			prev, _ := utf8.DecodeLastRuneInString(s[:len(s)-n])
			return !isASCIILetter(prev) && !isASCIIDigit(prev) && prev != '.'
		}
		return false
	}
	return false
}

// danglingEnds are characters a headline does not end in but a line broken in
// mid-sentence often does (…各施工单位要把).
const danglingEnds = "把将对在和与及为被从向让使以于的之等并而且或是要由给跟同其按经据当若如就才都也还又再但却所着"

// headShapeOf decides whether a text line can be a headline line.
func headShapeOf(s string) headShape { return scanLine(s).head }

// isEnumerated: numbered sub-heads inside a body (一、… （二）… 3. … 第一，).
func isEnumerated(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	next, _ := utf8.DecodeRuneInString(s[n:])
	switch {
	case strings.ContainsRune("一二三四五六七八九十", r):
		return next == '、' || next == '是' || next == '要' || next == '．' || next == '.'
	case r == '（' || r == '(':
		return strings.ContainsRune("一二三四五六七八九十", next) || isASCIIDigit(next)
	case isASCIIDigit(r):
		return next == '.' || next == '、' || next == '．' || isASCIIDigit(next)
	case r == '第':
		return strings.ContainsRune("一二三四五六七八九十", next)
	case r >= '①' && r <= '⑳':
		return true
	}
	return false
}

// articleBuilder collects one article's lines.
type articleBuilder struct {
	head      []string
	dateline  string
	byline    string // from the opener or a line above the lead
	endByline string // from lines after the body
	started   bool   // the lead paragraph has begun
	// bareOpener: the opener stood alone on its line; a byline
	// parenthesis may start the next one.
	bareOpener bool
	ownCopy    bool
	// bylineAbove: the byline stood on its own line(s) between the
	// headline and the lead.
	bylineAbove bool
	// headIndent and bodyIndent are the leading blanks of the headline's
	// first line and of the first body line (bodyIndented: there was one).
	headIndent, bodyIndent int
	bodyIndented           bool
	// expectsEnd: 本报讯 with no byline yet; the byline will come at the end.
	expectsEnd bool
	inByline   bool // the previous line was an end byline line
	// bylineLines and endLines count the lines merged into byline and
	// endByline.
	bylineLines, endLines int
	paras                 []string
	// The paragraph being re-joined: one line stays a string (most
	// paragraphs are one line); joined lines go to a buffer.
	pendLine string
	pend     []byte
	pendEnds bool
	pendPic  bool // the pending paragraph may hold (如图)
}

func newArticle(head []pline) *articleBuilder {
	a := &articleBuilder{}
	if len(head) > 0 {
		a.headIndent = head[0].indent
	}
	for _, l := range head {
		if l.kind == kText { // not a caption between headline and opener
			a.head = append(a.head, l.text)
		}
	}
	if n := len(a.head); n >= 2 && isDashLine(a.head[n-2]) && isBareName(a.head[n-1]) {
		// 为农民提供施展才华的舞台 / ——南粤…扫瞄 / 常征: the author's
		// name under a dash subtitle.
		a.byline, a.bylineAbove, a.head = a.head[n-1], true, a.head[:n-1]
	}
	return a
}

// isDashLine: a line opening with a dash, as subtitles do (——记…).
func isDashLine(s string) bool { return hasAnyPrefix(s, []string{"—", "--"}) }

// isBareName: one personal name alone on a line (常征).
func isBareName(s string) bool { return isSurnameName(s) && !isStopName(s) }

// add takes the next line of the article.
func (a *articleBuilder) add(l pline) {
	if l.kind != kByline {
		a.inByline = false
	}
	if !a.bodyIndented && (l.kind == kText || l.kind == kOpener) {
		a.bodyIndented, a.bodyIndent = true, l.indent
	}
	switch l.kind {
	case kOpener:
		if a.started || a.dateline != "" {
			a.addText(l.text, endsParagraph(l.text)) // an opener-like line inside a body is text
			return
		}
		a.dateline, a.ownCopy = l.op.dateline, l.op.ownCopy
		if l.op.byline != "" {
			a.byline = joinBylines(a.byline, l.op.byline)
		}
		a.expectsEnd = a.ownCopy && a.byline == ""
		a.started = true
		a.bareOpener = l.op.rest == ""
		if l.op.rest != "" {
			a.pendPic = true // openers are few: no need to scan for 图
			a.addText(l.op.rest, endsParagraph(l.op.rest))
		}
	case kByline:
		// A byline spans at most maxBylineLines lines; more byline-like
		// lines are dropped rather than merged.
		switch {
		case !a.started:
			if a.bylineLines < maxBylineLines {
				a.byline = joinBylines(a.byline, l.byline)
				a.bylineLines++
				a.bylineAbove = true
			}
		case a.inByline || a.endByline == "":
			a.flush()
			if a.endLines < maxBylineLines {
				a.endByline = joinBylines(a.endByline, l.byline)
				a.endLines++
			}
			a.inByline = true
		default:
			a.flush() // a second byline block (a sidebar's); dropped
		}
	case kCaption, kTrailer:
		a.flush()
	default:
		a.started = true
		if a.bareOpener {
			// 本报讯 alone on its line, the parenthesis starting the next:
			// (记者 鲁燕 通讯员 李晨)2月7日,…
			a.bareOpener = false
			if b, after, ok := cutParenByline(l.text); ok {
				a.byline = joinBylines(a.byline, b)
				a.expectsEnd = false
				if after = trimSpace(after); after == "" {
					return
				}
				a.pendPic = a.pendPic || l.pic
				a.addText(after, endsParagraph(after))
				return
			}
		}
		if l.subhead {
			a.flush()
			a.addText(l.text, true)
			return
		}
		a.pendPic = a.pendPic || l.pic
		a.addText(l.text, l.ends)
	}
}

// addText re-joins a line into the pending paragraph when that paragraph did
// not end a sentence, or when the line starts with punctuation that cannot
// open a paragraph (a closing quote, a comma).
func (a *articleBuilder) addText(s string, ends bool) {
	if a.pendLine != "" || len(a.pend) > 0 {
		first, _ := utf8.DecodeRuneInString(s)
		if !a.pendEnds || isCloser(first) || isClauseMark(first) {
			if a.pendLine != "" {
				a.pend = append(a.pend[:0], a.pendLine...)
				a.pendLine = ""
			}
			last, _ := utf8.DecodeLastRune(a.pend)
			if isASCIILetter(last) && isASCIILetter(first) {
				a.pend = append(a.pend, ' ')
			}
			a.pend = append(a.pend, s...)
			a.pendEnds = ends
			return
		}
		a.flush()
	}
	a.pendLine, a.pendEnds = s, ends
}

// flush closes the pending paragraph.
func (a *articleBuilder) flush() {
	p := a.pendLine
	if len(a.pend) > 0 {
		p = string(a.pend)
	}
	if p == "" {
		return
	}
	p, b := cleanParagraph(p, a.pendPic)
	a.pendLine, a.pend, a.pendPic = "", a.pend[:0], false
	if b != "" && a.endByline == "" {
		a.endByline = b
	}
	if p != "" {
		a.paras = append(a.paras, p)
	}
}

// article assembles the result; false when the article has no title or lead.
func (a *articleBuilder) article() (Article, bool) {
	a.flush()
	if len(a.paras) == 0 {
		return Article{}, false
	}
	head := a.head
	if len(head) > 1 {
		head = joinBrokenTitle(head, a.paras[0])
	}
	kicker, title, subtitle := splitHeadline(head)
	if title == "" {
		return Article{}, false
	}
	lead := FirstSentence(a.paras[0])
	if lead == "" {
		return Article{}, false
	}
	return Article{
		Kicker:   kicker,
		Title:    title,
		Subtitle: subtitle,
		Dateline: a.dateline,
		Byline:   joinBylines(a.byline, a.endByline),
		Lead:     lead,
		Body:     strings.Join(a.paras, "\n"),
	}, true
}

// joinBylines appends b to a unless a already names it.
func joinBylines(a, b string) string {
	switch {
	case b == "" || strings.Contains(a, b):
		return a
	case a == "" || strings.Contains(b, a):
		return b
	}
	return a + " " + b
}

// inlineFurniture is removed wherever it stands in a paragraph.
var inlineFurniture = []string{"（如图）", "(如图)", "（见图）", "(见图)"}

// cleanParagraph removes inline photo marks (when pic says there may be
// some) and a trailer or byline glued to the paragraph's end (…新台阶。(完),
// …底色。 记者 鲁燕). It returns the paragraph and any byline found.
func cleanParagraph(p string, pic bool) (string, string) {
	if pic {
		for _, f := range inlineFurniture {
			p = strings.ReplaceAll(p, f, "")
		}
	}
	p = trimSpace(p)
	for {
		q := cutTrailingTrailer(p)
		if i := lastSentenceEnd(q); q == p && i > 0 && i < len(q) && isTrailer(trimSpace(q[i:])) {
			q = trimSpace(q[:i]) // …会议八。 责任编辑：王五
		}
		if q == p {
			break
		}
		p = q
	}
	byline := ""
	if i := lastSentenceEnd(p); i > 0 && i < len(p) {
		tail := trimSpace(p[i:])
		if b, credit, ok := parseByline(tail, true); ok {
			// A photo credit (… 本报记者 王五 摄) names no author.
			if !credit {
				byline = b
			}
			p = trimSpace(p[:i])
		} else if creditTail(p) == i {
			p = trimSpace(p[:i]) // …。新华社发（李贺 摄）
		}
	}
	return p, byline
}

// cutTrailingTrailer removes one bracketed trailer at the end of p: (完),
// （责编：…）, 【编辑:…】.
func cutTrailingTrailer(p string) string {
	last, _ := utf8.DecodeLastRuneInString(p)
	var open string
	switch last {
	case '）':
		open = "（"
	case ')':
		open = "("
	case '】':
		open = "【"
	case '］':
		open = "［"
	default:
		return p
	}
	i := strings.LastIndex(p, open)
	if i < 0 {
		// （完) and other mixed pairs
		if i = strings.LastIndexAny(p, "（(【［"); i < 0 {
			return p
		}
	}
	if i == 0 || !isTrailer(p[i:]) {
		return p
	}
	return trimSpace(p[:i])
}

// lastSentenceEnd returns the byte offset just after the last sentence-final
// mark (and its closers) in p, or -1.
func lastSentenceEnd(p string) int {
	for i := len(p); i > 0; {
		r, n := utf8.DecodeLastRuneInString(p[:i])
		if isFullStop(r) {
			j := i
			for j < len(p) {
				r2, n2 := utf8.DecodeRuneInString(p[j:])
				if !isCloser(r2) {
					break
				}
				j += n2
			}
			return j
		}
		i -= n
		if len(p)-i > maxBylineRunes*4 {
			return -1 // a byline tail is short; stop looking
		}
	}
	return -1
}
