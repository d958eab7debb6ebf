package digest

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Web article bodies
//
// A page fetched from a news site arrives as paragraphs (one per <p>, <div>
// or <br> run) rather than as printed lines, and carries the site's
// furniture around the text: the publication time and source line
// (发布时间：2023-02-13 10:25:31 来源：中原区政府办), share buttons (分享到：,
// 转播到腾讯微博, 扫一扫), 【纠错】 and 【打印】 links, photo captions, the
// editor's name. ArticleFromParagraphs applies the page parser's rules for
// openers, bylines, trailers and captions to such paragraphs and adds the
// web ones, so that the lead is the first real sentence.
//
// Paragraph boundaries are taken as given: the HTML marks them, so there is
// no re-joining of layout breaks as on a printed page.

// maxWebMetaRunes caps a line of page furniture (time, source, share links).
const maxWebMetaRunes = 100

// maxWebSubheadRunes caps an in-body sub-head: a short line without final
// punctuation.
const maxWebSubheadRunes = 40

var (
	// webDatelineRe: a site's dated opener not covered by the page rules —
	// TNW中文站 10月14日报道, 央广网北京10月14日消息, IT之家 3月1日消息.
	webDatelineRe = regexp.MustCompile(`^(?:据)?(?:[\p{Han}A-Za-z0-9·]{1,14}?(?:网|站|社|报|台|刊|客户端|新闻|频道|之家)|[A-Za-z][A-Za-z0-9]{1,15})\s*\p{Han}{0,8}?\s*\d{1,2}月\d{1,2}日\s*(?:专?电|讯|消息|报道)`)
	// webUndatedRe: 央视网消息, 人民网消息 — a site name then 消息.
	webUndatedRe = regexp.MustCompile(`^(?:[\p{Han}A-Za-z0-9·]{1,14}?(?:网|站|台|客户端|新闻|频道))消息`)
	// webTimeRe: a publication time at the start of a line: 2023-02-13
	// 10:25:31, 2023年2月13日 10:25, 2023/02/13.
	webTimeRe = regexp.MustCompile(`^[\[【（(]?\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?`)
)

// webMetaKeys start a furniture line once followed by a colon: 发布时间：…,
// 来源：…, 浏览次数：…. Several usually share one line.
var webMetaKeys = []string{
	"发布时间", "发布日期", "发表时间", "发布于", "更新时间", "时间", "日期", "来源", "信息来源", "稿件来源",
	"文章来源", "作者", "撰稿", "供稿", "浏览次数", "浏览量", "阅读量", "阅读次数", "点击数", "点击量",
	"点击次数", "访问量", "字号", "字体", "责任编辑", "编辑", "责编", "审核", "审校", "校对", "终审", "分享到",
	"分享至", "分享", "打印", "来源于",
}

// webShareWords mark share buttons and page tools in a short line without
// final punctuation.
var webShareWords = []string{
	"转播到腾讯微博", "腾讯微博", "新浪微博", "分享到", "分享至", "扫一扫", "微信扫", "朋友圈", "QQ空间",
	"【纠错】", "【打印】", "【关闭】", "【收藏】", "纠错", "打印本页", "打印本文", "打印此页", "关闭窗口",
	"关闭本页", "返回顶部", "回到顶部", "收藏本文", "加入收藏", "我要评论", "网友评论", "字号：", "字号:",
	"【大】", "【中】", "【小】", "用手机看", "手机看新闻", "复制链接", "举报", "点赞", "在看",
	// 公众号 articles.
	"点击蓝字", "关注我们", "二维码", "关注该公众号", "预览时标签不可点", "阅读原文", "星标", "置顶公众号",
}

// webCreditStarts open a short source-credit line at an article's end.
var webCreditStarts = []string{"via ", "source:", "原文链接", "原文地址", "本文来源", "文章来源", "本文转自", "转自"}

// webStopStarts end the article: lists of other articles and page footers.
var webStopStarts = []string{
	"相关阅读", "相关新闻", "相关链接", "相关文章", "延伸阅读", "推荐阅读", "热点推荐", "热门推荐", "猜你喜欢",
	"精彩推荐", "上一篇", "下一篇", "版权所有", "版权声明", "Copyright", "copyright", "©", "免责声明",
}

// webCaptionStarts add web captions to the page parser's captionStarts.
var webCaptionStarts = []string{"图注：", "图注:", "图片：", "图片:", "摄影：", "摄影:", "视频：", "视频:",
	"（图片来源", "(图片来源", "（资料图", "(资料图", "（图源", "(图源", "图源："}

// creditEnds end a photo caption with its credit: …。新华社发（张三 摄）.
var creditEnds = []string{"新华社发", "新华社发）", "视觉中国", "供图", "供图）", "供图)", "摄）", "摄)"}

// ArticleFromParagraphs builds an article from the text paragraphs of a web
// page or feed item, in order (a paragraph may hold line breaks; each line is
// taken as a paragraph). The lead rules of ParsePage apply: photo captions,
// datelines and openers (本报讯, 新华社北京3月14日电（记者 …）, 【大河报讯】,
// TNW中文站 10月14日报道), share furniture, timestamps and source lines,
// bylines, editor trailers and, before the lead, sub-heads (short lines
// without final punctuation) are skipped, so that Lead is the first real
// sentence. The opener goes to Dateline, bylines (in the opener, on a line of
// their own or at a paragraph's end) to Byline. Body holds the real
// paragraphs from the lead paragraph on, joined by "\n"; sub-heads after the
// lead stay in it. Paragraphs equal to the title and anything after a
// 相关阅读 / 上一篇 / 版权所有 line are dropped. Title is the given title,
// trimmed; it may be empty.
//
// It fails, wrapping ErrNoArticles, when no paragraph holds a sentence.
func ArticleFromParagraphs(title string, paras []string) (Article, error) {
	title = collapseSpaces(trimSpace(dropNUL(title)))
	a := Article{Title: title}
	var body []string
	var endByline string
paras:
	for _, para := range paras {
		for _, line := range strings.Split(normalizeNewlines(para), "\n") {
			s := cleanWebLine(line)
			if s == "" || s == title {
				continue
			}
			if isWebStop(s) {
				if len(body) > 0 {
					break paras
				}
				continue
			}
			if isWebFurniture(s) || isWebCaption(s) {
				continue
			}
			if len(body) == 0 && a.Dateline == "" {
				if op, ok := parseWebOpener(s); ok {
					a.Dateline = op.dateline
					if op.byline != "" {
						a.Byline = joinBylines(a.Byline, op.byline)
					}
					if s = op.rest; s == "" {
						continue
					}
				}
			}
			l := classifyLine(s)
			switch l.kind {
			case kTrailer, kCaption:
				continue
			case kByline:
				if len(body) == 0 {
					a.Byline = joinBylines(a.Byline, l.byline)
				} else {
					endByline = joinBylines(endByline, l.byline)
				}
				continue
			case kOpener:
				// An opener after the lead is text (a quoted wire item).
			}
			p, b := cleanParagraph(s, true)
			if p == "" {
				continue
			}
			if b != "" {
				endByline = joinBylines(endByline, b)
			}
			if len(body) == 0 {
				if !isWebLeadParagraph(p) {
					continue // a sub-head, a label, a stray line before the text
				}
				lead := FirstSentence(p)
				if lead == "" {
					continue
				}
				a.Lead = lead
			}
			body = append(body, p)
		}
	}
	if len(body) == 0 {
		return Article{}, fmt.Errorf("article from paragraphs: %w", ErrNoArticles)
	}
	a.Byline = joinBylines(a.Byline, endByline)
	a.Body = strings.Join(body, "\n")
	return a, nil
}

// NormalizeByline parses s as a byline (记者 鲁燕 通讯员 木坤坤, 本报记者 X
// 文/图, 郑报全媒体记者 X) and returns it normalised. It reports false for
// anything else, including photo credits (… 摄) and running text (记者了解到…).
func NormalizeByline(s string) (string, bool) {
	b, credit, ok := parseByline(stripBrackets(s), true)
	if !ok || credit {
		return "", false
	}
	return b, true
}

// cleanWebLine trims a line and collapses runs of spaces; the ideographic
// indent (　　) and NBSPs of web paragraphs go with it.
func cleanWebLine(s string) string {
	s = trimSpace(s)
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return collapseSpaces(s)
}

// isWebStop: a line that ends the article text (related links, footer).
func isWebStop(s string) bool {
	if utf8.RuneCountInString(s) > maxWebMetaRunes || endsParagraph(s) {
		return false
	}
	return hasAnyPrefix(stripBrackets(s), webStopStarts)
}

// isWebFurniture reports page furniture: publication times, source and
// editor lines, share buttons and page tools, 【纠错】.
func isWebFurniture(s string) bool {
	n := utf8.RuneCountInString(s)
	if n > maxWebMetaRunes {
		return false
	}
	if loc := webTimeRe.FindStringIndex(s); loc != nil {
		rest := trimSpace(s[loc[1]:])
		// A time alone or followed by more meta (来源：…); a sentence that
		// starts with a date (2023年2月13日，…召开。) is text.
		if rest == "" || !endsParagraph(rest) && !strings.ContainsAny(rest, "，,。") {
			return true
		}
	}
	if isWebMetaLine(s) {
		return true
	}
	if n <= maxWebSubheadRunes && !endsParagraph(s) && hasAnyPrefix(strings.ToLower(s), webCreditStarts) {
		return true // via Example Research, 原文链接
	}
	if n <= maxWebSubheadRunes && !endsParagraph(s) {
		for _, w := range webShareWords {
			if strings.Contains(s, w) {
				return true
			}
		}
	}
	return false
}

// isWebMetaLine: the line starts with a meta key and a colon (来源：新华网),
// possibly behind a bracket ([责任编辑:张三]).
func isWebMetaLine(s string) bool {
	inner := s
	for _, p := range []string{"【", "[", "（", "(", "〔"} {
		inner = strings.TrimPrefix(inner, p)
	}
	inner = trimSpace(inner)
	for _, k := range webMetaKeys {
		if rest, ok := strings.CutPrefix(inner, k); ok {
			rest = trimSpace(rest)
			if strings.HasPrefix(rest, "：") || strings.HasPrefix(rest, ":") {
				return true
			}
		}
	}
	return false
}

// isWebCaption: captions in the web forms (图注：…, a caption ending with its
// photo credit) besides those of isCaption.
func isWebCaption(s string) bool {
	if hasAnyPrefix(s, webCaptionStarts) || isCaption(s) {
		return true
	}
	if hasAnySuffix(s, creditEnds) {
		return true
	}
	// …在郑东新区拍摄的夜景。新华社记者 李贺 摄
	if i := lastSentenceEnd(s); i > 0 && i < len(s) {
		if _, credit, ok := parseByline(trimSpace(s[i:]), false); ok && credit {
			return true
		}
	}
	if strings.HasSuffix(s, "摄") {
		if _, credit, ok := parseByline(s, false); ok && credit {
			return true
		}
	}
	return false
}

// parseWebOpener recognises the page openers and the web datelines.
func parseWebOpener(s string) (opener, bool) {
	if op, ok := parseOpener(s); ok {
		return op, true
	}
	var end int
	if loc := webDatelineRe.FindStringIndex(s); loc != nil {
		end = loc[1]
	} else if loc := webUndatedRe.FindStringIndex(s); loc != nil {
		end = loc[1]
	} else {
		return opener{}, false
	}
	rest := s[end:]
	if !flashFollows(rest) {
		return opener{}, false // 10月14日报道了…: a sentence, not a dateline
	}
	o := opener{dateline: trimSpace(s[:end])}
	rest = trimSpace(rest)
	if b, after, ok := cutParenByline(rest); ok {
		o.byline, rest = b, after
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

// isWebLeadParagraph: a paragraph that can hold the lead — one with a
// sentence end, or a long one with commas (a lead whose final mark the site
// lost). Short lines without final punctuation are sub-heads or labels, and
// so is a short question standing alone (出国前：政治科目会出啥考题？).
func isWebLeadParagraph(p string) bool {
	if isWebQuestionSubhead(p) {
		return false
	}
	if strings.ContainsAny(p, "。！？｡") || endsParagraph(p) {
		return true
	}
	return utf8.RuneCountInString(p) > maxWebSubheadRunes && strings.ContainsAny(p, "，,")
}

// Bylines from a page's metadata
//
// A page that prints no byline in its text often names the author
// elsewhere: <meta name="author">, article:author, or the info line under
// the headline (来源：郑州日报 作者：张三 发布时间：2026-03-05, 文/张三).
// NormalizeAuthor and BylineFromInfoLine read those into the normalised
// byline form of NormalizeByline. An outlet (来源：…) and an editor
// (编辑：…) are not bylines.

// infoKeyRe finds the keys of an info line: a meta key or a byline key,
// then a colon. Longer keys come first, so 责任编辑 is not read as 编辑.
var infoKeyRe = regexp.MustCompile(`(?:` + strings.Join(infoKeyAlternatives(), "|") + `)\s*[:：]`)

// authorKeys name the author outright: the value is a byline or bare names.
var authorKeys = []string{"作者", "撰稿", "撰文", "采写", "执笔", "文"}

// reporterKeys are byline roles written as keys (记者：张三).
var reporterKeys = []string{"首席记者", "特约记者", "见习记者", "记者", "特约通讯员", "通讯员", "实习生"}

func infoKeyAlternatives() []string {
	keys := append(append(append([]string(nil), webMetaKeys...), authorKeys...), reporterKeys...)
	// Longest first: the regexp prefers the first alternative that matches
	// at a position.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && len(keys[j]) > len(keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	out := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, regexp.QuoteMeta(k))
		}
	}
	return out
}

// maxAuthorNames caps the bare names an author field may hold.
const maxAuthorNames = 4

// orgEnds end names of outlets, offices and accounts, which are not
// authors (中原发布, 郑州日报, 中原区人民政府, 区融媒体中心).
var orgEnds = []string{"发布", "报", "网", "社", "台", "刊", "站", "中心", "局", "委", "办", "政府", "区", "市",
	"县", "镇", "乡", "村", "街道", "社区", "部", "院", "厅", "所", "处", "科", "队", "团", "会", "号", "传媒",
	"融媒", "媒体", "新闻", "频道", "编辑部", "官方", "微信", "公众号", "客户端", "平台", "集团", "公司", "学校"}

// NormalizeAuthor reads an author field (a meta author, readability's
// byline, the value after 作者：) as a byline: a byline proper (记者 张三 通讯员
// 李四), or up to four personal names (张三, 张三、李四), with a leading
// 作者： / 文/ / By dropped. Outlets and offices (中原发布, 郑州日报, 中原区人民政府),
// Latin handles (admin), photo credits and running text give false.
func NormalizeAuthor(s string) (string, bool) {
	s = stripBrackets(cleanWebLine(s))
	for changed := true; changed && s != ""; {
		changed = false
		for _, p := range []string{"作者", "撰稿", "撰文", "采写", "执笔", "文", "By ", "by "} {
			rest, ok := strings.CutPrefix(s, p)
			if !ok {
				continue
			}
			rest = trimSpace(rest)
			for _, sep := range []string{"：", ":", "/", "／", "|", "｜"} {
				if r, ok := strings.CutPrefix(rest, sep); ok {
					s, changed = trimSpace(r), true
					break
				}
			}
			if p == "By " || p == "by " {
				s, changed = rest, true
			}
			if changed {
				break
			}
		}
	}
	if s == "" {
		return "", false
	}
	if b, ok := NormalizeByline(s); ok {
		return b, true
	}
	b, credit, ok := parseByline(s, false)
	if !ok || credit {
		return "", false
	}
	names := strings.Fields(b)
	if len(names) > maxAuthorNames {
		return "", false
	}
	for _, n := range names {
		if hasAnySuffix(n, orgEnds) {
			return "", false
		}
	}
	return b, true
}

// BylineFromInfoLine reads the byline in a page's info line — 来源：郑州日报
// 作者：张三 发布时间：2026-03-05, 记者：张三 通讯员：李四, 文/张三, or a plain
// byline (记者 张三 通讯员 李四) — and reports false when the line names no
// author (来源：新华网, 编辑：王五, 发布时间：…). The line is at most a furniture
// line long.
func BylineFromInfoLine(s string) (string, bool) {
	s = cleanWebLine(s)
	if s == "" || utf8.RuneCountInString(s) > maxWebMetaRunes {
		return "", false
	}
	locs := infoKeyRe.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		if b, ok := NormalizeByline(s); ok {
			return b, true
		}
		// 文/张三, 文｜张三 (possibly behind other words: 文/张三 图/李四).
		for _, f := range strings.Fields(s) {
			if rest, ok := cutAuthorSlash(f); ok {
				if b, ok := NormalizeAuthor(rest); ok {
					return b, true
				}
			}
		}
		return "", false
	}
	byline := ""
	// What stands before the first key may be a byline (记者 张三 来源：…).
	if head := trimSpace(s[:locs[0][0]]); head != "" {
		if b, ok := NormalizeByline(head); ok {
			byline = b
		}
	}
	for i, loc := range locs {
		key := strings.TrimRight(s[loc[0]:loc[1]], " ：:")
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		val := trimSpace(s[loc[1]:end])
		if val == "" {
			continue
		}
		switch {
		case contains(authorKeys, key):
			if b, ok := NormalizeAuthor(val); ok {
				byline = joinBylines(byline, b)
			}
		case contains(reporterKeys, key):
			if b, ok := NormalizeByline(key + " " + val); ok {
				byline = joinBylines(byline, b)
			}
		default:
			// A byline may follow another field's value after a space:
			// 来源：郑州日报 记者 张三.
			if b, ok := trailingByline(val); ok {
				byline = joinBylines(byline, b)
			}
		}
	}
	return byline, byline != ""
}

// cutAuthorSlash cuts 文/ or 文｜ off the front of a field.
func cutAuthorSlash(f string) (string, bool) {
	rest, ok := strings.CutPrefix(f, "文")
	if !ok {
		return "", false
	}
	for _, sep := range []string{"/", "／", "|", "｜"} {
		if r, ok := strings.CutPrefix(rest, sep); ok && r != "" {
			return r, true
		}
	}
	return "", false
}

// trailingByline finds a byline in the last fields of a value: the
// longest run of whole fields, starting with a role, that reads as one.
func trailingByline(val string) (string, bool) {
	fields := strings.Fields(val)
	for i := 1; i < len(fields); i++ {
		if i, _ := findRoleCore(fields[i]); i < 0 {
			continue
		}
		if b, ok := NormalizeByline(strings.Join(fields[i:], " ")); ok {
			return b, true
		}
	}
	return "", false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// isWebQuestionSubhead: a short line whose only sentence end is its final
// question mark — a question-form sub-head (政治科目会出啥考题？,
// 【问】如何申请？), not the first sentence of the text.
func isWebQuestionSubhead(p string) bool {
	if utf8.RuneCountInString(p) > maxWebSubheadRunes {
		return false
	}
	q := strings.TrimRight(p, "”’\"」』)） ")
	var last rune
	var n int
	if q != "" {
		last, n = utf8.DecodeLastRuneInString(q)
	}
	if last != '？' && last != '?' {
		return false
	}
	return !strings.ContainsAny(q[:len(q)-n], "。！？｡!?")
}
