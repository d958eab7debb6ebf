package source

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// pageWant is what a fixture page must give.
type pageWant struct {
	title, dateline, byline, lead string
	source                        string // the site's name (digest.Article.Source)
	// bodyHas and bodyLacks are checked against Body.
	bodyHas, bodyLacks []string
	firstPara          string // Body's first paragraph, when it differs from Lead
	paras              int    // number of Body paragraphs
}

var pageFixtures = []struct {
	file string
	want pageWant
}{
	{"guangming.html", pageWant{
		title:    "中原区：老旧小区改造让万余户居民住得更舒心",
		dateline: "光明网讯",
		source:   "光明网",
		byline:   "记者 李晓 通讯员 周婷",
		lead:     "3月13日，记者从郑州市中原区住房和城乡建设局获悉，该区今年计划完成老旧小区改造86个，惠及居民1.2万余户。",
		bodyHas:  []string{"“以前下雨天楼道里全是水", "完善长效管理机制\n在改造的同时"},
		bodyLacks: []string{"图为", "王鹏 摄", "责任编辑", "相关阅读", "郑州推进老旧小区改造", "分享到", "来源：",
			"2024-03-14", "版权所有", "光明网讯"},
		paras: 6,
	}},
	{"xinhua.html", pageWant{
		title:     "郑州：春季义务植树活动启动 万人共植“生态林”",
		dateline:  "新华社郑州3月14日电",
		source:    "新华网",
		byline:    "记者 李文哲 王圣志",
		lead:      "3月14日，郑州市2024年春季义务植树活动在郑东新区龙湖南岸启动，1万余名干部群众参加植树。",
		bodyHas:   []string{"森林覆盖率达到35.5%", "“全民植树月”活动。"},
		bodyLacks: []string{"纠错", "责任编辑", "王佳", "李嘉南", "（完）", "扫一扫", "相关新闻", "字体", "新华社郑州"},
		paras:     4,
	}},
	{"district-gov.html", pageWant{
		title:     "中原区召开2024年安全生产工作会议",
		source:    "郑州市中原区人民政府",
		byline:    "记者 鲁燕 通讯员 木坤坤",
		lead:      "2月12日，中原区召开2024年安全生产工作会议，总结2023年安全生产工作，部署2024年重点任务。",
		bodyHas:   []string{"区长王建国出席会议并讲话。", "目标责任书。"},
		bodyLacks: []string{"发布时间", "来源", "浏览次数", "图为", "打印", "关闭窗口", "当前位置", "主办", "鲁燕"},
		paras:     4,
	}},
	{"tnw.html", pageWant{
		title:     "研究显示：短视频平台用户日均使用时长超过两小时",
		dateline:  "TNW中文站 10月14日报道",
		source:    "TNW中文站",
		byline:    "小北", // 作者：小北 in the info line
		lead:      "据外媒报道，一家市场研究机构周一发布的报告显示，短视频平台用户的日均使用时长已经超过两小时，比去年同期增加了约25分钟。",
		bodyHas:   []string{"广告收入同步增长\n与使用时长"},
		bodyLacks: []string{"TNW中文站", "转播到腾讯微博", "作者：", "via Example"},
		paras:     5,
	}},
	{"wanbao.gbk.html", pageWant{
		title:     "二七区春风行动招聘会提供岗位8000余个",
		source:    "郑州晚报",
		dateline:  "本报讯",
		byline:    "记者 刘镕 通讯员 付琳琳",
		lead:      "2月18日，二七区2024年“春风行动”大型招聘会在区人力资源市场举行，120余家企业提供就业岗位8000余个。",
		bodyHas:   []string{"据统计，当天共有3600余人次进场求职"},
		bodyLacks: []string{"分享到", "版权所有", "本报讯", "上一期"},
		paras:     3,
	}},
	{"wechat-mp.html", pageWant{
		title:     "中原区：“15分钟便民生活圈”再添12处",
		source:    "中原发布", // the account, not 微信公众平台
		lead:      "3月14日，记者从中原区商务局获悉，今年以来，中原区新建便民生活圈网点12处，居民步行15分钟即可买菜、理发、修鞋。",
		bodyHas:   []string{"“下楼走几步就能办完事，方便多了。”居民李女士说。"},
		bodyLacks: []string{"点击蓝字", "关注我们", "来源", "编辑", "审核", "二维码", "预览时标签不可点", "阅读原文", "中原发布", "2024-03-14"},
		paras:     3,
	}},
	// 中原区政府网: the author in the info line under the headline (the
	// meta author is the site), a label and a bold line above the lead.
	{"zhongyuan-info.html", pageWant{
		title:     "须水街道开展春季消防安全大检查",
		source:    "中原区人民政府",
		byline:    "张晓燕",
		lead:      "3月5日，须水街道组织安监、消防等部门，对辖区沿街商铺、“三小”场所开展春季消防安全大检查。",
		bodyHas:   []string{"下一步怎么干？\n街道将建立隐患台账"},
		bodyLacks: []string{"导读", "安全无小事", "来源", "作者", "浏览次数", "打印", "主办单位"},
		paras:     4,
	}},
	// 郑州日报网: og:site_name over the title's suffix, article:author over
	// a meta author of "admin", a question heading and a bold line above
	// the lead; 编辑： is not a byline.
	{"zzdaily.html", pageWant{
		title:     "二七区“家门口”就业服务站开张",
		source:    "郑州日报",
		byline:    "记者 王佳 通讯员 陈曦",
		lead:      "3月4日，二七区首批10个“家门口”就业服务站挂牌运行，为辖区居民提供岗位推荐、政策咨询和技能培训等服务。",
		bodyHas:   []string{"服务站还能做什么？\n除了推荐岗位"},
		bodyLacks: []string{"记者探访", "就能找到工作", "刘洋", "分享到", "相关新闻", "郑州春风行动"},
		paras:     4,
	}},
	// 人民网: 文/ in the text, a question line above the lead, the
	// channel and site cut off the title (标题--河南频道--人民网); the outlet
	// in <meta name="author"> is not a byline.
	{"people.html", pageWant{
		title:     "郑州：外派劳务人员行前培训“开小灶”",
		source:    "人民网",
		byline:    "张明远",
		lead:      "3月4日，郑州市2026年第一期外派劳务人员行前培训在市人社局培训中心开班，150名即将赴海外务工的人员参加培训。",
		bodyHas:   []string{"预计培训外派劳务人员2000人次。"},
		bodyLacks: []string{"文/", "政治科目", "责编", "版权所有", "来源"},
		paras:     3,
	}},
}

func checkPage(t *testing.T, got pageWantGot, w pageWant) {
	t.Helper()
	if got.Title != w.title {
		t.Errorf("Title %q, want %q", got.Title, w.title)
	}
	if got.Dateline != w.dateline {
		t.Errorf("Dateline %q, want %q", got.Dateline, w.dateline)
	}
	if got.Byline != w.byline {
		t.Errorf("Byline %q, want %q", got.Byline, w.byline)
	}
	if got.Lead != w.lead {
		t.Errorf("Lead %q, want %q", got.Lead, w.lead)
	}
	first := w.firstPara
	if first == "" {
		first = w.lead
	}
	if !strings.HasPrefix(got.Body, first) {
		t.Errorf("Body does not start with %q:\n%s", first, got.Body)
	}
	for _, s := range w.bodyHas {
		if !strings.Contains(got.Body, s) {
			t.Errorf("Body lacks %q:\n%s", s, got.Body)
		}
	}
	for _, s := range w.bodyLacks {
		if strings.Contains(got.Body, s) {
			t.Errorf("Body holds %q:\n%s", s, got.Body)
		}
	}
	if n := strings.Count(got.Body, "\n") + 1; n != w.paras {
		t.Errorf("Body has %d paragraphs, want %d:\n%s", n, w.paras, got.Body)
	}
}

type pageWantGot = struct{ Title, Dateline, Byline, Lead, Body string }

func TestExtractArticleFixtures(t *testing.T) {
	for _, tt := range pageFixtures {
		t.Run(tt.file, func(t *testing.T) {
			text, _, err := decode(readFixture(t, "pages/"+tt.file), "")
			if err != nil {
				t.Fatal(err)
			}
			a, err := ExtractArticle(text, "http://site.example/"+tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if a.URL != "http://site.example/"+tt.file {
				t.Errorf("URL %q", a.URL)
			}
			checkPage(t, pageWantGot{a.Title, a.Dateline, a.Byline, a.Lead, a.Body}, tt.want)
			if a.Source != tt.want.source {
				t.Errorf("Source %q, want %q", a.Source, tt.want.source)
			}
		})
	}
}

func TestFetchArticleCharsets(t *testing.T) {
	gbPage := readFixture(t, "pages/wanbao.gbk.html")
	utf, err := simplifiedchinese.GB18030.NewDecoder().Bytes(gbPage)
	if err != nil {
		t.Fatal(err)
	}
	noMeta := []byte(strings.Replace(string(gbPage), `<meta charset="gb2312">`, "", 1))
	httpEquiv := []byte(strings.Replace(string(gbPage), `<meta charset="gb2312">`,
		`<meta http-equiv="Content-Type" content="text/html; charset=GBK">`, 1))
	utfWithGBMeta := utf // the bytes are UTF-8 but the meta still says gb2312
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"meta charset gb2312", "text/html", gbPage},
		{"meta http-equiv gbk", "text/html", httpEquiv},
		{"header charset gbk", "text/html; charset=gbk", noMeta},
		{"sniffed GB18030", "text/html", noMeta},
		{"no content type", "", gbPage},
		{"header utf-8 over a gb2312 meta", "text/html; charset=utf-8", utfWithGBMeta},
		{"UTF-8 bytes under a gbk header", "text/html; charset=gbk", utfWithGBMeta},
		{"UTF-8 bytes under a gb2312 meta", "text/html", utfWithGBMeta},
		{"GBK bytes under a utf-8 header", "text/html; charset=utf-8", gbPage},
	}
	w := pageFixtures[4].want // wanbao.gbk.html
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := serve(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					rw.Header().Set("Content-Type", tt.contentType)
				} else {
					rw.Header()["Content-Type"] = nil // no sniffing by net/http either
				}
				rw.Write(tt.body)
			}))
			a, err := testClient(t, nil).FetchArticle(context.Background(), base+"/a.html")
			if err != nil {
				t.Fatal(err)
			}
			checkPage(t, pageWantGot{a.Title, a.Dateline, a.Byline, a.Lead, a.Body}, w)
		})
	}
}

func TestChooseTitle(t *testing.T) {
	tests := []struct {
		name, title, og string
		h1s             []string
		want            string
	}{
		{"underscore site", "中原区召开推进会_光明网", "", nil, "中原区召开推进会"},
		{"dash site", "郑州：春季植树活动启动-新华网", "", nil, "郑州：春季植树活动启动"},
		{"bar site", "二七区举办招聘会 | 郑州日报", "", nil, "二七区举办招聘会"},
		{"double dash site", "全国两会今日开幕——人民网", "", nil, "全国两会今日开幕"},
		{"channel and site", "郑州地铁新线开通_新闻频道_央视网(cctv.com)", "", nil, "郑州地铁新线开通"},
		{"government site", "中原区召开安全生产工作会议 - 郑州市中原区人民政府", "", nil, "中原区召开安全生产工作会议"},
		{"latin site", "研究显示用户时长增长_TNW中文站", "", nil, "研究显示用户时长增长"},
		{"no suffix", "中原区召开推进会", "", nil, "中原区召开推进会"},
		{"subtitle dash kept", "奋进新征程——记中原区优秀教师张华", "", nil, "奋进新征程——记中原区优秀教师张华"},
		{"subtitle dash kept, place at end", "春天里的奋斗者——走进中原区", "", nil, "春天里的奋斗者——走进中原区"},
		{"year range kept", "2023-2024学年中小学校历公布", "", nil, "2023-2024学年中小学校历公布"},
		{"og preferred over cut", "“十四五”规划——中原区_光明网", "“十四五”规划——中原区", nil, "“十四五”规划——中原区"},
		{"h1 preferred over cut", "中原区：网格员的一天——新华网", "", []string{"新华网", "中原区：网格员的一天"}, "中原区：网格员的一天"},
		{"h1 holding a dash", "郑州 - 中原区 两会特刊_光明网", "", []string{"郑州 - 中原区 两会特刊"}, "郑州 - 中原区 两会特刊"},
		{"og is the site name", "中原区召开推进会_光明网", "光明网", nil, "中原区召开推进会"},
		{"title is the site name", "郑州晚报", "", []string{"二七区举办招聘会"}, "二七区举办招聘会"},
		{"no title", "", "二七区举办招聘会", nil, "二七区举办招聘会"},
		{"whitespace", "  中原区召开\n  推进会 _光明网 ", "", nil, "中原区召开推进会"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseTitle(tt.title, tt.og, tt.h1s, ""); got != tt.want {
				t.Errorf("chooseTitle(%q, %q, %q) = %q, want %q", tt.title, tt.og, tt.h1s, got, tt.want)
			}
		})
	}
}

func TestExtractArticleShapes(t *testing.T) {
	tests := []struct {
		name, html string
		want       pageWant
		err        error
	}{
		{"short page readability passes over", `<html><head><title>须水街道开展义诊_中原区人民政府</title></head><body>
			<div><a href="/">首页</a> <a href="/x">政务</a></div>
			<div class="c"><p>3月5日，须水街道在辖区广场开展义诊活动。</p><p>共服务群众200余人次。</p></div></body></html>`,
			pageWant{title: "须水街道开展义诊", lead: "3月5日，须水街道在辖区广场开展义诊活动。", paras: 2}, nil},
		{"br-separated paragraphs", `<html><head><title>林山寨街道举办邻里节 | 郑州日报</title></head><body><h1>林山寨街道举办邻里节</h1>
			<div id="content">【大河报讯】（记者 王邵怡）林山寨街道日前举办“邻里节”活动，居民们欢聚一堂。<br><br>
			活动中，社区志愿者为老人义务理发、测量血压，孩子们表演了精彩的节目，现场掌声不断，气氛十分热烈。<br>
			社区负责人表示，今后将定期举办此类活动，增进邻里感情，营造和谐的社区氛围。</div></body></html>`,
			pageWant{title: "林山寨街道举办邻里节", dateline: "【大河报讯】", byline: "记者 王邵怡",
				lead: "林山寨街道日前举办“邻里节”活动，居民们欢聚一堂。", paras: 3}, nil},
		{"meta author as byline", `<html><head><title>桐柏路街道开展消防演练_光明网</title><meta name="author" content="记者 鲁燕"></head><body>
			<article><p>3月8日，桐柏路街道组织辖区商户开展消防应急演练。</p><p>演练中，消防员讲解了灭火器的使用方法。</p></article></body></html>`,
			pageWant{title: "桐柏路街道开展消防演练", byline: "记者 鲁燕", lead: "3月8日，桐柏路街道组织辖区商户开展消防应急演练。", paras: 2}, nil},
		{"markup line breaks inside Chinese text", "<html><head><title>中原区新闻</title></head><body><h1>中原区新闻</h1><p>中原区\n    召开会议，\n    部署工作。</p></body></html>",
			pageWant{title: "中原区新闻", lead: "中原区召开会议，部署工作。", paras: 1}, nil},
		{"navigation only", `<html><head><title>首页_光明网</title></head><body><ul><li><a>首页</a></li><li><a>时政</a></li></ul></body></html>`,
			pageWant{}, ErrNotArticle},
		{"empty", ``, pageWant{}, ErrNotArticle},
		{"not html at all", "\x00\x01\x02 binary", pageWant{}, ErrNotArticle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ExtractArticle(tt.html, "http://site.example/a.html")
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkPage(t, pageWantGot{a.Title, a.Dateline, a.Byline, a.Lead, a.Body}, tt.want)
		})
	}
}

func TestParagraphsCollapse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"中原区\n   召开会议", "中原区召开会议"},
		{"记者 鲁燕  通讯员\u00a0木坤坤", "记者 鲁燕 通讯员 木坤坤"},
		{"Go\n语言", "Go 语言"},
		{"第一句。\n\t第二句。", "第一句。第二句。"},
		{"保留\u3000\n空格", "保留 空格"},
		{"  \u200b前后  ", "前后"},
	}
	for _, tt := range tests {
		if got := collapse(tt.in); got != tt.want {
			t.Errorf("collapse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := fragmentParagraphs(`<p>一。</p>二。<br/>三。<div>四<span>五</span>。</div><script>x()</script><p> </p>`)
	want := []string{"一。", "二。", "三。", "四五。"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("fragmentParagraphs = %q, want %q", got, want)
	}
}
