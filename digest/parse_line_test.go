package digest

import (
	"testing"
	"unicode/utf8"
)

func TestParseOpener(t *testing.T) {
	tests := []struct {
		line                   string
		ok                     bool
		dateline, byline, rest string
		ownCopy                bool
	}{
		{"本报讯 2月11日,中原区举行推进会。", true, "本报讯", "", "2月11日,中原区举行推进会。", true},
		{"□本报讯 近日,区里开会。", true, "本报讯", "", "近日,区里开会。", true},
		{"本报讯(记者 孙志刚 通讯员 张黎 孙婧)中原区召开会议。", true, "本报讯", "记者 孙志刚 通讯员 张黎 孙婧", "中原区召开会议。", false},
		{"本报讯（郑报全媒体记者 范光华 张改华 文/图）近日,区里开会。", true, "本报讯", "记者 范光华 张改华", "近日,区里开会。", false},
		{"本台讯 今天上午,区里开会。", true, "本台讯", "", "今天上午,区里开会。", true},
		{"本报讯：近日,区里开会。", true, "本报讯", "", "近日,区里开会。", true},
		{"新华社北京3月14日电（记者 熊争艳、丁小溪）十四届全国人大一次会议闭幕。", true, "新华社北京3月14日电", "记者 熊争艳 丁小溪", "十四届全国人大一次会议闭幕。", false},
		{"新华社北京3月14日电(记者熊争艳、丁小溪)会议闭幕。", true, "新华社北京3月14日电", "记者 熊争艳 丁小溪", "会议闭幕。", false},
		{"中新网郑州5月19日电(张晓涛)河南发布消息。", true, "中新网郑州5月19日电", "张晓涛", "河南发布消息。", false},
		{"人民网北京2月24日电 (记者 刘阳)海关公布数据。", true, "人民网北京2月24日电", "记者 刘阳", "海关公布数据。", false},
		{"新华社郑州5月2日专电 近日,郑州开展活动。", true, "新华社郑州5月2日专电", "", "近日,郑州开展活动。", false},
		{"本报墨西哥城1月28日电记者张金江报道:墨西哥举行活动。", true, "本报墨西哥城1月28日电", "记者 张金江", "墨西哥举行活动。", false},
		{"据新华社电 近日,有关部门公布名单。", true, "据新华社电", "", "近日,有关部门公布名单。", false},
		{"据新华社北京3月1日电 有关部门公布名单。", true, "据新华社北京3月1日电", "", "有关部门公布名单。", false},
		{"据大河报报道,郑州新增公园。", true, "据大河报报道", "", "郑州新增公园。", false},
		{"据中原区人社局消息,今年将新增岗位。", true, "据中原区人社局消息", "", "今年将新增岗位。", false},
		{"据《郑州日报》报道,郑州新增公园。", true, "据《郑州日报》报道", "", "郑州新增公园。", false},
		{"【大河报讯】近日,郑州新增公园。", true, "【大河报讯】", "", "近日,郑州新增公园。", true},
		{"【大河报·豫视频讯】（记者 王邵怡）近日,郑州新增公园。", true, "【大河报·豫视频讯】", "记者 王邵怡", "近日,郑州新增公园。", false},
		{"映象网快讯(记者 王邵怡 文/图)近日,郑州新增公园。", true, "映象网快讯", "记者 王邵怡", "近日,郑州新增公园。", false},
		{"大河网讯 近日,郑州新增公园。", true, "大河网讯", "", "近日,郑州新增公园。", true},
		// Place and day only: the month is left out for this month's news.
		{"本报合肥18日电 安徽省合肥市18日召开会议。", true, "本报合肥18日电", "", "安徽省合肥市18日召开会议。", false},
		{"本报北京3月5日讯 北京市5日出台新规。", true, "本报北京3月5日讯", "", "北京市5日出台新规。", false},
		{"据新华社北京18日电 会议开幕。", true, "据新华社北京18日电", "", "会议开幕。", false},
		{"新华社北京3月5日电（记者 张三 李四）会议开幕。", true, "新华社北京3月5日电", "记者 张三 李四", "会议开幕。", false},
		// Dates in Chinese numerals, on older pages.
		{"新华社北京九月二十八日电 华国锋今天会见代表团。", true, "新华社北京九月二十八日电", "", "华国锋今天会见代表团。", false},
		{"本报北京七月九日讯记者廖先旺报道:今天下午,李鹏会见莱克。", true, "本报北京七月九日讯", "记者 廖先旺", "今天下午,李鹏会见莱克。", false},
		// A bracketed wire dateline, then the place's 讯.
		{"【新华社重庆十四日电】拉萨讯:解放军某部先遣部队进抵拉萨。", true, "【新华社重庆十四日电】拉萨讯", "", "解放军某部先遣部队进抵拉萨。", false},
		{"【新华社十四日讯】任何人只要拿来对照。", true, "【新华社十四日讯】", "", "任何人只要拿来对照。", true},
		// The paper's own undated 电 from a place.
		{"本报海口电记者鲍洪俊报道:洋浦建设工地机声隆隆。", true, "本报海口电", "记者 鲍洪俊", "洋浦建设工地机声隆隆。", false},
		{"本报记者从市电力公司获悉,今年将新建变电站。", false, "", "", "", false},
		// A note that the copy is compiled from several reports is dropped.
		{"本报北京4月12日讯 综合各地记者报道:全国各族各界干部群众坚决拥护。", true, "本报北京4月12日讯", "", "全国各族各界干部群众坚决拥护。", false},
		// 本报讯 with the outlet the copy came from: the whole is the opener.
		{"本报讯 据长江日报消息:武汉新增口袋公园50个。", true, "本报讯 据长江日报消息", "", "武汉新增口袋公园50个。", false},
		{"本报讯 据长江日报消息：武汉新增口袋公园50个。", true, "本报讯 据长江日报消息", "", "武汉新增口袋公园50个。", false},
		{"本报讯 据新华社电 会议开幕。", true, "本报讯 据新华社电", "", "会议开幕。", false},
		{"本报讯 据了解,武汉新增口袋公园50个。", true, "本报讯", "", "据了解,武汉新增口袋公园50个。", true},
		{"本报讯 据长江日报消息称,武汉新增公园。", true, "本报讯", "", "据长江日报消息称,武汉新增公园。", true},
		// Not openers.
		{"据了解,工程总投资约1.8亿元。", false, "", "", "", false},
		{"据悉,活动将持续到月底。", false, "", "", "", false},
		// A reporter's credit opening the paragraph with no dateline.
		{"本报记者张晓华报道:今年以来,嵩北区新增企业300家。", true, "", "记者 张晓华", "今年以来,嵩北区新增企业300家。", false},
		{"本报记者 张晓华、李明报道：嵩北区新增企业300家。", true, "", "记者 张晓华 李明", "嵩北区新增企业300家。", false},
		{"记者张晓华报道的内容引起关注。", false, "", "", "", false},
		{"据介绍消息,活动将持续到月底。", false, "", "", "", false},
		{"记者了解到，该项目已完工。", false, "", "", "", false},
		{"通讯员会议召开。", false, "", "", "", false},
		{"本报记者 刘伟平 通讯员 惠峰 文/图", false, "", "", "", false},
		{"中原区2022年度“新时代好少年”颁奖典礼举行", false, "", "", "", false},
		{"【相关链接】", false, "", "", "", false},
		{"新华社记者 李贺 摄", false, "", "", "", false},
		{"合肥18日召开会议。", false, "", "", "", false},
		{"本届大会于18日电视直播。", false, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			o, ok := parseOpener(tt.line)
			if ok != tt.ok {
				t.Fatalf("parseOpener ok = %v, want %v (%+v)", ok, tt.ok, o)
			}
			if !ok {
				return
			}
			if o.dateline != tt.dateline || o.byline != tt.byline || o.rest != tt.rest || o.ownCopy != tt.ownCopy {
				t.Errorf("parseOpener = %+v\nwant dateline %q byline %q rest %q ownCopy %v", o, tt.dateline, tt.byline, tt.rest, tt.ownCopy)
			}
		})
	}
}

func TestParseByline(t *testing.T) {
	tests := []struct {
		in          string
		requireRole bool
		want        string
		credit, ok  bool
	}{
		{"记者 鲁燕 通讯员 木坤坤", true, "记者 鲁燕 通讯员 木坤坤", false, true},
		{"记者鲁燕 通讯员木坤坤", true, "记者 鲁燕 通讯员 木坤坤", false, true},
		{"记者 鲁燕通讯员木坤坤", true, "记者 鲁燕 通讯员 木坤坤", false, true},
		{"通讯员 鹿昆 杨柳茵", true, "通讯员 鹿昆 杨柳茵", false, true},
		{"郑州晚报记者 张改华 通讯员 付琳琳", true, "记者 张改华 通讯员 付琳琳", false, true},
		{"本报记者 刘伟平 通讯员 惠峰 文/图", true, "记者 刘伟平 通讯员 惠峰", false, true},
		{"□晚报记者 汪永森 实习生 张青华", true, "记者 汪永森 实习生 张青华", false, true},
		{"郑报全媒体记者 范光华 张改华 文/图", true, "记者 范光华 张改华", false, true},
		{"记者 熊争艳、丁小溪", true, "记者 熊争艳 丁小溪", false, true},
		{"首席记者 王磊 见习记者 李想", true, "首席记者 王磊 见习记者 李想", false, true},
		{"全媒体记者　赵一　　通讯员　钱二", true, "记者 赵一 通讯员 钱二", false, true},
		{"记者 阿依古丽·买买提", true, "记者 阿依古丽·买买提", false, true},
		{"记者 张三 报道", true, "记者 张三", false, true},
		{"本报记者 王鹏 摄", true, "记者 王鹏", true, true},
		{"记者 王鹏摄", true, "记者 王鹏", true, true},
		{"张晓涛", false, "张晓涛", false, true},
		// Outlet and desk prefixes.
		{"郑报融媒记者 覃岩峰 陈凯", true, "记者 覃岩峰 陈凯", false, true},
		{"大象新闻记者 王磊", true, "记者 王磊", false, true},
		{"航空港时报 曾碧娟 通讯员 杨宇", true, "记者 曾碧娟 通讯员 杨宇", false, true},
		{"中原区融媒体中心 张三", true, "记者 张三", false, true},
		{"中原网 全新改版", true, "", false, false},     // the outlet's names must read as names
		{"王建社 李四", false, "王建社 李四", false, true}, // 社 ends a name here
		// Names printed without spaces.
		{"通讯员郝丹凤黄卫江", true, "通讯员 郝丹凤 黄卫江", false, true},
		{"记者王军李小华 通讯员张三李四", true, "记者 王军 李小华 通讯员 张三 李四", false, true},
		{"记者 郝丹凤黄卫江通讯员杨宇", true, "记者 郝丹凤 黄卫江 通讯员 杨宇", false, true},
		{"张晓涛", true, "", false, false},
		// Not bylines.
		{"记者了解到，该项目已完工。", true, "", false, false},
		{"记者了解到", true, "", false, false},
		{"记者从区教育局获悉", true, "", false, false},
		{"记者在现场看到", true, "", false, false},
		{"记者们", true, "", false, false},
		{"记者 鲁燕 通讯员", true, "记者 鲁燕 通讯员", false, true},
		{"记者", true, "", false, false},
		{"张三 记者 李四", true, "", false, false},
		{"记者 2名", true, "", false, false},
		{"记者节座谈会在区委召开并取得圆满成功大家都很高兴也很激动", true, "", false, false},
		{"区委常委会召开会议 记者 鲁燕 李华 王五 赵六 孙七 周八 吴九 郑十 冯十一", true, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, credit, ok := parseByline(tt.in, tt.requireRole)
			if ok != tt.ok || ok && (got != tt.want || credit != tt.credit) {
				t.Errorf("parseByline(%q, %v) = %q, %v, %v; want %q, %v, %v", tt.in, tt.requireRole, got, credit, ok, tt.want, tt.credit, tt.ok)
			}
		})
	}
}

func TestTrailersAndCaptions(t *testing.T) {
	tests := []struct {
		line string
		kind lineKind
	}{
		{"（责编：王芳）", kTrailer},
		{"(责编:王芳)", kTrailer},
		{"【编辑:孙雅】", kTrailer},
		{"责任编辑：何静", kTrailer},
		{"来源：嵩北融媒", kTrailer},
		{"(完)", kTrailer},
		{"（完）", kTrailer},
		{"②9", kTrailer},
		{"⑥ 12", kTrailer},
		{"图为施工人员正在更换管网。", kCaption},
		{"（如图）", kCaption},
		{"本报记者 王鹏 摄", kCaption},
		{"（本报记者 王鹏 摄）", kCaption},
		{"王鹏 摄", kCaption},
		{"新华社记者 李贺 摄", kCaption},
		{"▲志愿者在社区服务。", kCaption},
		{"3月5日，第十四届全国人民代表大会第二次会议在北京人民大会堂开幕。新华社记者鞠鹏摄", kCaption},
		{"图为农民在田间劳作。本报记者 王五 摄", kCaption},
		{"市民在公园游玩。本报记者 王五 摄", kCaption},
		{"3月9日，社区长者食堂开业。新华社发（李贺 摄）", kCaption},
		{"3月9日，社区长者食堂开业。新华社发", kCaption},
		{"3月9日，社区长者食堂开业。（图片由区委宣传部提供）", kCaption},
		{"本报记者 徐建中摄", kCaption},
		{"(附图片)", kCaption},
		{"（附图）", kCaption},
		{"（图片由区委宣传部提供）", kCaption},
		{"图片由区委宣传部提供", kCaption},
		{"（资料图片）", kCaption},
		{"（视频截图）", kCaption},
		{"《 青年参考 》( 2011年08月31日   15 版)", kCaption},
		{"本报记者 崔丽 庄庆鸿 《 中国青年报 》( 2013年04月27日   04 版)", kByline},
		{"《中国青年报》创刊60周年", kText},
		{"会议强调要狠抓落实，拍摄", kText},
		{"他说自己很喜欢摄影。", kText},
		{"附图片说明见下文", kText},
		{"记者 鲁燕", kByline},
		{"（记者 鲁燕 通讯员 木坤坤）", kByline},
		{"（下转第二版）", kTrailer},
		{"(上接1版)", kTrailer},
		{"下转弯道要减速。", kText},
		{"编辑部召开会议。", kText},
		{"来源广泛的资金支持项目建设。", kText},
		{"完成全年任务", kText},
		{"图书馆新馆开放", kText},
		{"记者了解到，该项目已完工。", kText},
		// A site's clutter around a forwarded story.
		{"2025年4月30日 星期三", kTrailer},
		{"2023年3月1日", kTrailer},
		{"source http://news.example.com/n1/2025/0430/c1002-1.html", kTrailer},
		{"原文链接：https://example.com/a?id=3", kTrailer},
		{"https://example.com/a", kTrailer},
		{"2023年3月1日，区里召开会议。", kText},
		{"2023年3月1日起施行", kText},
		{"详见 https://example.com/a 的说明。", kText},
		// Editor's notes are not the article proper.
		{"编者按 在艰苦的地方坚持下来，需要怎样的信念？", kCaption},
		{"【编者按】在艰苦的地方坚持下来，需要怎样的信念？", kCaption},
		{"编者按：", kCaption},
		{"编者按照要求删改了稿件。", kText},
		// 作者 lines name the author.
		{"作者：李小华", kByline},
		{"作者:李小华 《嵩北日报》( 2023年03月01日 06版)", kByline},
		{"作者：本报记者 李小华", kByline},
		{"作者认为，这一做法值得推广。", kText},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := classifyLine(tt.line).kind; got != tt.kind {
				t.Errorf("classifyLine(%q).kind = %d, want %d", tt.line, got, tt.kind)
			}
		})
	}
}

func TestHeadShape(t *testing.T) {
	tests := []struct {
		line string
		want headShape
	}{
		{"中原区举办研发费用入统业务培训会", strictHead},
		{"不断加大研发投入 提高科技创新能力", strictHead},
		{"“老城墙”能否重现昔日风貌？", strictHead},
		{"李强：推动经济持续回升向好", strictHead},
		{"新时代呼唤好少年,好少年", looseHead},
		{"刘斌要求各施工单位要把", looseHead},
		{"新认定省级工程技术研究中心3", looseHead},
		{"一、坚持问题导向", looseHead},
		{"习近平在看望参加政协会议的委员时说：", looseHead},
		{"“中国现在很稳定,我也放心”", looseHead},
		{"会议强调，要做好以下工作：", notHead},
		{"刘斌要求,各施工单位要把", looseHead},
		{"需要好榜样。此次活动通过树立典型", notHead},
		{"各级各部门务必保持清醒头脑,", notHead},
		{"真的吗？是的", notHead},
		{"这是一个很长很长的句子,里面有逗号,而且已经超过了三十个字的长度限制,所以不是标题", notHead},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := headShapeOf(tt.line); got != tt.want {
				t.Errorf("headShapeOf(%q) = %d, want %d", tt.line, got, tt.want)
			}
		})
	}
}

func TestSplitHeadline(t *testing.T) {
	tests := []struct {
		name                    string
		lines                   []string
		kicker, title, subtitle string
	}{
		{"title then slogans on one line", []string{"中原区第二次项目观摩活动暨一季度“开门红”工作推进会举行 夯实基础 积蓄动能 奋力推动全区项目建设大提速大提升"},
			"", "中原区第二次项目观摩活动暨一季度“开门红”工作推进会举行", "夯实基础 积蓄动能 奋力推动全区项目建设大提速大提升"},
		{"short factual title", []string{"区领导调研企业复工情况 以“开门红” 力促全年“持续红”"},
			"", "区领导调研企业复工情况", "以“开门红” 力促全年“持续红”"},
		{"slogans then title on one line", []string{"夯实基础 积蓄动能 嵩北区推进会召开"}, "夯实基础 积蓄动能", "嵩北区推进会召开", ""},
		{"slogan kicker line above the title", []string{"不断加大研发投入 提高科技创新能力", "中原区举办研发费用入统业务培训会"},
			"不断加大研发投入 提高科技创新能力", "中原区举办研发费用入统业务培训会", ""},
		{"title then dash subtitle", []string{"黄河湿地越冬候鸟数量创新高", "——河南黄河湿地生态保护见闻"},
			"", "黄河湿地越冬候鸟数量创新高", "河南黄河湿地生态保护见闻"},
		{"three lines", []string{"守护一江清水", "嵩北区完成河道清淤12.5公里", "汛期前将完成全部治理任务"},
			"守护一江清水", "嵩北区完成河道清淤12.5公里", "汛期前将完成全部治理任务"},
		{"two kickers, title, dash subtitle", []string{"坚持创新驱动", "奋力谱写新篇章", "中原区召开科技创新大会", "——记中原区科技创新工作"},
			"坚持创新驱动 奋力谱写新篇章", "中原区召开科技创新大会", "记中原区科技创新工作"},
		{"kicker, title, two subtitles", []string{"守护一江清水", "嵩北区完成河道清淤12.5公里", "汛期前将完成全部治理任务", "——河道治理见闻"},
			"守护一江清水", "嵩北区完成河道清淤12.5公里", "汛期前将完成全部治理任务 河道治理见闻"},
		{"quoted title under the line saying who said it", []string{"习近平在看望参加政协会议的民盟民进教育界委员时说", "“中国现在很稳定,我也放心”"},
			"习近平在看望参加政协会议的民盟民进教育界委员时说", "“中国现在很稳定,我也放心”", ""},
		{"quoted title under a kicker ending in a colon, with a subtitle", []string{"老党员王大爷谈起家乡变化时说：", "“日子越过越有奔头”", "——记老党员王大爷"},
			"老党员王大爷谈起家乡变化时说：", "“日子越过越有奔头”", "记老党员王大爷"},
		{"a kicker line ending in what someone reaffirmed", []string{"一些国家重申", "坚决支持一个中国立场"}, "一些国家重申", "坚决支持一个中国立场", ""},
		{"a series line is a kicker", []string{"深化改革系列述评之十一", "加快投资体制改革"}, "深化改革系列述评之十一", "加快投资体制改革", ""},
		{"a subject word alone does not outrank the printed order", []string{"海南洋浦开发紧锣密鼓", "开发区将于4月13日封关"}, "", "海南洋浦开发紧锣密鼓", "开发区将于4月13日封关"},
		{"人民大会堂 is no 大会", []string{"圆满结束对日本的正式友好访问", "李鹏总理回到北京", "朱镕基等在人民大会堂迎接"},
			"圆满结束对日本的正式友好访问", "李鹏总理回到北京", "朱镕基等在人民大会堂迎接"},
		{"an event title is no series", []string{"喜迎新春", "中原区举办系列文化活动"}, "喜迎新春", "中原区举办系列文化活动", ""},
		{"a column name over the title is the kicker", []string{"光明情结", "从读者到作者"}, "光明情结", "从读者到作者", ""},
		{"a kicker with a comma sets the scene", []string{"上午,记者在嵩北看到市民生活如往昔", "相信嵩北不久会恢复热闹"},
			"上午,记者在嵩北看到市民生活如往昔", "相信嵩北不久会恢复热闹", ""},
		{"a subtitle with a comma stays under the title", []string{"坚持全国“一盘棋”", "优化区域经济布局,促进区域协调发展"},
			"", "坚持全国“一盘棋”", "优化区域经济布局,促进区域协调发展"},
		{"a purpose line (为…) is a kicker", []string{"为现代化建设当好先行", "地质部门找到多种矿产资源"},
			"为现代化建设当好先行", "地质部门找到多种矿产资源", ""},
		{"a solved case is the event, what followed the subtitles", []string{"嵩北“12·5”特大盗窃案告破", "三名案犯被依法逮捕", "案件审理工作正加紧进行"},
			"", "嵩北“12·5”特大盗窃案告破", "三名案犯被依法逮捕 案件审理工作正加紧进行"},
		{"a second half going on with the first's subject is one title", []string{"嵩北化工厂企图偷排污水 将严重影响下游水源"},
			"", "嵩北化工厂企图偷排污水 将严重影响下游水源", ""},
		{"a second half that is the noun the first describes is one title", []string{"相伴二十年 割不断的书缘"},
			"", "相伴二十年 割不断的书缘", ""},
		{"two clauses with subjects of their own are title and subtitle", []string{"夜市经济升温 街区消费回暖"},
			"", "夜市经济升温", "街区消费回暖"},
		{"an event title keeps its 的 subtitle", []string{"嵩北区人代会召开 描绘发展的蓝图"},
			"", "嵩北区人代会召开", "描绘发展的蓝图"},
		{"no factual signal keeps the first phrase", []string{"春季流感高发 家长该如何应对？"}, "", "春季流感高发", "家长该如何应对？"},
		{"spaces between ASCII words do not split", []string{"嵩北区发布Smart City 2.0方案"}, "", "嵩北区发布Smart City 2.0方案", ""},
		{"full-width and repeated spaces collapse", []string{"区领导调研企业复工情况　　以“开门红”   力促全年“持续红”"},
			"", "区领导调研企业复工情况", "以“开门红” 力促全年“持续红”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ti, s := splitHeadline(tt.lines)
			if k != tt.kicker || ti != tt.title || s != tt.subtitle {
				t.Errorf("splitHeadline(%q) = %q / %q / %q; want %q / %q / %q", tt.lines, k, ti, s, tt.kicker, tt.title, tt.subtitle)
			}
		})
	}
}

func TestScanLineDecodesLikeTheStandardLibrary(t *testing.T) {
	for _, s := range []string{
		"中原区举办培训会", "ASCII only", "混合 mixed 文本", "𠀀四字节", "\u00e9\u00e8 two-byte",
		"\xe0\x80\x80 overlong", "\xed\xa0\x80 surrogate", "cut \xe4\xb8", "\xe4\xb8", "\xff", "\xef\xbf\xbd literal U+FFFD",
	} {
		sc := scanLine(s)
		if sc.runes != utf8.RuneCountInString(s) || sc.invalid == utf8.ValidString(s) {
			t.Errorf("scanLine(%q): %d runes, invalid %v; want %d, %v", s, sc.runes, sc.invalid, utf8.RuneCountInString(s), !utf8.ValidString(s))
		}
	}
}
