package source

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A page's <title> usually carries the site's name: 标题_光明网,
// 标题-新华网, 标题 | 郑州日报, 标题——人民网, 标题_新闻频道_央视网(cctv.com).
// The headline itself may hold dashes (奋进新征程——记中原区…), so a part
// after a separator is cut only when it reads as a site or channel name.

// titleSeps separate a headline from the site's name, longest first.
var titleSeps = []string{"——", " - ", " | ", " _ ", "｜", "|", "_", "－", "—", "-", "::", "–", "·"}

// siteWords end or make up site and channel names.
// Place names (区, 市, 县) are not among them: a subtitle may end in one
// (——走进中原区).
var siteWords = []string{"网", "报", "站", "台", "政府", "频道", "新闻", "客户端", "在线", "门户", "官网", "之家",
	"中心", "资讯", "首页", "平台", "日报", "晚报", "社", "传媒", "媒体", "融媒", "网站"}

// maxSiteRunes caps a site name.
const maxSiteRunes = 24

// splitSiteSuffix cuts site names off the end of a title and reports whether
// it cut any.
func splitSiteSuffix(t string) (string, bool) {
	t = collapse(t)
	cut := false
	for {
		head, ok := cutOneSuffix(t)
		if !ok {
			return t, cut
		}
		t, cut = head, true
	}
}

func cutOneSuffix(t string) (string, bool) {
	// The separator ending last wins; of two ending together (—— and its
	// second —) the longer.
	best, bestLen := -1, 0
	for _, sep := range titleSeps {
		i := strings.LastIndex(t, sep)
		if i <= 0 || i+len(sep) < best+bestLen || i+len(sep) == best+bestLen && len(sep) <= bestLen {
			continue
		}
		if (sep == "-" || sep == "－" || sep == "–" || sep == "·") && digitsAround(t, i, len(sep)) {
			continue // 2023-2024学年
		}
		best, bestLen = i, len(sep)
	}
	if best < 0 {
		return t, false
	}
	head := strings.TrimSpace(t[:best])
	tail := strings.TrimSpace(t[best+bestLen:])
	if utf8.RuneCountInString(head) < 4 || !isSiteName(tail) {
		return t, false
	}
	return head, true
}

func digitsAround(t string, i, n int) bool {
	before, _ := utf8.DecodeLastRuneInString(t[:i])
	after, _ := utf8.DecodeRuneInString(t[i+n:])
	return unicode.IsDigit(before) && unicode.IsDigit(after)
}

// isSiteName: a short name ending in a site word (光明网, 郑州日报, 中原区人民
// 政府, 新闻频道), or a Latin name or domain (TNW, cctv.com), optionally with a
// domain in brackets (央视网(cctv.com)).
func isSiteName(s string) bool {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	n := utf8.RuneCountInString(s)
	if n == 0 || n > maxSiteRunes {
		return false
	}
	latin := true
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-", r)) {
			latin = false
			break
		}
	}
	if latin {
		return true
	}
	for _, w := range siteWords {
		if strings.HasSuffix(s, w) {
			return true
		}
	}
	return false
}

// chooseTitle picks the headline: the <title> without its site suffix,
// unless it had one and og:title or an <h1> gives the headline whole (the
// suffix cut could have taken part of it).
func chooseTitle(title, ogTitle string, h1s []string, fallback string) string {
	title = collapse(title)
	stripped, hadSuffix := splitSiteSuffix(title)
	og, _ := splitSiteSuffix(ogTitle)
	if og != "" && isSiteName(og) && !strings.HasPrefix(title, og) {
		og = "" // the site's name, not the headline
	}
	var h1 string
	for _, h := range h1s {
		if h = collapse(h); utf8.RuneCountInString(h) >= 4 && title != "" && strings.HasPrefix(title, h) {
			h1 = h
			break
		}
	}
	switch {
	case title == "" || isSiteName(stripped) && !hadSuffix && (og != "" || len(h1s) > 0):
		// No <title>, or just the site's name.
		if og != "" {
			return og
		}
		for _, h := range h1s {
			if h = collapse(h); utf8.RuneCountInString(h) >= 4 {
				return h
			}
		}
		if f, _ := splitSiteSuffix(fallback); f != "" {
			return f
		}
		return stripped
	case hadSuffix && og != "":
		return og
	case hadSuffix && h1 != "":
		return h1
	}
	return stripped
}
