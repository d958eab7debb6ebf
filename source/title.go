package source

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A page's <title> usually carries the site's name: 标题_光明网,
// 标题-新华网, 标题 | 郑州日报, 标题——人民网, 标题_新闻频道_央视网(cctv.com).
// The headline itself may hold dashes (奋进新征程——记中原区…), so a part
// after a separator is cut only when it reads as a site or channel name.

// titleSeps separate a headline from the site's name, longest first.
var titleSeps = []string{"——", " - ", " | ", " _ ", "--", "｜", "|", "_", "－", "—", "-", "::", "–", "·"}

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
	head, _ := cutSiteSuffixes(t)
	return head, head != collapse(t)
}

// cutSiteSuffixes cuts site and channel names off the end of a title and
// returns the headline and the site's name (the last part cut, without a
// bracketed domain), "" when there was none.
func cutSiteSuffixes(t string) (head, site string) {
	t = collapse(t)
	lastSep, channel := "", false
	for {
		h, tail, sep, ok := cutOneSuffix(t)
		if !ok && site != "" && lastSep == "--" && !channel {
			// 人民网 names its channel the same way: 标题--地方--人民网.
			h, tail, ok = cutChannel(t, lastSep)
			channel = true
		}
		if !ok {
			return t, site
		}
		if site == "" {
			site, lastSep = stripDomain(tail), sep
		}
		t = h
	}
}

// cutChannel cuts a short channel name after sep (地方 in 标题--地方).
func cutChannel(t, sep string) (string, string, bool) {
	i := strings.LastIndex(t, sep)
	if i <= 0 {
		return t, "", false
	}
	head, tail := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
	if utf8.RuneCountInString(head) < 4 || tail == "" || utf8.RuneCountInString(tail) > 6 ||
		strings.ContainsAny(tail, "，。：！？、,.:!?“”") {
		return t, "", false
	}
	return head, tail, true
}

// stripDomain drops a bracketed domain: 央视网(cctv.com) → 央视网.
func stripDomain(s string) string {
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func cutOneSuffix(t string) (head, tail, sep string, ok bool) {
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
		return t, "", "", false
	}
	head = strings.TrimSpace(t[:best])
	tail = strings.TrimSpace(t[best+bestLen:])
	if utf8.RuneCountInString(head) < 4 || !isSiteName(tail) {
		return t, "", "", false
	}
	return head, tail, t[best : best+bestLen], true
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

// The site's name
//
// The digest names where an article came from: the site's own name for a
// page (og:site_name, else the suffix of its <title>: 标题_中原区人民政府),
// a 公众号 page's account name, else the name the source was configured
// with. A host name or an IP address is never a name.

// weChatPlatform is the og:site_name of every 公众号 page: the platform,
// not the account.
const weChatPlatform = "微信公众平台"

// siteName is the name a page gives its site, or "" when it gives none
// that reads as a name.
func siteName(m pageMeta, u *url.URL) string {
	weChat := u != nil && strings.EqualFold(u.Hostname(), "mp.weixin.qq.com") || m.ogSite == weChatPlatform
	if weChat {
		if isUsableName(m.account) {
			return m.account
		}
		return ""
	}
	if og := stripDomain(m.ogSite); isUsableName(og) {
		return og
	}
	if _, site := cutSiteSuffixes(m.title); isUsableName(site) {
		return site
	}
	return ""
}

// SourceName is the name an article fetched from a page is stored under:
// the site's name the page gave (digest.Article.Source as FetchArticle
// returns it), else configured — the source's configured name, or the
// caller's fallback. Neither is taken when it is a host name or an IP
// address; when both are, configured is returned as given (the store needs
// a name, and the operator chose it).
func SourceName(site, configured string) string {
	if site = collapse(site); isUsableName(site) {
		return site
	}
	return collapse(configured)
}

// isUsableName: a non-empty name of reasonable length that is not a host
// name, an IP address or a URL.
func isUsableName(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxSiteRunes || s == weChatPlatform {
		return false
	}
	return !isHostLike(s)
}

// isHostLike reports host names (www.zhongyuan.gov.cn, localhost), IP
// addresses with or without a port, and URLs.
func isHostLike(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(s, "://") {
		return true
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	s = strings.Trim(s, "[]")
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if s == "localhost" {
		return true
	}
	dot := false
	for _, r := range s {
		switch {
		case r == '.':
			dot = true
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
		default:
			return false
		}
	}
	return dot
}
