package source

import (
	"strings"
	"testing"
)

// metaPage is a news page in the usual government-site shape: the
// headline, an info line under it, the text in a content block.
func metaPage(head, info, content string) string {
	return `<html><head><title>中原区启动春季植树活动_中原区人民政府</title>` + head + `</head><body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<h1>中原区启动春季植树活动</h1>
<div class="info">` + info + `</div>
<div id="zoom" class="TRS_Editor">` + content + `</div>
<div class="foot">主办：郑州市中原区人民政府办公室</div></body></html>`
}

const (
	metaLead   = "3月12日，中原区在须水河畔启动春季义务植树活动，千余名干部群众参加。"
	metaSecond = "活动现场，大家挥锹铲土、扶苗培土，栽下各类苗木3000余株。"
	metaText   = `<p>` + metaLead + `</p><p>` + metaSecond + `</p>`
)

// TestExtractArticleMetaByline: a page whose text has no byline takes it
// from the info line under the headline, readability's byline, <meta
// name="author"> or article:author, normalised; outlets, editors and
// the site's own name are not bylines, and a byline in the text wins.
func TestExtractArticleMetaByline(t *testing.T) {
	tests := []struct {
		name, head, info, content string
		want                      string
	}{
		{"info line 作者", "", "来源：郑州日报 作者：张三 发布时间：2026-03-05", metaText, "张三"},
		{"info line spans", "", "<span>来源：郑州日报</span><span>作者：张三、李四</span><span>发布时间：2026-03-05 09:30</span>", metaText, "张三 李四"},
		{"info line 记者", "", "发布时间：2026-03-05 来源：郑州日报 记者：张三 通讯员：李四", metaText, "记者 张三 通讯员 李四"},
		{"byline line outside the text", "", "记者 张三 通讯员 李四", metaText, "记者 张三 通讯员 李四"},
		{"文/ in the text", "", "来源：郑州日报", `<p>文/张三</p>` + metaText, "张三"},
		{"文/ in the info line", "", "2026-03-05 文/张三", metaText, "张三"},
		{"meta author", `<meta name="author" content="张三">`, "来源：郑州日报", metaText, "张三"},
		{"meta author byline", `<meta name="author" content="本报记者 张三">`, "", metaText, "记者 张三"},
		{"article:author", `<meta property="article:author" content="张三">`, "", metaText, "张三"},
		{"readability byline", "", `<span class="byline">作者：张三</span>`, metaText, "张三"},
		{"info line before meta", `<meta name="author" content="李四">`, "作者：张三", metaText, "张三"},
		{"outlet in meta author", `<meta name="author" content="郑州日报">`, "", metaText, ""},
		{"site in meta author", `<meta name="author" content="中原区人民政府">`, "", metaText, ""},
		{"handle in meta author", `<meta name="author" content="admin">`, "", metaText, ""},
		{"source line only", "", "来源：郑州日报 发布时间：2026-03-05 浏览次数：128", metaText, ""},
		{"editor is not a byline", "", "来源：中原区融媒体中心 编辑：王五", metaText, ""},
		{"editor after the text", "", "", metaText + `<p>编辑：王五 审核：赵六</p>`, ""},
		{"text byline wins", `<meta name="author" content="李四">`, "作者：王五", `<p>本报讯（记者 张三）` + metaLead + `</p><p>` + metaSecond + `</p>`, "记者 张三"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ExtractArticle(metaPage(tt.head, tt.info, tt.content), "http://www.zhongyuan.gov.cn/a/1.html")
			if err != nil {
				t.Fatal(err)
			}
			if a.Byline != tt.want {
				t.Errorf("Byline %q, want %q", a.Byline, tt.want)
			}
			if a.Lead != metaLead {
				t.Errorf("Lead %q, want %q", a.Lead, metaLead)
			}
		})
	}
}

// TestExtractArticleSubheads: bold, heading, question and label lines at
// the top of the text are not the lead; the lead is the first real
// sentence, and sub-heads after it stay in the body.
func TestExtractArticleSubheads(t *testing.T) {
	tests := []struct {
		name, content string
		body          string // Body's first lines, when not the text alone
	}{
		{"strong sentence", `<p><strong>植树添绿，共建美丽家园。</strong></p>` + metaText, ""},
		{"b sentence", `<p style="text-indent:2em"><b>记者探访：须水河畔添新绿。</b></p>` + metaText, ""},
		{"bold style", `<p><span style="font-weight: bold;">须水河畔春意浓，干群齐心添新绿。</span></p>` + metaText, ""},
		{"h2", `<h2>植树添绿，共建美丽家园。</h2>` + metaText, ""},
		{"h4 question", `<h4>今年种了哪些树？</h4>` + metaText, ""},
		{"question line", `<p>出国前：政治科目会出啥考题？</p>` + metaText, ""},
		{"label", `<p>【导读】</p>` + metaText, ""},
		{"bold label", `<p><strong>【导读】</strong></p><p><strong>一图读懂：今年春季植树安排。</strong></p>` + metaText, ""},
		{"several", `<h3>今年种了哪些树？</h3><p><strong>植树添绿，共建美丽家园。</strong></p><p>【导读】</p>` + metaText, ""},
		{"subhead after the lead stays", `<p>` + metaLead + `</p><p><strong>种下的不只是树。</strong></p><p>` + metaSecond + `</p>`,
			metaLead + "\n种下的不只是树。\n" + metaSecond},
		{"bold lead in text stays", `<p><strong>3月12日</strong>，中原区在须水河畔启动春季义务植树活动，千余名干部群众参加。</p><p>` + metaSecond + `</p>`, ""},
		{"all bold text", `<p><strong>` + metaLead + `</strong></p><p><strong>` + metaSecond + `</strong></p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ExtractArticle(metaPage("", "", tt.content), "http://www.zhongyuan.gov.cn/a/1.html")
			if err != nil {
				t.Fatal(err)
			}
			want := metaLead
			if tt.name == "all bold text" {
				// Nothing but bold: the second paragraph is the text
				// left, so the first bold one stands as a sub-head.
				want = metaSecond
			}
			if a.Lead != want {
				t.Errorf("Lead %q, want %q", a.Lead, want)
			}
			body := tt.body
			if body == "" {
				body = want
			}
			if !strings.HasPrefix(a.Body, body) {
				t.Errorf("Body does not start with %q:\n%s", body, a.Body)
			}
		})
	}
}

// TestExtractArticleSiteName: Source is the site's name — og:site_name,
// else the title's suffix, else the 公众号 account — and never a host
// name or an IP address.
func TestExtractArticleSiteName(t *testing.T) {
	tests := []struct {
		name, title, head, url, want string
	}{
		{"underscore suffix", "中原区启动春季植树活动_中原区人民政府", "", "", "中原区人民政府"},
		{"dash suffix", "中原区启动春季植树活动 - 郑州市中原区人民政府", "", "", "郑州市中原区人民政府"},
		{"bar suffix", "中原区启动春季植树活动 | 郑州日报", "", "", "郑州日报"},
		{"double dash suffix", "中原区启动春季植树活动——人民网", "", "", "人民网"},
		{"channel and site", "中原区启动春季植树活动_新闻频道_央视网(cctv.com)", "", "", "央视网"},
		{"people channel", "中原区启动春季植树活动--河南频道--人民网", "", "", "人民网"},
		{"og:site_name wins", "中原区启动春季植树活动_中原区人民政府", `<meta property="og:site_name" content="中原区政府网">`, "", "中原区政府网"},
		{"no suffix", "中原区启动春季植树活动", "", "", ""},
		{"subtitle is not a site", "奋进新征程——记中原区植树能手张华", "", "", ""},
		{"domain suffix", "中原区启动春季植树活动_www.zhongyuan.gov.cn", "", "", ""},
		{"IP og:site_name", "中原区启动春季植树活动", `<meta property="og:site_name" content="10.1.2.3">`, "", ""},
		{"IP og:site_name, suffix", "中原区启动春季植树活动_中原区人民政府", `<meta property="og:site_name" content="http://10.1.2.3:8080">`, "", "中原区人民政府"},
		{"wechat platform is no name", "中原区启动春季植树活动", `<meta property="og:site_name" content="微信公众平台">`, "https://mp.weixin.qq.com/s/abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := strings.Replace(metaPage(tt.head, "", metaText), "<title>中原区启动春季植树活动_中原区人民政府</title>", "<title>"+tt.title+"</title>", 1)
			u := tt.url
			if u == "" {
				u = "http://10.1.2.3/a/1.html"
			}
			a, err := ExtractArticle(page, u)
			if err != nil {
				t.Fatal(err)
			}
			if a.Source != tt.want {
				t.Errorf("Source %q, want %q", a.Source, tt.want)
			}
		})
	}
}

func TestSourceName(t *testing.T) {
	tests := []struct{ site, configured, want string }{
		{"中原区人民政府", "中原区政府网", "中原区人民政府"},
		{"", "中原区政府网", "中原区政府网"},
		{"  ", "中原区政府网", "中原区政府网"},
		{"www.zhongyuan.gov.cn", "中原区政府网", "中原区政府网"},
		{"192.168.1.5", "中原区政府网", "中原区政府网"},
		{"[::1]:8080", "中原区政府网", "中原区政府网"},
		{"localhost", "中原区政府网", "中原区政府网"},
		{"微信公众平台", "公众号", "公众号"},
		{"TNW", "科技", "TNW"},
		{"", "www.zhongyuan.gov.cn", "www.zhongyuan.gov.cn"}, // the operator's own choice stands
	}
	for _, tt := range tests {
		if got := SourceName(tt.site, tt.configured); got != tt.want {
			t.Errorf("SourceName(%q, %q) = %q, want %q", tt.site, tt.configured, got, tt.want)
		}
	}
}
