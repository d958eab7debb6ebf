package digest

import (
	"strings"
	"unicode/utf8"
)

// A headline is 1–3 lines: 引题 (kicker), 主题 (title), 副题 (subtitle). In
// text copied from an e-paper a title and its subtitle often share one line,
// separated by spaces: 中原区…推进会举行 夯实基础 积蓄动能. The main title is
// the factual phrase — who did what (…举行, …召开, 调研…); slogan-like
// parallel phrases around it are kicker (before) or subtitle (after).

// eventWords mark the factual phrase of a headline.
var eventWords = []string{
	"举行", "召开", "举办", "开幕", "闭幕", "落幕", "启动", "启幕", "开班", "开讲", "开工", "竣工", "开通",
	"通车", "投用", "投产", "揭牌", "挂牌", "签约", "签署", "调研", "视察", "督导", "督查", "检查", "观摩",
	"走访", "看望", "慰问", "会见", "座谈", "发布", "印发", "出台", "部署", "宣讲", "颁奖", "推进会",
	"培训会", "座谈会", "动员会", "大会", "会议", "获评", "荣获", "获批", "入选", "上线", "亮相", "开展",
	"完成", "落地", "开业", "成立", "当选", "出炉", "公布", "迎来", "破获", "告破", "侦破",
}

// subjectWords suggest the phrase starts with who acted (中原区, 区领导, 市委).
var subjectWords = []string{"区", "市", "省", "县", "镇", "乡", "街道", "社区", "村", "委", "局", "院", "校",
	"厅", "部", "办", "中心", "公司", "集团", "协会", "政府", "法院", "医院", "学校", "企业"}

// sloganStarts begin exhortations (夯实基础, 让各类人才…, 以“开门红”…).
var sloganStarts = []string{
	"以", "让", "帮", "不断", "奋力", "持续", "全力", "加快", "推动", "提高", "提升", "夯实", "树立", "表彰",
	"助力", "聚焦", "着力", "深入", "坚持", "共建", "共创", "携手", "筑牢", "守护", "打造", "凝聚", "汇聚",
	"激发", "厚植", "擦亮", "跑出", "奏响", "书写", "绘就", "争做", "争当", "勇当", "做好", "抓好", "建好",
	"用好", "扛牢", "积蓄", "激活", "点亮", "共享", "共筑", "喜迎", "迎接", "弘扬", "传承", "践行", "推进",
	"促进", "增强", "优化", "强化", "狠抓", "实现", "确保", "力促", "力争", "全面", "大力", "切实", "扎实",
	"积极", "努力", "进一步", "勇于", "敢于", "善于", "赋能", "护航", "把", "向", "用", "在", "为",
}

// splitHeadline assigns the headline lines to kicker, title and subtitle.
func splitHeadline(lines []string) (kicker, title, subtitle string) {
	norm := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = collapseSpaces(l); l != "" {
			norm = append(norm, l)
		}
	}
	if len(norm) == 0 {
		return "", "", ""
	}
	t := titleLine(norm)
	phrases := splitPhrases(norm[t])
	if len(phrases) == 2 && onePhrase(phrases[0], phrases[1]) {
		phrases = []string{norm[t]}
	}
	f := factualPhrase(phrases)
	var kick, sub []string
	kick = append(kick, norm[:t]...)
	kick = append(kick, phrases[:f]...)
	sub = append(sub, phrases[f+1:]...)
	sub = append(sub, norm[t+1:]...)
	kept := sub[:0]
	for _, l := range sub {
		if l = cutDash(l); l != "" { // each subtitle line may open with its dash
			kept = append(kept, l)
		}
	}
	subtitle = strings.Join(kept, " ")
	return strings.Join(kick, " "), phrases[f], subtitle
}

// predicateStarts open a phrase that has no subject of its own: it goes on
// with the subject of the phrase before it (日方企图排放核污染水 将严重影响人类健康).
var predicateStarts = []string{"将", "已", "正在", "仍", "均", "都", "并", "却", "也", "还", "又", "再", "更"}

// onePhrase reports whether a line printed as "a b" is one title whose
// halves read on into each other rather than a title and its subtitle:
// b goes on with a's subject (…核污染水 将严重影响…), or b is the noun that
// a, with no event of its own, describes (绵延三十年 剪不断的情缘).
// 春季流感高发 家长该如何应对？ and 夜市经济升温 街区消费回暖 are two.
func onePhrase(a, b string) bool {
	if hasAnyPrefix(b, predicateStarts) {
		return true
	}
	i := strings.LastIndex(b, "的")
	if i <= 0 || hasEventWord(a) || hasEventWord(b) || hasIndexedPrefix(b, sloganIndex) {
		return false
	}
	noun := b[i+len("的"):]
	n := utf8.RuneCountInString(noun)
	return n >= 1 && n <= 3 && !strings.ContainsAny(noun, "？！?!")
}

// joinBrokenTitle joins a title printed over several lines in the middle of
// a phrase (市十七届 / 人大五次会议 / 主席团召开 / 第四次会议): a run of
// lines that, joined, the lead paragraph repeats word for word.
func joinBrokenTitle(lines []string, lead string) []string {
	for s := 0; s+1 < len(lines); s++ {
		for e := len(lines); e >= s+2; e-- {
			joined, ok := joinRun(lines[s:e])
			if !ok || !strings.Contains(lead, joined) {
				continue
			}
			out := append([]string{}, lines[:s]...)
			out = append(out, joined)
			return append(out, lines[e:]...)
		}
	}
	return lines
}

// joinRun joins lines with nothing between them; false when a line holds
// phrases of its own (a space) or opens with a dash: such lines are parts of
// a headline, not pieces of one phrase.
func joinRun(run []string) (string, bool) {
	for _, l := range run {
		if strings.ContainsAny(l, " \u3000\t") || hasAnyPrefix(l, []string{"—", "--"}) {
			return "", false
		}
	}
	return strings.Join(run, ""), true
}

// cutDash removes the dash a subtitle line opens with (——记…).
func cutDash(l string) string {
	for _, p := range []string{"——", "—", "--"} {
		if s, ok := strings.CutPrefix(l, p); ok {
			return trimSpace(s)
		}
	}
	return l
}

// titleLine picks the main-title line: the most factual; on a tie the first of
// two lines (主题 + 副题) or the middle of three (引题 + 主题 + 副题), unless a
// line opens with a dash (a subtitle) or reads as parallel slogans.
func titleLine(lines []string) int {
	if len(lines) == 1 {
		return 0
	}
	best, bestScore := -1, 0
	def, defScore := 0, 0
	if len(lines) >= 3 {
		def = 1
	}
	for i, l := range lines {
		phrases := splitPhrases(l)
		sc, event := -100, false
		for _, p := range phrases {
			sc = max(sc, phraseScore(p))
			event = event || hasEventWord(p)
		}
		if len(phrases) > 1 && !event {
			sc-- // parallel phrases without an event read as slogans
		}
		if strings.HasPrefix(l, "—") || strings.HasPrefix(l, "--") {
			sc -= 10
		}
		if i+1 < len(lines) && (introducesQuote(l, lines[i+1]) || hasAnySuffix(l, sayingEnds)) {
			// 习近平在看望…委员时说 / “中国现在很稳定,我也放心”, 一些国家重申
			// / 坚决支持一个中国立场: what was said is the title, the
			// line saying who said it a kicker.
			sc -= 10
		}
		if isSeriesLine(l) {
			sc -= 10 // 深化改革系列述评之十一 names the series, not the story
		}
		if strings.ContainsAny(l, "，,") && !isQuotedTitle(l) {
			// 上午,记者在奉贤看到市民生活如往昔: a line of clauses sets the
			// scene or spells out; the title is one phrase.
			sc -= eventScore
		}
		if i == 0 && utf8.RuneCountInString(l) <= 4 {
			sc -= eventScore // 光明情结: a column's name over the title
		}
		if i == def {
			defScore = sc
		}
		if best < 0 || sc > bestScore || sc == bestScore && i == def {
			best, bestScore = i, sc
		}
	}
	// The printed order is the better guide (主题 + 副题, 引题 + 主题 +
	// 副题): another line wins only by an event word's worth, not by a
	// subject word alone (开发区将于4月13日封关 under 海南洋浦开发紧锣密鼓).
	if bestScore-defScore < eventScore {
		return def
	}
	return best
}

// seriesMarks name a series or column a headline line belongs to.
// (系列活动 is an event, not a series of articles).
var seriesMarks = []string{"系列述评", "系列报道", "系列评论", "述评之", "评论员文章", "系列谈"}

// isSeriesLine: a headline line naming its series: 深化改革系列述评之十一,
// …系列报道之三.
func isSeriesLine(l string) bool {
	if endsInNumeral(l) {
		return true
	}
	for _, m := range seriesMarks {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// endsInNumeral: l ends in 之 and a Chinese numeral (…之十一).
func endsInNumeral(l string) bool {
	i := strings.LastIndex(l, "之")
	if i < 0 {
		return false
	}
	tail := l[i+len("之"):]
	if tail == "" {
		return false
	}
	for _, r := range tail {
		if !strings.ContainsRune("一二三四五六七八九十百零〇", r) {
			return false
		}
	}
	return true
}

// speechEnds end a headline line that introduces a quotation on the next
// line (…时说, …强调, …寄语).
var speechEnds = []string{"说", "表示", "强调", "指出", "重申", "宣布", "寄语", "要求", "提出", "谈到", "回信", "致信", "：", ":"}

// sayingEnds end a headline line that introduces the next even without a
// quotation mark (一些国家重申 / 坚决支持一个中国立场). A bare 说 is left
// out: 听听群众怎么说 is a title.
var sayingEnds = []string{"时说", "时表示", "时强调", "时指出", "重申", "表示", "强调", "指出", "宣布", "：", ":"}

// introducesQuote: line l ends in a speech verb or a colon and the next line
// opens with a quotation mark.
func introducesQuote(l, next string) bool {
	return hasAnyPrefix(next, []string{"“", "「", "『", "\""}) && hasAnySuffix(l, speechEnds)
}

// factualPhrase picks the factual phrase: the highest score, the first on a
// tie — with no factual signal, one-line dumps put 主题 before 副题
// (春季流感高发 家长该如何应对？).
func factualPhrase(phrases []string) int {
	best, bestScore := 0, 0
	for i, p := range phrases {
		if sc := phraseScore(p); i == 0 || sc > bestScore {
			best, bestScore = i, sc
		}
	}
	return best
}

// eventScore is what an event word adds to a phrase's score.
const eventScore = 4

// phraseScore: event word +4, a subject near the start +2, a slogan start -3.
func phraseScore(p string) int {
	sc := 0
	if hasEventWord(p) {
		sc += eventScore
	}
	head := p
	if len(head) > 8*3 {
		head = head[:8*3]
	}
	if containsAnyWord(head, subjectIndex) {
		sc += 2
	}
	if hasIndexedPrefix(p, sloganIndex) {
		sc -= 3
	}
	return sc
}

// splitPhrases splits a headline line at spaces, except spaces between ASCII
// words (iPhone 15 stays whole).
func splitPhrases(l string) []string {
	var out []string
	start := 0
	for i := 0; i < len(l); {
		if l[i] != ' ' {
			_, n := utf8.DecodeRuneInString(l[i:])
			i += n
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(l[:i])
		next, _ := utf8.DecodeRuneInString(l[i+1:])
		if (isASCIILetter(prev) || isASCIIDigit(prev)) && (isASCIILetter(next) || isASCIIDigit(next)) {
			i++
			continue
		}
		if p := l[start:i]; p != "" {
			out = append(out, p)
		}
		start = i + 1
		i++
	}
	if p := l[start:]; p != "" {
		out = append(out, p)
	}
	if len(out) == 0 {
		return []string{l}
	}
	return out
}

// collapseSpaces trims s and turns every run of whitespace (full-width
// included) into one ASCII space.
func collapseSpaces(s string) string {
	s = trimSpace(s)
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range trimSpace(s) {
		if isSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasEventWord(p string) bool {
	if strings.Contains(p, "大会堂") {
		// 人民大会堂 is a place, not a 大会: judge the rest of the phrase.
		p = strings.ReplaceAll(p, "大会堂", "堂")
	}
	return containsAnyWord(p, eventIndex)
}

// wordIndex maps a word's first rune to the words starting with it, so a
// phrase is scanned once instead of once per word. Built at init, never
// written after.
type wordIndex map[rune][]string

func newWordIndex(words []string) wordIndex {
	idx := wordIndex{}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		idx[r] = append(idx[r], w)
	}
	return idx
}

var (
	eventIndex   = newWordIndex(eventWords)
	subjectIndex = newWordIndex(subjectWords)
	sloganIndex  = newWordIndex(sloganStarts)
)

// hasIndexedPrefix reports whether s starts with one of the indexed words.
func hasIndexedPrefix(s string, idx wordIndex) bool {
	r, _ := utf8.DecodeRuneInString(s)
	for _, w := range idx[r] {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// containsAnyWord reports whether s contains one of the indexed words.
func containsAnyWord(s string, idx wordIndex) bool {
	for i, r := range s {
		for _, w := range idx[r] {
			if strings.HasPrefix(s[i:], w) {
				return true
			}
		}
	}
	return false
}

// needsCollapse: s holds whitespace other than single ASCII spaces.
func needsCollapse(s string) bool {
	prevSpace := false
	for _, r := range s {
		if r == ' ' {
			if prevSpace {
				return true
			}
			prevSpace = true
			continue
		}
		if isSpace(r) {
			return true
		}
		prevSpace = false
	}
	return false
}
