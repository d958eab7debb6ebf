package digest

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// An opener (消息头/电头) starts an article's first paragraph: 本报讯, a wire
// dateline (新华社北京3月14日电), 据新华社电 / 据…消息, 【大河报讯】, 映象网快讯.
// A parenthesised byline may follow it: 本报讯(记者 孙志刚 通讯员 张黎).
type opener struct {
	dateline string // as printed, without the byline parenthesis
	byline   string // normalised, from the parenthesis or 记者X报道:
	rest     string // the paragraph text after the opener
	// ownCopy: the paper's own opener (本报讯, 【X讯】) without a byline in
	// it; such articles print their byline at the end.
	ownCopy bool
}

// Compiled once; regexps are immutable and safe to share.
var (
	// wireRe: agency or paper, optional place, date, 电/讯/消息. The month
	// is often left out when the story is from this month (本报合肥18日电).
	// Older pages write the date in Chinese numerals (九月二十八日).
	wireRe = regexp.MustCompile(`^(?:据)?(?:新华社|中新社|中新网|人民网|新华网|央视网|央视新闻|光明网|中国新闻网|中国日报网|本报|本台|\p{Han}{2,8}?(?:网|社|日报|晚报|报|台))\p{Han}{0,12}?(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})月)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})日(?:专?电|讯|消息)`)
	// ownWireRe: the paper's own undated 电 from a place (本报海口电); what
	// follows must not run on as a word (本报记者从市电力公司获悉).
	ownWireRe = regexp.MustCompile(`^本报\p{Han}{2,10}?专?电`)
	// placeFlashRe: a place's 讯 after a bracketed dateline
	// (【新华社重庆十四日电】拉萨讯:).
	placeFlashRe = regexp.MustCompile(`^\p{Han}{2,6}?讯`)
	// compiledRe: a note that the copy is compiled from several reports,
	// after the opener (综合各地记者报道:); it is neither dateline nor lead.
	compiledRe = regexp.MustCompile(`^综合[^，,。：:\s]{0,15}?(?:报道|电|消息)\s*[:：]`)
	// agencyRe: the big agencies also print undated 电 (新华社电, 据中新社电).
	agencyRe = regexp.MustCompile(`^(?:据)?(?:新华社|中新社)\p{Han}{0,8}?电`)
	// newsflashRe: 映象网快讯, 大河网讯 — a media name then 讯.
	newsflashRe = regexp.MustCompile(`^\p{Han}{1,8}?(?:网|台|报|社|刊|客户端)快?讯`)
	// accordingRe: 据大河报报道, 据中原区人社局消息, 据新华社电.
	accordingRe = regexp.MustCompile(`^据([^，,。：:\s（()）、；;！？]{2,20}?)(电|报道|消息)`)
	// reportedRe: the older 电头 tail 记者张金江报道:.
	reportedRe = regexp.MustCompile(`^记者\s*(\p{Han}{2,4}?)\s*报道\s*[:：]`)
	// creditOpenerRe: the same credit opening a paragraph with no
	// dateline (本报记者陆珂报道:, 本报记者张三、李四报道：).
	creditOpenerRe = regexp.MustCompile(`^(?:本报|本刊)?(?:特约|驻\p{Han}{1,4}?)?记者\s*(\p{Han}{2,4}?(?:[、\s]\s*\p{Han}{2,4}?){0,3})\s*报道\s*[:：]`)
)

// ownOpeners are the paper's own 讯.
var ownOpeners = []string{"本报讯", "本台讯", "本刊讯", "本网讯"}

// accordingStops: 据了解, 据介绍… are sources of nothing.
var accordingStops = []string{"了解", "悉", "介绍", "统计", "调查", "测算", "不完全统计", "报道", "说", "称"}

// parseOpener recognises an opener at the start of line s.
func parseOpener(s string) (opener, bool) { return parseOpenerHint(s, maybeWire(s)) }

// parseOpenerHint is parseOpener with maybeWire(s) already known.
func parseOpenerHint(s string, wire bool) (opener, bool) {
	s = trimSpace(s)
	for _, p := range []string{"□", "■"} {
		s = trimSpace(strings.TrimPrefix(s, p))
	}
	if s == "" {
		return opener{}, false
	}
	var o opener
	rest := ""
	switch c := s[0]; {
	case c == 0xE6 && hasAnyPrefix(s, ownOpeners): // 本 is E6 9C AC
		for _, p := range ownOpeners {
			if strings.HasPrefix(s, p) {
				o.dateline, rest, o.ownCopy = p, s[len(p):], true
				break
			}
		}
		// 本报讯 据长江日报消息： — copy taken from another outlet. The
		// source belongs to the opener (the lead starts after it), and no
		// byline of ours waits at the end.
		if r := trimSpace(rest); strings.HasPrefix(r, "据") {
			if n := accordingLen(r); n > 0 {
				o.dateline = s[:len(s)-len(r)+n]
				rest, o.ownCopy = r[n:], false
			}
		}
	case strings.HasPrefix(s, "【"):
		end := strings.Index(s, "】")
		if end < 0 || end > 40*3 {
			return opener{}, false
		}
		inner := trimSpace(s[len("【"):end])
		k := strings.LastIndex(inner, "讯")
		klen := len("讯")
		if k < 0 {
			k, klen = strings.LastIndex(inner, "报道"), len("报道")
		}
		if k < 0 {
			// 【新华社重庆十四日电】: a wire dateline in brackets.
			if loc := wireRe.FindStringIndex(inner); loc != nil {
				k, klen = loc[1]-len("电"), len("电")
			} else if loc := agencyRe.FindStringIndex(inner); loc != nil {
				k, klen = loc[1]-len("电"), len("电")
			}
		}
		if k < 3 {
			return opener{}, false
		}
		head, tail := inner[:k+klen], trimSpace(inner[k+klen:])
		if tail != "" {
			b, _, ok := parseByline(tail, false)
			if !ok {
				return opener{}, false
			}
			o.byline = b
		}
		o.dateline, rest, o.ownCopy = "【"+head+"】", s[end+len("】"):], o.byline == ""
		if strings.HasSuffix(head, "电") {
			o.ownCopy = false // wire copy: no byline of ours at the end
			if loc := placeFlashRe.FindStringIndex(rest); loc != nil && flashFollows(rest[loc[1]:]) {
				o.dateline, rest = o.dateline+rest[:loc[1]], rest[loc[1]:]
			}
		}
	default:
		if !wire {
			return opener{}, false
		}
		if loc := wireRe.FindStringIndex(s); loc != nil {
			o.dateline, rest = s[:loc[1]], s[loc[1]:]
		} else if loc := agencyRe.FindStringIndex(s); loc != nil {
			o.dateline, rest = s[:loc[1]], s[loc[1]:]
		} else if loc := ownWireRe.FindStringIndex(s); loc != nil && !strings.Contains(s[:loc[1]], "记者") &&
			(flashFollows(s[loc[1]:]) || reportedRe.MatchString(s[loc[1]:])) {
			o.dateline, rest = s[:loc[1]], s[loc[1]:]
		} else if loc := newsflashRe.FindStringIndex(s); loc != nil && flashFollows(s[loc[1]:]) {
			o.dateline, rest, o.ownCopy = s[:loc[1]], s[loc[1]:], true
		} else if n := accordingLen(s); n > 0 {
			o.dateline, rest = s[:n], s[n:]
		} else if m := creditOpenerRe.FindStringSubmatch(s); m != nil {
			// 本报记者陆珂报道: with no dateline before it: the credit
			// opens the first paragraph as a dateline would.
			b, credit, ok := parseByline("记者 "+m[1], true)
			if !ok || credit {
				return opener{}, false
			}
			o.byline, rest = b, s[len(m[0]):]
		} else {
			return opener{}, false
		}
	}
	rest = trimSpace(rest)
	if b, after, ok := cutParenByline(rest); ok {
		o.byline, rest, o.ownCopy = b, after, false
	} else if m := reportedRe.FindStringSubmatch(rest); m != nil {
		o.byline, rest, o.ownCopy = "记者 "+m[1], rest[len(m[0]):], false
	}
	rest = trimSpace(rest)
	if loc := compiledRe.FindStringIndex(rest); loc != nil {
		rest = rest[loc[1]:]
	}
	rest = trimSpace(rest)
	for _, p := range []string{"：", ":", "，", ","} {
		if strings.HasPrefix(rest, p) {
			rest = trimSpace(rest[len(p):])
			break
		}
	}
	o.rest = rest
	return o, true
}

// accordingLen returns the length of a 据…电/报道/消息 opener at the start of
// s (据新华社电, 据大河报报道, 据中原区人社局消息), or 0. 据了解 and the like
// name no source; 报道 and 消息 must end the phrase (not 据…消息称 inside a
// sentence).
func accordingLen(s string) int {
	m := accordingRe.FindStringSubmatchIndex(s)
	if m == nil {
		return 0
	}
	src, kind := s[m[2]:m[3]], s[m[4]:m[5]]
	if hasAnyPrefix(src, accordingStops) || kind != "电" && !flashFollows(s[m[1]:]) {
		return 0
	}
	return m[1]
}

// maybeWire is the cheap test before the regexps: 电, 讯, 消息 or 报道 among
// the first wireWindow runes.
func maybeWire(s string) bool {
	n := 0
	for i, r := range s {
		if n++; n > wireWindow {
			return false
		}
		switch r {
		case '电':
			return true
		case '讯':
			if !strings.HasSuffix(s[:i], "通") { // 通讯员
				return true
			}
		case '消':
			if strings.HasPrefix(s[i:], "消息") {
				return true
			}
		case '报':
			if strings.HasPrefix(s[i:], "报道") {
				return true
			}
		}
	}
	return false
}

// flashFollows: after 映象网快讯 or 据X消息 comes a space, a bracket, a
// comma or colon, a date, or nothing — not more of a word.
func flashFollows(s string) bool {
	if s == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isSpace(r) || r == '（' || r == '(' || r == '，' || r == ',' || r == '：' || r == ':' || isASCIIDigit(r)
}

// cutParenByline cuts a leading parenthesised byline: (记者 孙志刚 通讯员 张黎).
func cutParenByline(s string) (byline, rest string, ok bool) {
	switch {
	case strings.HasPrefix(s, "（"):
		s = s[len("（"):]
	case strings.HasPrefix(s, "("):
		s = s[1:]
	default:
		return "", "", false
	}
	// Either closer is accepted: pages mix （…) freely.
	end := strings.IndexAny(s, "）)")
	if end < 0 || utf8.RuneCountInString(s[:end]) > 60 {
		return "", "", false
	}
	b, _, ok := parseByline(s[:end], false)
	if !ok {
		return "", "", false
	}
	_, n := utf8.DecodeRuneInString(s[end:])
	return b, s[end+n:], true
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
