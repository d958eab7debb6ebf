package digest

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Bylines name reporters by role: 记者 鲁燕 通讯员 木坤坤. Printed forms vary
// (本报记者, 郑报全媒体记者, □晚报记者, 记者熊争艳、丁小溪, … 文/图); parseByline
// reduces them to "role name name role name" with single spaces. Paper and
// media prefixes are dropped (本报记者, 郑州晚报记者 → 记者); ranks that say
// something about the person stay (首席记者, 见习记者, 特约记者, 摄影记者).

// maxBylineRunes caps a byline line: longer lines are text.
const maxBylineRunes = 40

// roleCores are the role words a byline token can end in, longest first.
var roleCores = []string{"特约通讯员", "通讯员", "实习生", "见习生", "记者"}

// keptRanks are prefixes of 记者 kept in the normalised byline.
var keptRanks = []string{"首席", "见习", "特约", "摄影", "驻站", "特派"}

// mediaSuffixes end a paper or media name that prefixes 记者 (本报记者,
// 郑州晚报记者, 大河网记者, 郑报全媒体记者, 郑报融媒记者, 大象新闻记者).
var mediaSuffixes = []string{"全媒体", "融媒体", "媒体", "融媒", "新闻", "日报", "晚报", "时报", "报", "台", "网", "社", "刊", "频道", "中心",
	"客户端"}

// bylineSuffixes are credits printed after the names.
var bylineSuffixes = []string{"文/图", "文／图", "图/文", "图／文", "文图", "图文", "报道", "整理"}

// creditSuffixes mark a photo credit (本报记者 王鹏 摄): furniture, not a byline.
var creditSuffixes = []string{"摄影报道", "摄影", "摄"}

// nameStopStarts begin words that follow 记者 in running text (记者了解到，
// 记者从…获悉); a name token starting with one is not a name.
var nameStopStarts = []string{
	"了解", "获悉", "看到", "发现", "注意", "采访", "走访", "调查", "探访", "实地", "一行", "们",
	"了", "从", "在", "获", "看", "发", "注", "采", "近", "昨", "今", "随", "对", "跟", "走", "到",
	"表", "说", "问", "现", "调", "探", "也", "又", "再", "还", "就", "都", "会", "正", "已", "是",
	"为", "被", "把", "的", "前", "日", "与", "及", "等", "这", "那", "该", "此",
}

// bylineRole is one normalised role with its names.
type bylineRole struct {
	role  string
	names []string
	// outlet: the role stands for an outlet's name printed without 记者;
	// its names must read as names (中原网 全新改版 is a headline).
	outlet bool
}

// parseByline parses s as a byline. requireRole is false for the contents of
// an opener's parenthesis, where a bare name is a byline (中新网…电(张晓涛)).
// credit reports a photo credit (… 摄).
func parseByline(s string, requireRole bool) (norm string, credit, ok bool) {
	if len(s) > maxBylineRunes*4 {
		return "", false, false
	}
	s = trimSpace(s)
	for _, p := range []string{"□", "■", "●", "◆", "◇", "○"} {
		s = trimSpace(strings.TrimPrefix(s, p))
	}
	if s == "" || utf8.RuneCountInString(s) > maxBylineRunes {
		return "", false, false
	}
	// Cheap rejections before tokenising: sentence punctuation, digits.
	for _, r := range s {
		switch {
		case r == '。', r == '！', r == '？', r == '!', r == '?', r == '；', r == ';', r == '：', r == ':',
			r == '“', r == '”', r == '（', r == '）', r == '(', r == ')', r == '《', r == '》':
			return "", false, false
		case isASCIIDigit(r):
			return "", false, false
		}
	}
	// Trailing credits: … 文/图 (byline) or … 摄 (photo credit), separate or
	// glued to the last name (王鹏摄).
	for _, suf := range creditSuffixes {
		if strings.HasSuffix(s, suf) {
			s, credit = trimSpace(strings.TrimSuffix(s, suf)), true
			break
		}
	}
	if !credit {
		for _, suf := range bylineSuffixes {
			if strings.HasSuffix(s, suf) {
				s = trimSpace(strings.TrimSuffix(s, suf))
				break
			}
		}
	}
	tokens := splitBylineTokens(s)
	if len(tokens) == 0 {
		return "", false, false
	}
	var roles []bylineRole
	for _, t := range tokens {
		var good bool
		roles, good = addBylineToken(roles, t)
		if !good {
			return "", false, false
		}
	}
	names := 0
	hasRole := false
	for _, r := range roles {
		if r.outlet {
			if len(r.names) == 0 {
				return "", false, false
			}
			for _, n := range r.names {
				if !isSurnameName(n) {
					return "", false, false
				}
			}
		}
		names += len(r.names)
		if r.role != "" {
			hasRole = true
		}
	}
	if names == 0 || (requireRole && !hasRole) || (requireRole && roles[0].role == "") {
		return "", false, false
	}
	var b strings.Builder
	for _, r := range roles {
		if r.role != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(r.role)
		}
		for _, n := range r.names {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(n)
		}
	}
	return b.String(), credit, true
}

// splitBylineTokens splits at spaces and name separators (、，, / ／).
func splitBylineTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return isSpace(r) || r == '、' || r == '，' || r == ',' || r == '/' || r == '／' || r == '|'
	})
}

// addBylineToken adds one token (a role, a name, or a role glued to names such
// as 记者熊争艳 or 鲁燕通讯员木坤坤) to roles. It reports false when the
// token is neither.
func addBylineToken(roles []bylineRole, t string) ([]bylineRole, bool) {
	for t != "" {
		i, core := findRoleCore(t)
		if i < 0 {
			if len(roles) == 0 && isOutletToken(t) {
				// 航空港时报 曾碧娟: the outlet stands for its reporter,
				// as 郑州晚报记者 does.
				return append(roles, bylineRole{role: "记者", outlet: true}), true
			}
			names, ok := splitNames(t)
			if !ok || isStopName(t) {
				return roles, false
			}
			if len(roles) == 0 {
				roles = append(roles, bylineRole{})
			}
			roles[len(roles)-1].names = append(roles[len(roles)-1].names, names...)
			return roles, true
		}
		prefix := t[:i]
		role, ok := normaliseRole(prefix, core)
		if !ok {
			// The prefix is a name glued to the next role (鲁燕通讯员木坤坤).
			names, ok := splitNames(prefix)
			if !ok || isStopName(prefix) || len(roles) == 0 {
				return roles, false
			}
			roles[len(roles)-1].names = append(roles[len(roles)-1].names, names...)
			role = core
		}
		roles = append(roles, bylineRole{role: role})
		t = t[i+len(core):]
	}
	return roles, true
}

// findRoleCore finds the first role word in t.
func findRoleCore(t string) (int, string) {
	best, bestCore := -1, ""
	for _, c := range roleCores {
		if i := strings.Index(t, c); i >= 0 && (best < 0 || i < best) {
			best, bestCore = i, c
		}
	}
	return best, bestCore
}

// normaliseRole turns prefix+core into the normalised role, reporting false
// when prefix is not a media name or rank (then it is a name).
func normaliseRole(prefix, core string) (string, bool) {
	if prefix == "" {
		return core, true
	}
	if core != "记者" {
		// 特约通讯员 is its own core; other prefixes of 通讯员/实习生 are
		// media names (本报通讯员) or names.
		if hasMediaSuffix(prefix) {
			return core, true
		}
		return "", false
	}
	rank := ""
	for _, k := range keptRanks {
		if strings.HasSuffix(prefix, k) {
			rank, prefix = k, strings.TrimSuffix(prefix, k)
			break
		}
	}
	if prefix == "" || hasMediaSuffix(prefix) {
		return rank + core, true
	}
	return "", false
}

// isOutletToken: a paper or media name standing alone before the names
// (航空港时报, 郑州日报, 中原融媒): 3–10 Han characters ending in a media
// suffix. Two characters are too often a name (周报 is not, but 林台 is).
func isOutletToken(t string) bool {
	n := 0
	for _, r := range t {
		if !isHan(r) {
			return false
		}
		n++
	}
	// 王建社, 黄河报: three characters from a surname read as a name first.
	return n >= 3 && hasMediaSuffix(t) && (n > 3 || !isSurnameName(t))
}

func hasMediaSuffix(p string) bool {
	if utf8.RuneCountInString(p) > 10 {
		return false
	}
	for _, s := range mediaSuffixes {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// isNameToken: 2–4 Han characters, or a transcribed name with a middle dot
// (阿依古丽·买买提) of up to 16.
func isNameToken(t string) bool {
	n, dot := 0, false
	for _, r := range t {
		switch {
		case r == '·' || r == '•' || r == '・':
			dot = true
		case !isHan(r):
			return false
		}
		n++
	}
	if dot {
		return n >= 3 && n <= 16
	}
	return n >= 2 && n <= 4
}

func isStopName(t string) bool { return hasIndexedPrefix(t, nameStopIndex) }

var nameStopIndex = newWordIndex(nameStopStarts)

// Trailers are editor furniture at an article's end.

// trailerKeys start a trailer line once brackets are stripped; a colon
// follows.
var trailerKeys = []string{"责任编辑", "值班编辑", "编辑", "责编", "审核", "审校", "校对", "终审", "编审", "美编",
	"制图", "来源", "作者", "原标题", "稿件来源", "统筹", "监制"}

// trailerFirstRunes are the runes a trailer line can start with.
const trailerFirstRunes = "（(【[〔［责值编审校终美制来作原稿统监完"

// isTrailer reports editor lines: （责编：…）, 【编辑:…】, 责任编辑：…, 来源：…,
// (完), and editor codes like ②9.
func isTrailer(s string) bool {
	if len(s) > 60*4 || utf8.RuneCountInString(s) > 60 {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s); !strings.ContainsRune(trailerFirstRunes, r) && !(r >= '①' && r <= '⑳') {
		return false
	}
	inner := stripBrackets(s)
	if inner == "完" || inner == "全文完" {
		return true
	}
	// Page-jump marks: （下转第二版）, (上接1版).
	if inner != s && hasAnyPrefix(inner, []string{"上接", "下转", "转第", "接第"}) {
		return true
	}
	for _, k := range trailerKeys {
		if rest, ok := strings.CutPrefix(inner, k); ok {
			spaced := rest != trimSpace(rest)
			rest = trimSpace(rest)
			if strings.HasPrefix(rest, "：") || strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "/") {
				return true
			}
			// 责任编辑 王五, (责编 王五), 编辑 王五 校对 李四: no colon, so
			// only names (and more keys) may follow.
			if spaced && editorNames(rest) {
				return true
			}
		}
	}
	return isEditorCode(s)
}

// editorNames: s is a list of names, maybe with more trailer keys between
// them (王五 校对 李四), holding at least one name.
func editorNames(s string) bool {
	names := 0
	for _, t := range splitBylineTokens(s) {
		switch {
		case slicesContains(trailerKeys, t):
		case isNameToken(t) && !isStopName(t):
			names++
		default:
			return false
		}
	}
	return names > 0
}

func slicesContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// paperStampRe: the stamp a paper's web archive puts under a headline
// (a caption-like line, see isCaption):
// 《 青年参考 》( 2011年08月31日   15 版).
var paperStampRe = regexp.MustCompile(`《\s*[^》]{2,20}?\s*》\s*[（(]\s*\d{4}年\d{1,2}月\d{1,2}日\s*[A-Za-z]?\d{0,3}\s*版\s*[)）]$`)

// authorLine reads a 作者 line (作者：雷收麦, 作者: 张三 李四 with a web
// archive's stamp after it) and returns its names, normalised.
func authorLine(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "作者")
	if !ok {
		return "", false
	}
	rest = trimSpace(rest)
	if rest, ok = cutAnyPrefix(rest, "：", ":"); !ok {
		return "", false
	}
	if loc := paperStampRe.FindStringIndex(rest); loc != nil {
		rest = rest[:loc[0]]
	}
	b, credit, ok := parseByline(trimSpace(rest), false)
	return b, ok && !credit
}

// cutAnyPrefix removes the first of ps that s starts with.
func cutAnyPrefix(s string, ps ...string) (string, bool) {
	for _, p := range ps {
		if r, ok := strings.CutPrefix(s, p); ok {
			return r, true
		}
	}
	return s, false
}

// Web clutter: lines a site adds around a story forwarded as text — the
// day's date (2025年4月30日 星期三) and the address it came from (source
// http://…, 原文链接：https://…).
var (
	dateLineRe = regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日\s*(?:(?:星期|周|礼拜)[一二三四五六日天])?$`)
	urlLineRe  = regexp.MustCompile(`^(?i:source|from|via|link|url|原文链接|原文地址|原文|链接|来源|出处|网址)?\s*[:：]?\s*https?://[!-~]+$`)
)

// isWebClutter reports a date line or an address line.
func isWebClutter(s string) bool {
	switch c := s[0]; {
	case c >= '0' && c <= '9':
		return len(s) <= 40 && dateLineRe.MatchString(s)
	case c == 'h' || c == 's' || c == 'S' || c == 'f' || c == 'F' || c == 'v' || c == 'l' || c == 'L' || c == 'u' || c == 'U' ||
		c >= 0x80:
		return len(s) <= 300 && strings.Contains(s, "://") && urlLineRe.MatchString(s)
	}
	return false
}

// editorNotes open an editor's note printed with an article.
var editorNotes = []string{"编者按", "编者的话", "编者附言", "编后语", "编后记"}

// isEditorNote: a paragraph that is an editor's note (编者按：…, 【编者按】…).
func isEditorNote(s string) bool {
	if s[0] != 0xE7 && s[0] != 0xE3 && s[0] != 0xEF && s[0] != '[' { // 编, 【〔, ［
		return false
	}
	for _, p := range []string{"【", "〔", "［", "["} {
		s = strings.TrimPrefix(s, p)
	}
	for _, n := range editorNotes {
		if rest, ok := strings.CutPrefix(s, n); ok {
			return !strings.HasPrefix(rest, "照") // 编者按照要求… is a sentence
		}
	}
	return false
}

// isBareEditorNote: the note's label alone (编者按, 【编者按】, 编者按：).
func isBareEditorNote(s string) bool {
	s = strings.TrimRight(stripBrackets(s), "：: ")
	return slicesContains(editorNotes, s)
}

// isEditorCode: a short run of circled numbers and digits (②9, ⑥12).
func isEditorCode(s string) bool {
	circled, n := false, 0
	for _, r := range s {
		n++
		switch {
		case r >= '①' && r <= '⑳':
			circled = true
		case isASCIIDigit(r), r == ' ':
		default:
			return false
		}
	}
	return circled && n <= 6
}

// stripBrackets removes one pair of surrounding brackets and spaces.
func stripBrackets(s string) string {
	s = trimSpace(s)
	for _, p := range [][2]string{{"（", "）"}, {"(", ")"}, {"【", "】"}, {"[", "]"}, {"〔", "〕"}, {"［", "］"}} {
		if strings.HasPrefix(s, p[0]) && strings.HasSuffix(s, p[1]) && len(s) >= len(p[0])+len(p[1]) {
			return trimSpace(s[len(p[0]) : len(s)-len(p[1])])
		}
	}
	return s
}

// captionStarts begin photo captions and picture furniture.
var captionStarts = []string{"图为", "上图", "下图", "左图", "右图", "图一", "图二", "图片为", "图片来源", "图：", "图:",
	"资料图", "▲", "△", "↑", "↓", "←", "→", "（如图）", "(如图)", "新华社发", "新华社记者", "图片由", "本版图片", "本版摄影"}

// pictureNotes start a bracketed note about the page's pictures: (附图片),
// （图片由区委宣传部提供）, （资料图片）, （视频截图）.
var pictureNotes = []string{"附图", "图片", "资料图", "视频截图", "截图", "配图", "摄影", "本版图片", "本版摄影"}

// maxCaptionRunes caps a caption that ends in its credit: longer lines are
// body text with a credit glued on (cleanParagraph cuts it).
const maxCaptionRunes = 160

// isCaption reports photo captions and credits: 图为…, （如图）, 本报记者 X 摄.
func isCaption(s string) bool {
	for _, p := range captionStarts {
		if strings.HasPrefix(s, p) {
			// 新华社记者 opens credits (新华社记者 X 摄) but could start a
			// sentence; only a short line counts.
			if p == "新华社记者" && utf8.RuneCountInString(s) > 30 {
				continue
			}
			return true
		}
	}
	if len(s) <= maxCaptionRunes*3 && creditTail(s) >= 0 {
		return true
	}
	// A web archive's stamp under the headline, furniture like a caption
	// and, like one, allowed between headline and lead.
	if strings.HasPrefix(s, "《") && paperStampRe.MatchString(s) {
		return true
	}
	if len(s) > maxBylineRunes*4 {
		return false // credits are short; spare long lines the work below
	}
	inner := stripBrackets(s)
	if inner != s && isPictureNote(inner) {
		return true
	}
	if hasAnySuffix(inner, creditSuffixes) {
		if _, credit, ok := parseByline(inner, false); ok && credit {
			return true
		}
	}
	return inner != s && (inner == "如图" || inner == "图" || strings.HasSuffix(inner, "供图") || strings.HasSuffix(inner, "摄"))
}

// isPictureNote: the inside of a bracketed note about a picture.
func isPictureNote(inner string) bool {
	return hasAnyPrefix(inner, pictureNotes) ||
		strings.HasSuffix(inner, "提供") && strings.Contains(inner, "图") && utf8.RuneCountInString(inner) <= 30
}

// photoWords refer a text to its picture (图为…, 如图, 上图).
var photoWords = []string{"图为", "如图", "上图", "下图", "左图", "右图", "图中", "照片", "画面"}

// isPhotoNews: the text before a photo credit is news of its own — two
// sentences or more, none pointing at the picture — not a caption
// (市民在公园游玩。 / 图为…).
func isPhotoNews(text string) bool {
	if len(text) > maxCaptionRunes*3 {
		return false
	}
	for _, w := range photoWords {
		if strings.Contains(text, w) {
			return false
		}
	}
	n := 0
	for start := 0; start < len(text); {
		end, next := sentenceEnd(text, start)
		if trimSpace(text[start:end]) != "" {
			n++
		}
		start = next
	}
	return n >= 2
}

// isPhotoCaption: a paragraph whose later sentence describes the picture
// (…联合开展海空立体巡航。图为海事执法人员对客运船舶进行巡查。).
func isPhotoCaption(s string) bool {
	return len(s) <= maxCaptionRunes*3 && strings.Contains(s, "。图为")
}

// creditEnds are the ways a caption's credit ends (…摄, 新华社发, …供图,
// （图片由…提供）), checked before anything slower.
var creditEndings = []string{"摄", "摄）", "摄)", "摄影", "新华社发", "供图", "供图）", "供图)", "提供）", "提供)"}

// creditTail returns where a photo credit glued after the last sentence of s
// starts — …人民大会堂开幕。新华社记者鞠鹏摄, …。本报记者 王五 摄,
// …。新华社发（李贺 摄）, …。（图片由区委宣传部提供） — or -1. What stands
// before it is the caption's text: the whole line is a caption.
func creditTail(s string) int {
	if !hasAnySuffix(s, creditEndings) {
		return -1
	}
	i := lastSentenceEnd(s)
	if i <= 0 || i >= len(s) {
		return -1
	}
	tail := trimSpace(s[i:])
	inner := stripBrackets(tail)
	switch {
	case tail == "新华社发":
	case strings.HasPrefix(tail, "新华社发") && isCreditText(stripBrackets(trimSpace(tail[len("新华社发"):]))):
	case isCreditText(inner):
	case inner != tail && isPictureNote(inner):
	default:
		return -1
	}
	return i
}

// isCreditText: a photo credit (本报记者 王五 摄, 李贺摄) or 张三 供图.
func isCreditText(s string) bool {
	if strings.HasSuffix(s, "供图") {
		_, _, ok := parseByline(trimSpace(strings.TrimSuffix(s, "供图")), false)
		return ok || utf8.RuneCountInString(s) <= 20
	}
	_, credit, ok := parseByline(s, false)
	return ok && credit
}

func hasAnySuffix(s string, ss []string) bool {
	for _, x := range ss {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
