package digest

import (
	"errors"
	"strings"
	"testing"
)

func TestArticleFromParagraphs(t *testing.T) {
	const title = "中原区召开重点项目推进会"
	const lead = "2月12日，中原区召开2024年重点项目推进会。"
	const second = "会议通报了去年项目建设情况，部署了今年工作。"
	tests := []struct {
		name  string
		paras []string
		want  Article // Title defaults to title; Body to lead + "\n" + second
	}{
		{"plain", []string{lead, second}, Article{Lead: lead}},
		{"title repeated", []string{title, lead, second}, Article{Lead: lead}},
		{"ideographic indent and spaces", []string{"\u3000\u3000" + lead + "  ", "\u00a0" + second}, Article{Lead: lead}},

		// Captions.
		{"caption 图为", []string{"图为会议现场。", lead, second}, Article{Lead: lead}},
		{"caption 图注", []string{"图注：与会人员参观项目现场", lead, second}, Article{Lead: lead}},
		{"photo credit", []string{"本报记者 王鹏 摄", lead, second}, Article{Lead: lead}},
		{"caption with credit", []string{"2月12日，与会人员在项目现场观摩。本报记者 王鹏 摄", lead, second}, Article{Lead: lead}},
		{"caption 新华社发", []string{"2月12日拍摄的项目工地。新华社发（张三 摄）", lead, second}, Article{Lead: lead}},
		{"inline 如图", []string{"2月12日，中原区召开2024年重点项目推进会（如图）。", second}, Article{Lead: lead}},
		{"standalone 如图", []string{"（如图）", lead, second}, Article{Lead: lead}},

		// Openers and datelines.
		{"本报讯", []string{"本报讯 " + lead, second}, Article{Dateline: "本报讯", Lead: lead}},
		{"本报讯 with byline", []string{"本报讯（记者 鲁燕 通讯员 木坤坤）" + lead, second},
			Article{Dateline: "本报讯", Byline: "记者 鲁燕 通讯员 木坤坤", Lead: lead}},
		{"xinhua dateline", []string{"新华社北京3月14日电（记者 熊争艳、丁小溪）" + lead, second},
			Article{Dateline: "新华社北京3月14日电", Byline: "记者 熊争艳 丁小溪", Lead: lead}},
		{"TNW dateline alone", []string{"TNW中文站 10月14日报道", lead, second}, Article{Dateline: "TNW中文站 10月14日报道", Lead: lead}},
		{"TNW dateline inline", []string{"TNW中文站 10月14日报道 " + lead, second}, Article{Dateline: "TNW中文站 10月14日报道", Lead: lead}},
		{"site 消息", []string{"央视网消息：" + lead, second}, Article{Dateline: "央视网消息", Lead: lead}},
		{"dated site 消息", []string{"央广网郑州2月12日消息（记者 张三）" + lead, second},
			Article{Dateline: "央广网郑州2月12日消息", Byline: "记者 张三", Lead: lead}},
		{"大河报讯", []string{"【大河报讯】" + lead, second}, Article{Dateline: "【大河报讯】", Lead: lead}},
		{"大河报讯 with byline", []string{"【大河报讯】（记者 王邵怡 文/图）" + lead, second},
			Article{Dateline: "【大河报讯】", Byline: "记者 王邵怡", Lead: lead}},
		{"报道了 is a sentence", []string{"郑州电视台10月14日报道了这次会议。", second},
			Article{Lead: "郑州电视台10月14日报道了这次会议。", Body: "郑州电视台10月14日报道了这次会议。\n" + second}},
		{"opener after the lead is text", []string{lead, "新华社北京3月14日电 另有消息称，工程进展顺利。"},
			Article{Lead: lead, Body: lead + "\n新华社北京3月14日电 另有消息称，工程进展顺利。"}},

		// Share furniture and page tools.
		{"share furniture", []string{"转播到腾讯微博", "分享到：", "微信 微博 QQ空间", "扫一扫", "【纠错】", "字号：大 中 小", lead, second, "打印本页 关闭窗口"},
			Article{Lead: lead}},

		// Timestamps and source lines.
		{"timestamp", []string{"2023-02-13 10:25:31", lead, second}, Article{Lead: lead}},
		{"timestamp and source", []string{"2023-02-13 10:25:31 来源：新华网", lead, second}, Article{Lead: lead}},
		{"publication line", []string{"发布时间：2023-02-13 10:25:31 来源：中原区政府办 浏览次数：356", lead, second}, Article{Lead: lead}},
		{"source line", []string{"来源：郑州日报", "作者：张三", lead, second}, Article{Lead: lead}},
		{"Chinese date line", []string{"2023年02月13日 10:25", lead, second}, Article{Lead: lead}},
		{"sentence starting with a date", []string{"2023年2月13日，中原区召开推进会。", second},
			Article{Lead: "2023年2月13日，中原区召开推进会。", Body: "2023年2月13日，中原区召开推进会。\n" + second}},

		// Bylines.
		{"byline before", []string{"记者 鲁燕 通讯员 木坤坤", lead, second}, Article{Byline: "记者 鲁燕 通讯员 木坤坤", Lead: lead}},
		{"byline after", []string{lead, second, "记者 鲁燕 通讯员 木坤坤"}, Article{Byline: "记者 鲁燕 通讯员 木坤坤", Lead: lead}},
		{"byline on two lines", []string{lead, second, "记者 鲁燕", "通讯员 鹿昆 杨柳茵"}, Article{Byline: "记者 鲁燕 通讯员 鹿昆 杨柳茵", Lead: lead}},
		{"byline with paper", []string{"郑报全媒体记者 范光华 文/图", lead, second}, Article{Byline: "记者 范光华", Lead: lead}},
		{"byline glued to the end", []string{lead, second + " 记者 鲁燕"}, Article{Byline: "记者 鲁燕", Lead: lead}},
		{"记者了解到 is text", []string{"记者了解到，今年全区将实施重点项目120个。", second},
			Article{Lead: "记者了解到，今年全区将实施重点项目120个。", Body: "记者了解到，今年全区将实施重点项目120个。\n" + second}},

		// Editor trailers.
		{"trailers", []string{lead, second, "责任编辑：王佳", "（责编：李四）", "【编辑:张三】", "[责任编辑:张丹]", "(完)"}, Article{Lead: lead}},
		{"trailer glued to the end", []string{lead, second + "（完）"}, Article{Lead: lead}},
		{"纠错 and editor on one line", []string{lead, second, "【纠错】 责任编辑： 王佳"}, Article{Lead: lead}},

		// Sub-heads.
		{"subhead before the lead", []string{"坚持项目为王", lead, second}, Article{Lead: lead}},
		{"numbered subhead before the lead", []string{"一、项目建设提速", lead, second}, Article{Lead: lead}},
		{"question subhead before the lead", []string{"出国前：政治科目会出啥考题？", lead, second}, Article{Lead: lead}},
		{"question subhead in quotes", []string{"“项目为啥能提速？”", lead, second}, Article{Lead: lead}},
		{"label line before the lead", []string{"【导读】", lead, second}, Article{Lead: lead}},
		{"question lead with a sentence before it", []string{"会议持续两个小时。项目为啥能提速？", second},
			Article{Lead: "会议持续两个小时。", Body: "会议持续两个小时。项目为啥能提速？\n" + second}},
		{"question after the lead stays", []string{lead, "项目为啥能提速？", second},
			Article{Lead: lead, Body: lead + "\n项目为啥能提速？\n" + second}},
		{"subhead after the lead stays", []string{lead, "坚持项目为王", second},
			Article{Lead: lead, Body: lead + "\n坚持项目为王\n" + second}},
		{"long lead without a final mark", []string{"2月12日，中原区召开2024年重点项目推进会，安排部署全年项目建设工作，区领导出席会议", second},
			Article{Lead: "2月12日，中原区召开2024年重点项目推进会，安排部署全年项目建设工作，区领导出席会议",
				Body: "2月12日，中原区召开2024年重点项目推进会，安排部署全年项目建设工作，区领导出席会议\n" + second}},

		// The end of the article.
		{"related links end it", []string{lead, second, "相关阅读", "郑州推进老旧小区改造。"}, Article{Lead: lead}},
		{"related links before the lead", []string{"相关新闻", lead, second}, Article{Lead: lead}},
		{"footer", []string{lead, second, "版权所有 © 郑州报业集团"}, Article{Lead: lead}},
		{"via credit", []string{lead, second, "via Example Research"}, Article{Lead: lead}},

		// Paragraphs holding line breaks.
		{"lines in one paragraph", []string{"分享到：\n图为会议现场。\n" + lead + "\n" + second}, Article{Lead: lead}},

		// Everything at once, as a news site prints it.
		{"all furniture", []string{
			title, "2024-02-13 10:25:31 来源：中原区融媒体中心", "分享到：", "图为会议现场。", "本报记者 王鹏 摄",
			"本报讯（记者 鲁燕 通讯员 木坤坤）" + lead, "坚持项目为王", second, "（责编：王晓）", "【纠错】", "相关阅读", "其他新闻。",
		}, Article{Dateline: "本报讯", Byline: "记者 鲁燕 通讯员 木坤坤", Lead: lead, Body: lead + "\n坚持项目为王\n" + second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			want.Title = title
			if want.Body == "" {
				want.Body = lead + "\n" + second
			}
			got, err := ArticleFromParagraphs(title, tt.paras)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestArticleFromParagraphsErrors(t *testing.T) {
	tests := []struct {
		name  string
		paras []string
	}{
		{"nothing", nil},
		{"blank", []string{"", "  ", "\u3000"}},
		{"only furniture", []string{"分享到：", "2023-02-13 10:25:31", "责任编辑：王佳", "图为会议现场。"}},
		{"only sub-heads", []string{"坚持项目为王", "一、项目建设提速"}},
		{"invalid UTF-8", []string{"\xff\xfe\xfd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ArticleFromParagraphs("标题", tt.paras)
			if !errors.Is(err, ErrNoArticles) {
				t.Fatalf("err = %v (article %+v), want ErrNoArticles", err, a)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestArticleFromParagraphsTitle(t *testing.T) {
	a, err := ArticleFromParagraphs("  中原区召开\n推进会  ", []string{"中原区召开推进会。"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "中原区召开 推进会" && a.Title != "中原区召开推进会" {
		t.Errorf("Title %q", a.Title)
	}
	a, err = ArticleFromParagraphs("", []string{"中原区召开推进会。"})
	if err != nil || a.Title != "" || a.Lead != "中原区召开推进会。" {
		t.Errorf("untitled: %+v, %v", a, err)
	}
}

func TestNormalizeByline(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"记者 鲁燕 通讯员 木坤坤", "记者 鲁燕 通讯员 木坤坤", true},
		{"本报记者 刘伟平 通讯员 惠峰 文/图", "记者 刘伟平 通讯员 惠峰", true},
		{"（记者 鲁燕）", "记者 鲁燕", true},
		{"本报记者 王鹏 摄", "", false},
		{"记者了解到", "", false},
		{"admin", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeByline(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeByline(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeAuthor(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"张三", "张三", true},
		{"张三、李四", "张三 李四", true},
		{"张三 李四", "张三 李四", true},
		{"作者：张三", "张三", true},
		{"文/张三", "张三", true},
		{"By 张三", "张三", true},
		{"记者 鲁燕", "记者 鲁燕", true},
		{"本报记者 刘伟平 通讯员 惠峰", "记者 刘伟平 通讯员 惠峰", true},
		{"阿依古丽·买买提", "阿依古丽·买买提", true},
		// Outlets, offices, accounts and handles are not authors.
		{"中原发布", "", false},
		{"郑州日报", "", false},
		{"中原区人民政府", "", false},
		{"区融媒体中心", "", false},
		{"人民网", "", false},
		{"admin", "", false},
		{"本报记者 王鹏 摄", "", false},
		{"记者了解到", "", false},
		{"张三 李四 王五 赵六 钱七", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeAuthor(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeAuthor(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBylineFromInfoLine(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"来源：郑州日报 作者：张三 发布时间：2026-03-05", "张三"},
		{"发布时间：2026-03-05 09:30 来源：郑州日报 作者：张三、李四", "张三 李四"},
		{"来源：郑州日报作者：张三", "张三"},
		{"记者 张三 通讯员 李四", "记者 张三 通讯员 李四"},
		{"记者：张三 通讯员：李四 来源：中原区融媒体中心", "记者 张三 通讯员 李四"},
		{"作者：记者 张三", "记者 张三"},
		{"来源：郑州日报 记者 张三", "记者 张三"},
		{"文/张三", "张三"},
		{"2026-03-05 文/张三", "张三"},
		{"文｜张三", "张三"},
		{"作者：小北", "小北"},
		// An outlet, an editor or a time is not a byline.
		{"来源：新华网", ""},
		{"来源：人民网-人民日报", ""},
		{"编辑：王五", ""},
		{"编辑：王五 审核：赵六", ""},
		{"责任编辑：王佳", ""},
		{"作者：中原区人民政府", ""},
		{"发布时间：2024-02-13 10:25:31 来源：中原区应急管理局 浏览次数：356", ""},
		{"2月12日，记者张三在现场看到，工地上一派繁忙。", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := BylineFromInfoLine(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("BylineFromInfoLine(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
