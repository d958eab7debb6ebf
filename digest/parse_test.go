package digest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// readPage reads and decodes a test page.
func readPage(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := DecodeText(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func parse(t testing.TB, text string) []Article {
	t.Helper()
	arts, err := ParsePage(text)
	if err != nil {
		t.Fatalf("ParsePage: %v", err)
	}
	checkInvariants(t, arts)
	return arts
}

// checkInvariants holds for every parse result.
func checkInvariants(t testing.TB, arts []Article) {
	t.Helper()
	for i, a := range arts {
		switch {
		case a.Title == "":
			t.Errorf("article %d: empty title", i)
		case a.Lead == "":
			t.Errorf("article %d: empty lead", i)
		case !strings.HasPrefix(a.Body, a.Lead):
			t.Errorf("article %d: lead %q is not a prefix of body %q", i, a.Lead, a.Body)
		case a.ID != 0 || a.Source != "" || a.URL != "" || a.Date != "":
			t.Errorf("article %d: store fields set: %+v", i, a)
		}
		for _, f := range []string{a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead, a.Body} {
			if !utf8.ValidString(f) {
				t.Errorf("article %d: invalid UTF-8 %q", i, f)
			}
			if f != trimSpace(f) {
				t.Errorf("article %d: untrimmed field %q", i, f)
			}
		}
		for _, f := range []string{a.Kicker, a.Title, a.Subtitle, a.Dateline, a.Byline, a.Lead} {
			if strings.Contains(f, "\n") {
				t.Errorf("article %d: newline in %q", i, f)
			}
		}
		for _, p := range strings.Split(a.Body, "\n") {
			if p == "" || p != trimSpace(p) {
				t.Errorf("article %d: empty or untrimmed paragraph in body %q", i, a.Body)
			}
		}
	}
}

// checkArticles compares field by field, one subtest per article.
func checkArticles(t *testing.T, got, want []Article) {
	t.Helper()
	if len(got) != len(want) {
		for i, a := range got {
			t.Logf("got[%d]: %q / %q", i, a.Title, a.Lead)
		}
		t.Fatalf("got %d articles, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		t.Run(fmt.Sprintf("%d_%s", i+1, w.Title), func(t *testing.T) {
			fields := []struct{ name, got, want string }{
				{"Kicker", g.Kicker, w.Kicker},
				{"Title", g.Title, w.Title},
				{"Subtitle", g.Subtitle, w.Subtitle},
				{"Dateline", g.Dateline, w.Dateline},
				{"Byline", g.Byline, w.Byline},
				{"Lead", g.Lead, w.Lead},
				{"Body", g.Body, w.Body},
			}
			for _, f := range fields {
				if f.got != f.want {
					t.Errorf("%s:\n got %q\nwant %q", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestParsePageSample(t *testing.T) {
	arts := parse(t, readPage(t, "testdata/zhongyuan-page.txt"))
	want := []struct {
		kicker, title, subtitle, byline, lead string
		paras                                 int
		lastPara                              string // suffix of the last paragraph
	}{
		{
			title:    "中原区第二次项目观摩活动暨一季度“开门红”工作推进会举行",
			subtitle: "夯实基础 积蓄动能 奋力推动全区项目建设大提速大提升",
			byline:   "记者 鲁燕 通讯员 木坤坤",
			lead:     "2月11日,中原区举行2023年第二次项目观摩活动暨一季度“开门红”工作推进会,动员全区上下聚焦项目建设,擂“战鼓”,吹“冲锋号”,奋力推动全区项目建设大提速、大提升,为“开门红”“全年红”夯实基础、积蓄动能。",
			paras:    5,
			lastPara: "奋力实现2023年全区经济社会发展“开门红”“全年红”。",
		},
		{
			title:    "中原区2022年度“新时代好少年”颁奖典礼举行",
			subtitle: "树立典型 表彰先进 帮青少年“扣好人生第一粒扣子”",
			byline:   "记者 鲁燕 通讯员 鹿昆 杨柳茵",
			lead:     "近日,郑州市中原区文明办、中原区教育局、共青团中原区委、中原区妇女联合会、中原区关心下一代工作委员会联合在中原区青少年活动中心举行中原区2022年度“新时代好少年”颁奖典礼。",
			paras:    4,
			lastPara: "努力成长为担当民族复兴大任的时代新人。",
		},
		{
			title:    "区领导调研企业复工情况",
			subtitle: "以“开门红” 力促全年“持续红”",
			byline:   "记者 鲁燕 通讯员 耿亚飞",
			lead:     "近日,中原区委常委、常务副区长刘斌,区政协副主席、区发改委主任牛振军一行实地调研中原区重点项目复工情况。",
			paras:    3,
			lastPara: "推动中原区经济迈上新的台阶。",
		},
		{
			title:    "中原区青年创新创业行动暨人才住房保障工作协调推进会召开",
			subtitle: "让各类人才生活得更加舒心便捷",
			byline:   "记者 鲁燕 通讯员 王云墨",
			lead:     "为积极回应辖区企业关于人才住房的迫切需求,结合走访企业调研情况,2月10日,中原区召开2023年青年创新创业行动暨人才住房保障工作协调推进会,提前谋划部署今年青年创新创业行动有关工作,确保抢抓高校毕业生来郑留郑工作先机,有力推动人才安居工程落地落细。",
			paras:    3,
			lastPara: "不断增强人才获得感、满足感、归属感。",
		},
		{
			kicker:   "不断加大研发投入 提高科技创新能力",
			title:    "中原区举办研发费用入统业务培训会",
			byline:   "记者 鲁燕 通讯员 李晨",
			lead:     "2月7日,中原区举办研发费用入统业务培训会,进一步贯彻落实省委、市委经济工作会议关于加大全社会研发经费投入工作的要求,帮助企业提高研发经费支出统计意识,提升研发经费支出的财税知识水平。",
			paras:    4,
			lastPara: "为中原区高质量发展作出积极贡献。",
		},
	}
	if len(arts) != len(want) {
		t.Fatalf("got %d articles, want %d", len(arts), len(want))
	}
	for i, w := range want {
		a := arts[i]
		t.Run(fmt.Sprintf("%d_%s", i+1, w.title), func(t *testing.T) {
			for _, f := range []struct{ name, got, want string }{
				{"Kicker", a.Kicker, w.kicker},
				{"Title", a.Title, w.title},
				{"Subtitle", a.Subtitle, w.subtitle},
				{"Dateline", a.Dateline, "本报讯"},
				{"Byline", a.Byline, w.byline},
				{"Lead", a.Lead, w.lead},
			} {
				if f.got != f.want {
					t.Errorf("%s:\n got %q\nwant %q", f.name, f.got, f.want)
				}
			}
			paras := strings.Split(a.Body, "\n")
			if len(paras) != w.paras {
				t.Errorf("body has %d paragraphs, want %d:\n%s", len(paras), w.paras, a.Body)
			}
			if !strings.HasSuffix(paras[len(paras)-1], w.lastPara) {
				t.Errorf("last paragraph %q does not end with %q", paras[len(paras)-1], w.lastPara)
			}
			// The lead paragraph starts the body without the opener.
			if !strings.HasPrefix(a.Body, w.lead) || strings.Contains(a.Body, "本报讯") {
				t.Errorf("body does not start with the bare lead paragraph: %q", a.Body[:min(len(a.Body), 60)])
			}
			for _, furniture := range []string{"记者", "通讯员", "\n\n"} {
				if strings.Contains(a.Body, furniture) {
					t.Errorf("body contains %q", furniture)
				}
			}
			for _, other := range want {
				for _, h := range []string{other.title, other.subtitle, other.kicker} {
					if h != "" && strings.Contains(a.Body, h+"\n") || strings.HasPrefix(a.Body, other.title) {
						t.Errorf("body holds the headline %q", h)
					}
				}
			}
		})
	}

	// Layout breaks re-joined into one sentence each.
	joins := []struct {
		article  int
		sentence string
	}{
		{0, "李晓雷指出,从各项指标预计完成情况和观摩情况看,今年全区整体项目建设有了一个好的开头,值得肯定,但我们必须清醒认识到,项目个数不多、个头不大、质量不高仍是突出问题,各级各部门务必保持清醒头脑,将项目当作题目,把现场当作考场,对比先进找差距、对比优秀找短板,持续用力、久久为功,把项目建设抓得更紧、更实。"},
		{0, "要针对项目谋划和储备不足、前期准备工作不充分、要素保障跟不上等突出问题,进一步树牢“项目为王”理念,把项目建设当作头等大事来抓,沉到一线去、进到项目里,围绕项目建设全生命周期提供优质服务。"},
		{0, "要把重大项目建设与干部评优晋级、选拔任用、追责问效结合起来,考准考实哪些人干了哪些有助于项目建设的实事、解决了哪些“卡脖子”的难事、显示出什么才干、企业怎么评价等,把那些真正想干事、会干事、干成事的干部选出来、用起来,让想干事、敢干事氛围越来越浓,让担当实干成为中原区奋进新征程上最靓丽的底色。"},
		{1, "与会领导为获得市、区级新时代好少年颁发荣誉证书。"},
		{1, "新时代呼唤好少年,好少年需要好榜样。"},
		{2, "刘斌要求,各施工单位要把去年耽误的时间补回来,要尽快全面复工、实质性复工,迅速掀起施工高潮。"},
		{3, "区房管局、中原发投集团和团区委分别就区人才公寓和人才驿站筹建推进情况进行汇报,区人社局、区科技局对人才入住申请条件 and 标准提出意见建议。"},
		{3, "要主动学习吸收成都、青岛等先进地区工作经验,参照市级人才住房保障有关管理制度,尽快敲定中原区人才公寓、人才驿站管理运营方案细则,拓宽在线申请渠道,完善人才服务保障,从速从优投放使用一批,以运营实践检验住房保障工作质效,边运行边发现问题边改进,通过解决人才住房难题,不断优化提升中原区人才服务机制体系。"},
		{4, "2022年,全区新认定郑州市科技型企业145家;备案国家科技型中小企业261家;推荐上报高新技术企业102家,有效高企达153家;技术合同成交额28.58亿元;规上工业企业研发活动覆盖率达75%;新认定省级工程技术研究中心3家,市级研发平台6家;省级科技企业孵化器1家,省级众创空间1家,新增市级科技企业孵化器1家。"},
	}
	for _, j := range joins {
		found := false
		for _, s := range Sentences(arts[j.article].Body) {
			if s == j.sentence {
				found = true
			}
		}
		if !found {
			t.Errorf("article %d: sentence not found whole: %q", j.article+1, j.sentence)
		}
	}
}

func TestParsePageFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []Article
	}{
		{"wire.txt", []Article{
			{
				Title: "全国春耕备耕有序推进", Subtitle: "农资供应总体充足",
				Dateline: "新华社北京3月14日电", Byline: "记者 许文澜 郑一鸣",
				Lead: "记者14日从农业农村部获悉，截至目前，全国春播粮食作物已完成意向面积的一成以上，化肥、种子等农资供应总体充足。",
				Body: "记者14日从农业农村部获悉，截至目前，全国春播粮食作物已完成意向面积的一成以上，化肥、种子等农资供应总体充足。\n" +
					"农业农村部种植业管理司负责人介绍，今年各地提早调运农资，化肥储备量比去年同期增加6.5%。各地还组织农技人员深入田间地头，开展技术指导服务，帮助农民抢抓农时、科学播种。\n" +
					"“今年的种子提前一个月就到了合作社。”一位种粮大户说。",
			},
			{
				Title: "黄河湿地越冬候鸟数量创新高", Subtitle: "河南黄河湿地生态保护见闻",
				Dateline: "中新网郑州5月19日电", Byline: "林晓涛",
				Lead: "河南省林业部门19日发布消息称，今年黄河湿地共监测到越冬候鸟12.6万只，比上年增长8.3%，其中国家一级保护鸟类7种。",
				Body: "河南省林业部门19日发布消息称，今年黄河湿地共监测到越冬候鸟12.6万只，比上年增长8.3%，其中国家一级保护鸟类7种。\n" +
					"监测人员介绍，近年来沿黄各地持续推进退耕还湿、清理违建，湿地面积稳步扩大。",
			},
			{
				Title:    "一季度全省外贸进出口增长5.2%",
				Dateline: "人民网北京2月24日电", Byline: "记者 曾晓晖",
				Lead: "海关部门24日公布数据，一季度全省外贸进出口总值达2156.3亿元，同比增长5.2%。",
				Body: "海关部门24日公布数据，一季度全省外贸进出口总值达2156.3亿元，同比增长5.2%。\n" +
					"其中，出口1321.7亿元，增长7.9%；进口834.6亿元，增长1.1%。",
			},
		}},
		{"according.txt", []Article{
			{
				Title: "嵩北区启用首个智慧停车场", Dateline: "据嵩北区城市管理局消息",
				Lead: "3月1日起，位于桐林路与文昌街交叉口的智慧停车场正式启用，新增停车位420个。",
				Body: "3月1日起，位于桐林路与文昌街交叉口的智慧停车场正式启用，新增停车位420个。\n" +
					"停车场设有无感支付通道，车主驶离时系统自动扣费，平均通行时间缩短至3秒以内。",
			},
			{
				Title: "全省首批“无废社区”名单公布", Dateline: "据新华社电",
				Lead: "近日，省生态环境厅公布首批“无废社区”名单，嵩北区文昌社区、柳湾社区入选。",
				Body: "近日，省生态环境厅公布首批“无废社区”名单，嵩北区文昌社区、柳湾社区入选。\n" +
					"入选社区将获得专项资金支持，用于垃圾分类设施改造和再生资源回收网点建设。",
			},
			{
				Title: "春季植树活动启动", Subtitle: "全区将新增绿地30公顷",
				Dateline: "【大河报讯】", Byline: "记者 周晓航 通讯员 姜文",
				Lead: "3月12日是植树节，嵩北区在北部生态廊道举行义务植树活动，机关干部、志愿者等800余人参加。",
				Body: "3月12日是植树节，嵩北区在北部生态廊道举行义务植树活动，机关干部、志愿者等800余人参加。\n" +
					"据介绍，今年全区计划新增绿地30公顷，栽植乔木2.1万株。",
			},
			{
				Title: "小微企业贷款贴息申报开始", Dateline: "【大河报讯】", Byline: "记者 宋佳音 通讯员 梁晨",
				Lead: "嵩北区小微企业贷款贴息申报工作即日起开始，符合条件的企业可在4月30日前通过区政务服务网提交材料。",
				Body: "嵩北区小微企业贷款贴息申报工作即日起开始，符合条件的企业可在4月30日前通过区政务服务网提交材料。\n" +
					"区财政局相关负责人表示，今年贴息资金规模为1500万元，比去年增加500万元。",
			},
		}},
		{"byline-above.txt", bylineAboveWant},
		{"byline-above.gbk.txt", bylineAboveWant},
		{"no-opener.txt", []Article{
			{
				Title: "春季流感高发", Subtitle: "家长该如何应对？",
				Lead: "近期，嵩北区多家医院儿科门诊量明显上升。",
				Body: "近期，嵩北区多家医院儿科门诊量明显上升。区疾控中心提醒，出现发热症状应及时就医，不要自行服用抗生素。\n" +
					"记者了解到，区妇幼保健院已增设夜间门诊，并开通线上预约通道，就诊等候时间比上周缩短约一半。",
			},
			{
				Title: "嵩北区图书馆新馆开放",
				Lead:  "3月18日，嵩北区图书馆新馆正式对外开放。",
				Body: "3月18日，嵩北区图书馆新馆正式对外开放。新馆建筑面积1.2万平方米，藏书40万册，设有少儿阅览区和24小时自助借阅区。\n" +
					"开馆首日，到馆读者超过3000人次。",
			},
			{
				Title: "全民阅读季同步启动",
				Lead:  "当天，嵩北区2023年全民阅读季同步启动，将陆续举办读书分享会、亲子阅读等活动120余场。",
				Body:  "当天，嵩北区2023年全民阅读季同步启动，将陆续举办读书分享会、亲子阅读等活动120余场。",
			},
		}},
		{"crlf.txt", []Article{
			{
				Kicker: "文化惠民 乐享春光", Title: "嵩北区春季文化节开幕", Subtitle: "200余场活动将持续到5月",
				Dateline: "本报讯", Byline: "记者 孙志远 通讯员 张黎 孙婧",
				Lead: "3月25日晚，嵩北区春季文化节在中心广场开幕。",
				Body: "3月25日晚，嵩北区春季文化节在中心广场开幕。本届文化节以“文化惠民 乐享春光”为主题，将持续到5月底。\n" +
					"文化节期间，全区将举办戏曲进社区、非遗展示、广场舞大赛等活动200余场，预计惠及群众10万人次。",
			},
			{
				Title: "嵩北区新增3所公办幼儿园", Dateline: "本报讯", Byline: "记者 范光明 张改月",
				Lead: "记者从嵩北区教育局获悉，今年秋季全区将新增3所公办幼儿园，新增学位810个。",
				Body: "记者从嵩北区教育局获悉，今年秋季全区将新增3所公办幼儿园，新增学位810个。\n" +
					"三所幼儿园分别位于桐林街道、文昌街道和柳湾街道，目前主体工程已完工。\n" +
					"“家门口就有公办园，接送方便多了。”市民王女士说。",
			},
			{
				Title: "夜市经济升温", Subtitle: "街区消费回暖", Dateline: "本报讯", Byline: "记者 张改月 通讯员 付琳",
				Lead: "3月以来，嵩北区文昌夜市日均客流量突破2万人次，比去年同期增长35%。",
				Body: "3月以来，嵩北区文昌夜市日均客流量突破2万人次，比去年同期增长35%。\n" +
					"夜市共有摊位260个，涵盖特色小吃、文创产品等多个品类。",
			},
		}},
		{"headlines.txt", []Article{
			{
				Kicker: "夯实基础 积蓄动能", Title: "嵩北区一季度重点项目推进会召开",
				Dateline: "本报讯", Byline: "记者 何晓东 通讯员 庞蕾",
				Lead: "3月2日,嵩北区召开一季度重点项目推进会,听取43个重点项目进展情况汇报,研究解决土地、资金等方面问题18个。",
				Body: "3月2日,嵩北区召开一季度重点项目推进会,听取43个重点项目进展情况汇报,研究解决土地、资金等方面问题18个。\n" +
					"会议要求,各项目责任单位要倒排工期、挂图作战,确保一季度重点项目开工率达到90%以上。",
			},
			{
				Title: "“老城墙”能否重现昔日风貌？", Dateline: "本报讯", Byline: "记者 魏子涵",
				Lead: "嵩北区老城墙遗址保护展示工程方案日前向社会公开征求意见。",
				Body: "嵩北区老城墙遗址保护展示工程方案日前向社会公开征求意见。你支持原貌修复吗?欢迎通过区政府网站留言!征求意见截止到3月31日。\n" +
					"据了解,工程总投资约1.8亿元,将对现存的1.2公里城墙进行加固和展示。",
			},
			{
				Kicker: "守护一江清水", Title: "嵩北区完成河道清淤12.5公里", Subtitle: "汛期前将完成全部治理任务",
				Dateline: "本报讯", Byline: "记者 何晓东",
				Lead: "截至3月20日,嵩北区已完成河道清淤12.5公里,占年度任务的62.5%……剩余任务将在汛期前全部完成。",
				Body: "截至3月20日,嵩北区已完成河道清淤12.5公里,占年度任务的62.5%……剩余任务将在汛期前全部完成。\n" +
					"区水利局局长冯建国介绍,今年的治理重点是贾鲁河嵩北段和七里河支流。",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkArticles(t, parse(t, readPage(t, filepath.Join("testdata/pages", tt.file))), tt.want)
		})
	}
}

var bylineAboveWant = []Article{
	{
		Title: "嵩北区老旧小区改造项目全面开工", Byline: "记者 邵立平 通讯员 唐蕙",
		Lead: "3月6日，嵩北区2023年老旧小区改造项目在桐林街道集中开工，今年全区计划改造老旧小区46个，惠及居民1.2万户。",
		Body: "3月6日，嵩北区2023年老旧小区改造项目在桐林街道集中开工，今年全区计划改造老旧小区46个，惠及居民1.2万户。\n" +
			"此次改造重点解决管网老化、停车难、无障碍设施缺失等问题，同步加装电梯38部。区住建局相关负责人表示，施工期间将实行“一小区一专班”，减少对居民生活的影响。",
	},
	{
		// The quotation is a sentence of its own: a closing quote after ！
		// ends it when no comma follows.
		Title: "社区食堂开到家门口", Subtitle: "老人吃饭不再难", Byline: "记者 韩永森 实习生 邓青",
		Lead: "“一荤两素一汤，才12块钱！”",
		Body: "“一荤两素一汤，才12块钱！”3月9日中午，家住文昌社区的李大爷在新开的社区长者食堂吃上了热乎饭。\n" +
			"记者了解到，这家食堂由社区提供场地、餐饮企业运营，60岁以上老人凭卡就餐可享受八折优惠。\n" +
			"目前，嵩北区已建成社区长者食堂17家，今年底将实现街道全覆盖。",
	},
}

func TestParsePageEncodingsAndLineEnds(t *testing.T) {
	sample := readPage(t, "testdata/zhongyuan-page.txt")
	want := parse(t, sample)

	t.Run("committed GBK page is GBK", func(t *testing.T) {
		b, err := os.ReadFile("testdata/pages/byline-above.gbk.txt")
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(b) {
			t.Fatal("byline-above.gbk.txt is valid UTF-8")
		}
		if got, utf := readPage(t, "testdata/pages/byline-above.gbk.txt"), readPage(t, "testdata/pages/byline-above.txt"); got != utf {
			t.Errorf("GBK page decodes to\n%q\nwant the UTF-8 twin\n%q", got, utf)
		}
	})
	t.Run("committed CRLF page has CRLF", func(t *testing.T) {
		b, err := os.ReadFile("testdata/pages/crlf.txt")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\r\n") {
			t.Fatal("crlf.txt has no CRLF (did git convert it?)")
		}
	})
	variants := map[string]string{
		"CRLF":                     strings.ReplaceAll(sample, "\n", "\r\n"),
		"CR":                       strings.ReplaceAll(sample, "\n", "\r"),
		"BOM":                      "\uFEFF" + sample,
		"full-width indents":       indent(sample, "\u3000\u3000"),
		"tabs and trailing blanks": strings.ReplaceAll(indent(sample, "\t"), "\n", " \u3000\n"),
	}
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			checkArticles(t, parse(t, text), want)
		})
	}
}

// indent puts prefix before every non-empty line.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

func TestParsePageLayoutDecisions(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []Article
	}{
		{
			name: "short headline-shaped line inside an 本报讯 body is a broken paragraph",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n\n新时代呼唤好少年 好少年\n\n需要好榜样。会议要求落实。\n\n记者 甲乙\n",
			want: []Article{{Title: "区里召开会议", Dateline: "本报讯", Byline: "记者 甲乙",
				Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。\n新时代呼唤好少年 好少年需要好榜样。会议要求落实。"}},
		},
		{
			name: "the same line is a headline when an opener follows",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n\n新时代呼唤好少年 好少年\n\n本报讯 需要好榜样。\n",
			want: []Article{
				{Title: "区里召开会议", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Title: "新时代呼唤好少年", Subtitle: "好少年", Dateline: "本报讯", Lead: "需要好榜样。", Body: "需要好榜样。"},
			},
		},
		{
			name: "and when it follows the previous article's byline",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n记者 甲乙\n\n新时代呼唤好少年 好少年\n\n需要好榜样。会议要求落实。\n",
			want: []Article{
				{Title: "区里召开会议", Dateline: "本报讯", Byline: "记者 甲乙", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Title: "新时代呼唤好少年", Subtitle: "好少年", Lead: "需要好榜样。", Body: "需要好榜样。会议要求落实。"},
			},
		},
		{
			name: "and when a byline line above a lead follows",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n\n社区食堂开业\n\n本报记者 甲乙 文/图\n\n近日,社区食堂开业。\n",
			want: []Article{
				{Title: "区里召开会议", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Title: "社区食堂开业", Byline: "记者 甲乙", Lead: "近日,社区食堂开业。", Body: "近日,社区食堂开业。"},
			},
		},
		{
			name: "an article right after its headline may follow wire copy",
			page: "标题一\n\n新华社北京3月14日电（记者 甲乙）会议闭幕。\n\n标题二\n\n会议要求落实。\n\n标题三\n\n本报记者 丙丁\n\n社区食堂开业。\n\n标题四\n\n据新华社电 名单公布。\n\n标题五\n\n读书月启动。\n",
			want: []Article{
				{Title: "标题一", Dateline: "新华社北京3月14日电", Byline: "记者 甲乙", Lead: "会议闭幕。", Body: "会议闭幕。"},
				{Title: "标题二", Lead: "会议要求落实。", Body: "会议要求落实。"},
				{Title: "标题三", Byline: "记者 丙丁", Lead: "社区食堂开业。", Body: "社区食堂开业。"},
				{Title: "标题四", Dateline: "据新华社电", Lead: "名单公布。", Body: "名单公布。"},
				{Title: "标题五", Lead: "读书月启动。", Body: "读书月启动。"},
			},
		},
		{
			name: "a line ending in a dangling word never starts an article",
			page: "标题一\n\n正文第一段。\n\n刘斌要求各施工单位要把\n\n去年耽误的时间补回来。\n",
			want: []Article{{Title: "标题一", Lead: "正文第一段。", Body: "正文第一段。\n刘斌要求各施工单位要把去年耽误的时间补回来。"}},
		},
		{
			name: "numbered sub-heads stay in the body",
			page: "标题一\n\n正文第一段。\n\n一、坚持问题导向\n\n要针对突出问题。\n（二）坚持目标导向\n要紧紧围绕考核。\n",
			want: []Article{{Title: "标题一", Lead: "正文第一段。", Body: "正文第一段。\n一、坚持问题导向\n要针对突出问题。\n（二）坚持目标导向\n要紧紧围绕考核。"}},
		},
		{
			name: "break right after a comma, and a line starting with a closing quote",
			page: "标题一\n\n本报讯 他说:“今天的会,\n\n开得很好。\n”大家都笑了。\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "他说:“今天的会,开得很好。”", Body: "他说:“今天的会,开得很好。”大家都笑了。"}},
		},
		{
			name: "ASCII words broken across lines get a space, digits do not",
			page: "标题一\n\n本报讯 项目通过Smart\n\nCity评估,新认定中心3\n\n家,获评ISO\n\n认证。\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "项目通过Smart City评估,新认定中心3家,获评ISO认证。", Body: "项目通过Smart City评估,新认定中心3家,获评ISO认证。"}},
		},
		{
			name: "opener alone on its line",
			page: "标题一\n\n本报讯（记者 甲乙）\n\n近日,区里召开会议。\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Byline: "记者 甲乙", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"}},
		},
		{
			name: "trailers, captions and credits dropped; byline glued to the last paragraph",
			page: "标题一\n\n本报讯 近日,区里召开会议（如图）。\n图为会议现场。\n本报记者 丙丁 摄\n会议要求落实。(完)\n【编辑:戊己】\n②9\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。\n会议要求落实。"}},
		},
		{
			name: "byline split over two lines and a glued one",
			page: "标题一\n\n本报讯 近日,区里召开会议。 记者 甲乙 通讯员 丙丁\n\n标题二\n\n本报讯 会议要求落实。\n郑州晚报记者 张三\n通讯员 李四 王五\n",
			want: []Article{
				{Title: "标题一", Dateline: "本报讯", Byline: "记者 甲乙 通讯员 丙丁", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Title: "标题二", Dateline: "本报讯", Byline: "记者 张三 通讯员 李四 王五", Lead: "会议要求落实。", Body: "会议要求落实。"},
			},
		},
		{
			name: "a byline spans at most three lines",
			page: "标题一\n\n本报讯 近日,区里召开会议。\n记者 甲乙\n记者 丙丁\n通讯员 戊己\n通讯员 庚辛\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Byline: "记者 甲乙 记者 丙丁 通讯员 戊己", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"}},
		},
		{
			name: "记者了解到 is body text",
			page: "标题一\n\n本报讯 近日,区里召开会议。\n记者了解到，会议要求落实。\n记者从区教育局获悉\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。\n记者了解到，会议要求落实。\n记者从区教育局获悉"}},
		},
		{
			name: "bytes that are not UTF-8 become replacement characters",
			page: "标题\xff一\n\n本报讯 近日,区里\xe4\xb8召开会议。\n",
			want: []Article{{Title: "标题\uFFFD一", Dateline: "本报讯", Lead: "近日,区里\uFFFD召开会议。", Body: "近日,区里\uFFFD召开会议。"}},
		},
		{
			name: "orphan text before the first headline is dropped",
			page: "（上接第一版）完成全年任务。\n\n标题一\n\n本报讯 近日,区里召开会议。\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"}},
		},
		{
			name: "headline with no body is not an article",
			page: "标题一\n\n本报讯 近日,区里召开会议。\n\n标题二\n\n本报讯\n",
			want: []Article{{Title: "标题一", Dateline: "本报讯", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkArticles(t, parse(t, tt.page), tt.want)
		})
	}
}

func TestParsePageErrors(t *testing.T) {
	tests := []struct {
		name string
		page string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"blank lines", "\n \u3000\n\r\n", ErrEmpty},
		{"one sentence", "随便一段话,没有标题。", ErrNoArticles},
		{"headline only", "中原区举办培训会", ErrNoArticles},
		{"opener without headline", "本报讯 近日,区里召开会议。", ErrNoArticles},
		{"bylines only", "记者 鲁燕\n通讯员 木坤坤", ErrNoArticles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arts, err := ParsePage(tt.page)
			if !errors.Is(err, tt.want) || arts != nil {
				t.Fatalf("ParsePage(%q) = %v, %v; want error %v", tt.page, arts, err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}
