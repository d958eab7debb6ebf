package digest

import "testing"

// Cases seen on real pages, one table per rule. Pages are written in the
// shape of real ones (the real ones are copyrighted).

type pageCase struct {
	name string
	page string
	want []Article
}

func runPageCases(t *testing.T, tests []pageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkArticles(t, parse(t, tt.page), tt.want)
		})
	}
}

func TestParsePageOpenersWithPlaceAndDay(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "本报 place and day, no month",
			page: "合肥推进长三角一体化发展\n\n本报合肥18日电 安徽省合肥市18日召开推进大会，部署长三角一体化发展重点任务。\n\n会议要求各部门加强协作。\n",
			want: []Article{{Title: "合肥推进长三角一体化发展", Dateline: "本报合肥18日电",
				Lead: "安徽省合肥市18日召开推进大会，部署长三角一体化发展重点任务。",
				Body: "安徽省合肥市18日召开推进大会，部署长三角一体化发展重点任务。\n会议要求各部门加强协作。"}},
		},
		{
			name: "本报 place, month and day, 讯",
			page: "北京出台共享单车停放新规\n\n本报北京3月5日讯 北京市5日出台新规，规范共享单车停放。\n\n新规自4月1日起施行。\n",
			want: []Article{{Title: "北京出台共享单车停放新规", Dateline: "本报北京3月5日讯",
				Lead: "北京市5日出台新规，规范共享单车停放。", Body: "北京市5日出台新规，规范共享单车停放。\n新规自4月1日起施行。"}},
		},
		{
			name: "本报讯 with the source outlet, ASCII and full-width colon",
			page: "武汉今年新增口袋公园50个\n\n本报讯 据长江日报消息:武汉今年新增口袋公园50个，均向市民免费开放。\n\n" +
				"东湖绿道二期工程开工\n\n本报讯 据长江日报消息：东湖绿道二期工程12日开工。\n\n工程计划年内完工。\n",
			want: []Article{
				{Title: "武汉今年新增口袋公园50个", Dateline: "本报讯 据长江日报消息",
					Lead: "武汉今年新增口袋公园50个，均向市民免费开放。", Body: "武汉今年新增口袋公园50个，均向市民免费开放。"},
				{Title: "东湖绿道二期工程开工", Dateline: "本报讯 据长江日报消息",
					Lead: "东湖绿道二期工程12日开工。", Body: "东湖绿道二期工程12日开工。\n工程计划年内完工。"},
			},
		},
		{
			name: "据新华社 with place and date",
			page: "十四届全国人大二次会议开幕\n\n据新华社北京3月5日电 第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。\n\n大会听取了政府工作报告。\n",
			want: []Article{{Title: "十四届全国人大二次会议开幕", Dateline: "据新华社北京3月5日电",
				Lead: "第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。",
				Body: "第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。\n大会听取了政府工作报告。"}},
		},
		{
			name: "新华社 dateline with reporters in full-width brackets",
			page: "全国政协十四届二次会议闭幕\n\n新华社北京3月5日电（记者 张三 李四）全国政协十四届二次会议5日上午闭幕。\n\n会议通过了政治决议。\n",
			want: []Article{{Title: "全国政协十四届二次会议闭幕", Dateline: "新华社北京3月5日电", Byline: "记者 张三 李四",
				Lead: "全国政协十四届二次会议5日上午闭幕。", Body: "全国政协十四届二次会议5日上午闭幕。\n会议通过了政治决议。"}},
		},
		{
			name: "parentheses after 本报讯: 通讯员 only, 记者 and 通讯员, names glued",
			page: "须水街道开展义诊活动\n\n本报讯(通讯员 郝丹凤 黄卫江)近日，须水街道开展义诊活动。\n\n" +
				"林山寨街道举办招聘会\n\n本报讯（记者 王磊 通讯员 杨宇）近日，林山寨街道举办招聘会。\n\n" +
				"桐柏路街道清理小广告\n\n本报讯(通讯员郝丹凤黄卫江)近日，桐柏路街道集中清理小广告。\n",
			want: []Article{
				{Title: "须水街道开展义诊活动", Dateline: "本报讯", Byline: "通讯员 郝丹凤 黄卫江",
					Lead: "近日，须水街道开展义诊活动。", Body: "近日，须水街道开展义诊活动。"},
				{Title: "林山寨街道举办招聘会", Dateline: "本报讯", Byline: "记者 王磊 通讯员 杨宇",
					Lead: "近日，林山寨街道举办招聘会。", Body: "近日，林山寨街道举办招聘会。"},
				{Title: "桐柏路街道清理小广告", Dateline: "本报讯", Byline: "通讯员 郝丹凤 黄卫江",
					Lead: "近日，桐柏路街道集中清理小广告。", Body: "近日，桐柏路街道集中清理小广告。"},
			},
		},
		{
			name: "opener alone on its line, then the parenthesis on the next",
			page: "中原区召开安全生产会议\n\n本报讯\n\n（记者 鲁燕 通讯员 李晨）2月7日，中原区召开安全生产工作会议。\n",
			want: []Article{{Title: "中原区召开安全生产会议", Dateline: "本报讯", Byline: "记者 鲁燕 通讯员 李晨",
				Lead: "2月7日，中原区召开安全生产工作会议。", Body: "2月7日，中原区召开安全生产工作会议。"}},
		},
	})
}

func TestParsePageBylines(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "outlet and desk prefixes at the end",
			page: "郑州市启动城市更新行动\n\n本报讯 近日，郑州市启动城市更新行动，首批实施项目120个。\n\n郑报融媒记者 覃岩峰 陈凯\n\n" +
				"航空港区举办人才招聘会\n\n本报讯 3月2日，航空港区举办春季人才招聘会，提供岗位3000余个。\n\n航空港时报 曾碧娟 通讯员 杨宇\n\n" +
				"中原区开展植树活动\n\n本报讯 3月12日，中原区开展义务植树活动。\n\n大象新闻记者 王磊\n",
			want: []Article{
				{Title: "郑州市启动城市更新行动", Dateline: "本报讯", Byline: "记者 覃岩峰 陈凯",
					Lead: "近日，郑州市启动城市更新行动，首批实施项目120个。", Body: "近日，郑州市启动城市更新行动，首批实施项目120个。"},
				{Title: "航空港区举办人才招聘会", Dateline: "本报讯", Byline: "记者 曾碧娟 通讯员 杨宇",
					Lead: "3月2日，航空港区举办春季人才招聘会，提供岗位3000余个。", Body: "3月2日，航空港区举办春季人才招聘会，提供岗位3000余个。"},
				{Title: "中原区开展植树活动", Dateline: "本报讯", Byline: "记者 王磊",
					Lead: "3月12日，中原区开展义务植树活动。", Body: "3月12日，中原区开展义务植树活动。"},
			},
		},
		{
			name: "names glued inside parentheses and on an end line",
			page: "须水街道开展义诊活动\n\n本报讯(通讯员郝丹凤黄卫江)近日，须水街道开展义诊活动。\n\n" +
				"秦岭路小学举办读书节\n\n本报讯 近日，秦岭路小学举办第五届读书节。\n\n记者王军李小华 通讯员张三李四\n",
			want: []Article{
				{Title: "须水街道开展义诊活动", Dateline: "本报讯", Byline: "通讯员 郝丹凤 黄卫江",
					Lead: "近日，须水街道开展义诊活动。", Body: "近日，须水街道开展义诊活动。"},
				{Title: "秦岭路小学举办读书节", Dateline: "本报讯", Byline: "记者 王军 李小华 通讯员 张三 李四",
					Lead: "近日，秦岭路小学举办第五届读书节。", Body: "近日，秦岭路小学举办第五届读书节。"},
			},
		},
		{
			name: "a bare name line ends the article and is not the next kicker",
			page: "新区道路正式通车\n\n本报讯 近日，新区经三路正式通车。\n\n道路全长5公里。\n\n张三 李四\n\n" +
				"图书馆新馆开放\n\n本报讯 近日，区图书馆新馆开放。\n\n（王五）\n\n" +
				"社区食堂开业\n\n本报讯 近日，文昌社区食堂开业。\n\n覃岩峰 欧阳娜娜 陈凯\n\n" +
				"全民阅读季启动\n\n本报讯 近日，全民阅读季启动。\n",
			want: []Article{
				{Title: "新区道路正式通车", Dateline: "本报讯", Byline: "张三 李四",
					Lead: "近日，新区经三路正式通车。", Body: "近日，新区经三路正式通车。\n道路全长5公里。"},
				{Title: "图书馆新馆开放", Dateline: "本报讯", Byline: "王五",
					Lead: "近日，区图书馆新馆开放。", Body: "近日，区图书馆新馆开放。"},
				{Title: "社区食堂开业", Dateline: "本报讯", Byline: "覃岩峰 欧阳娜娜 陈凯",
					Lead: "近日，文昌社区食堂开业。", Body: "近日，文昌社区食堂开业。"},
				{Title: "全民阅读季启动", Dateline: "本报讯",
					Lead: "近日，全民阅读季启动。", Body: "近日，全民阅读季启动。"},
			},
		},
		{
			name: "slogans and place names are not bare names",
			page: "和谐 文明\n中原区开展文明城市创建活动\n\n本报讯 近日，中原区开展文明城市创建活动。\n\n记者 鲁燕\n\n" +
				"强基础 促发展\n区领导调研基层工作\n\n本报讯 近日，区领导调研基层工作。\n\n会议要求落实。\n\n" +
				"黄河 长江\n两大流域生态保护推进会召开\n\n本报讯 近日，两大流域生态保护推进会召开。\n",
			want: []Article{
				{Kicker: "和谐 文明", Title: "中原区开展文明城市创建活动", Dateline: "本报讯", Byline: "记者 鲁燕",
					Lead: "近日，中原区开展文明城市创建活动。", Body: "近日，中原区开展文明城市创建活动。"},
				{Kicker: "强基础 促发展", Title: "区领导调研基层工作", Dateline: "本报讯",
					Lead: "近日，区领导调研基层工作。", Body: "近日，区领导调研基层工作。\n会议要求落实。"},
				{Kicker: "黄河 长江", Title: "两大流域生态保护推进会召开", Dateline: "本报讯",
					Lead: "近日，两大流域生态保护推进会召开。", Body: "近日，两大流域生态保护推进会召开。"},
			},
		},
		{
			name: "a byline line is never the next article's kicker",
			page: "中原区召开推进会\n\n本报讯 近日，中原区召开推进会。\n郑州晚报记者 张改华 通讯员 付琳琳\n" +
				"区领导调研企业复工情况\n\n本报讯 近日，区领导调研企业复工情况。\n航空港时报 曾碧娟\n" +
				"不断加大研发投入\n中原区举办培训会\n\n本报讯 2月7日，中原区举办培训会。\n",
			want: []Article{
				{Title: "中原区召开推进会", Dateline: "本报讯", Byline: "记者 张改华 通讯员 付琳琳",
					Lead: "近日，中原区召开推进会。", Body: "近日，中原区召开推进会。"},
				{Title: "区领导调研企业复工情况", Dateline: "本报讯", Byline: "记者 曾碧娟",
					Lead: "近日，区领导调研企业复工情况。", Body: "近日，区领导调研企业复工情况。"},
				{Kicker: "不断加大研发投入", Title: "中原区举办培训会", Dateline: "本报讯",
					Lead: "2月7日，中原区举办培训会。", Body: "2月7日，中原区举办培训会。"},
			},
		},
	})
}

func TestSplitNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"鲁燕", []string{"鲁燕"}},
		{"木坤坤", []string{"木坤坤"}},
		{"欧阳娜娜", []string{"欧阳娜娜"}}, // a compound surname
		{"阿不都拉", []string{"阿不都拉"}}, // no surname: one name
		{"张三李四", []string{"张三", "李四"}},
		{"郝丹凤黄卫江", []string{"郝丹凤", "黄卫江"}},
		{"王军李小华", []string{"王军", "李小华"}},
		{"李小华王军", []string{"李小华", "王军"}},
		{"郝丹凤黄卫江杨宇", []string{"郝丹凤", "黄卫江", "杨宇"}},
		{"欧阳娜娜陈凯", []string{"欧阳娜娜", "陈凯"}},
		{"阿依古丽·买买提", []string{"阿依古丽·买买提"}},
		// Not names.
		{"了解到这家企业", nil},
		{"区教育局获悉", nil},
		{"张", nil},
		{"王五赵六孙七周八吴九郑十冯一", nil}, // 14 runes: more than four names
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := splitNames(tt.in)
			if ok != (tt.want != nil) || len(got) != len(tt.want) {
				t.Fatalf("splitNames(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("splitNames(%q) = %q; want %q", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestParseNamesLine(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"张三 李四", "张三 李四", true},
		{"覃岩峰　陈凯", "覃岩峰 陈凯", true},
		{"（王五）", "王五", true},
		{"(王五 赵六)", "王五 赵六", true},
		{"司马南 欧阳娜娜", "司马南 欧阳娜娜", true},
		{"王五", "", false},                   // one bare word may be a kicker
		{"和谐 文明", "", false},                // 和 and 文 are left out of the surnames
		{"夯实基础 积蓄动能", "", false},            // four characters: not a single-surname name
		{"强基础 促发展", "", false},              // 促 is no surname
		{"黄河 长江", "", false},                // 长 is no surname
		{"王五 赵六 孙七 周八 吴九 郑十 冯一", "", false}, // more than six
		{"李四 在现场", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseNamesLine(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("parseNamesLine(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParsePagePhotoCaptions(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "a caption with its credit glued and (附图片) between two articles",
			page: "十四届全国人大二次会议开幕\n\n新华社北京3月5日电 第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。\n\n大会听取了政府工作报告。\n\n" +
				"3月5日，第十四届全国人民代表大会第二次会议在北京人民大会堂开幕。新华社记者鞠鹏摄\n\n(附图片)\n\n" +
				"各地春耕生产有序推进\n\n本报讯 近日，各地春耕生产有序推进。\n\n农民抢抓农时。\n",
			want: []Article{
				{Title: "十四届全国人大二次会议开幕", Dateline: "新华社北京3月5日电",
					Lead: "第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。",
					Body: "第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。\n大会听取了政府工作报告。"},
				{Title: "各地春耕生产有序推进", Dateline: "本报讯",
					Lead: "近日，各地春耕生产有序推进。", Body: "近日，各地春耕生产有序推进。\n农民抢抓农时。"},
			},
		},
		{
			name: "captions above a headline: a credit line, 图为… with its credit, a picture note",
			page: "中原区召开推进会\n\n本报讯 近日，中原区召开推进会。\n\n记者 鲁燕\n\n本报记者 徐建中摄\n\n" +
				"图为农民在田间劳作。本报记者 王五 摄\n\n（图片由区委宣传部提供）\n\n" +
				"春耕生产忙\n\n本报讯 近日，中原区各地春耕生产忙。\n\n记者 李晨\n",
			want: []Article{
				{Title: "中原区召开推进会", Dateline: "本报讯", Byline: "记者 鲁燕",
					Lead: "近日，中原区召开推进会。", Body: "近日，中原区召开推进会。"},
				{Title: "春耕生产忙", Dateline: "本报讯", Byline: "记者 李晨",
					Lead: "近日，中原区各地春耕生产忙。", Body: "近日，中原区各地春耕生产忙。"},
			},
		},
		{
			name: "a caption between the headline and the dateline",
			page: "新区公园开放\n\n3月5日，市民在新区公园游玩。本报记者 王五 摄\n\n本报讯 近日，新区公园正式开放。\n\n公园面积120公顷。\n\n记者 鲁燕\n\n" +
				"区里召开会议\n\n（资料图片）\n\n本报讯（记者 甲乙）近日，区里召开会议。\n",
			want: []Article{
				{Title: "新区公园开放", Dateline: "本报讯", Byline: "记者 鲁燕",
					Lead: "近日，新区公园正式开放。", Body: "近日，新区公园正式开放。\n公园面积120公顷。"},
				{Title: "区里召开会议", Dateline: "本报讯", Byline: "记者 甲乙",
					Lead: "近日，区里召开会议。", Body: "近日，区里召开会议。"},
			},
		},
		{
			name: "a caption between the headline and a lead with no opener",
			page: "嵩北区图书馆新馆开放\n\n图为读者在新馆阅览区看书。本报记者 王五 摄\n\n3月18日，嵩北区图书馆新馆正式对外开放。\n\n（责编：王芳）\n\n" +
				"全民阅读季同步启动\n\n（图片由区文旅局提供）\n\n当天，全民阅读季同步启动。\n",
			want: []Article{
				{Title: "嵩北区图书馆新馆开放", Lead: "3月18日，嵩北区图书馆新馆正式对外开放。", Body: "3月18日，嵩北区图书馆新馆正式对外开放。"},
				{Title: "全民阅读季同步启动", Lead: "当天，全民阅读季同步启动。", Body: "当天，全民阅读季同步启动。"},
			},
		},
		{
			name: "a caption between a byline above the lead and the lead",
			page: "社区食堂开到家门口\n\n本报记者 韩永森 文/图\n\n3月9日，社区长者食堂开业。新华社发（李贺 摄）\n\n3月9日中午，文昌社区长者食堂正式开业。\n",
			want: []Article{
				{Title: "社区食堂开到家门口", Byline: "记者 韩永森", Lead: "3月9日中午，文昌社区长者食堂正式开业。", Body: "3月9日中午，文昌社区长者食堂正式开业。"},
			},
		},
		{
			name: "a credit glued to a long body paragraph is cut, not taken for the byline",
			page: "中原区召开推进会\n\n本报讯 近日，中原区召开推进会。\n\n" +
				"会议要求，各级各部门要切实提高政治站位，坚决贯彻落实区委决策部署，把项目建设作为经济发展主引擎，把抓开工保在建作为一季度的首要任务，积极学习先进经验，坚持一线工作法，不讲条件、不惧困难，争着干、比着干、抢着干，以项目看实绩、以项目比高下，全力夯实稳的基础、增添进的势能，奋力实现全区经济社会发展开门红全年红。本报记者 王五 摄\n\n记者 鲁燕\n",
			want: []Article{
				{Title: "中原区召开推进会", Dateline: "本报讯", Byline: "记者 鲁燕", Lead: "近日，中原区召开推进会。",
					Body: "近日，中原区召开推进会。\n会议要求，各级各部门要切实提高政治站位，坚决贯彻落实区委决策部署，把项目建设作为经济发展主引擎，把抓开工保在建作为一季度的首要任务，积极学习先进经验，坚持一线工作法，不讲条件、不惧困难，争着干、比着干、抢着干，以项目看实绩、以项目比高下，全力夯实稳的基础、增添进的势能，奋力实现全区经济社会发展开门红全年红。"},
			},
		},
	})
}

func TestParsePageHeadlinesOfUpToFourLines(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "two kicker lines, the title and a dash subtitle",
			page: "坚持创新驱动\n奋力谱写新篇章\n中原区召开科技创新大会\n——全年将新增高新技术企业50家\n\n" +
				"本报讯 2月20日，中原区召开科技创新大会。\n\n会议表彰了一批创新企业。\n\n记者 鲁燕\n",
			want: []Article{{Kicker: "坚持创新驱动 奋力谱写新篇章", Title: "中原区召开科技创新大会", Subtitle: "全年将新增高新技术企业50家",
				Dateline: "本报讯", Byline: "记者 鲁燕", Lead: "2月20日，中原区召开科技创新大会。",
				Body: "2月20日，中原区召开科技创新大会。\n会议表彰了一批创新企业。"}},
		},
		{
			name: "a quoted title with the …时说 kicker line above it",
			page: "习近平在看望参加政协会议的民盟民进教育界委员时说\n“中国现在很稳定,我也放心”\n\n" +
				"新华社北京3月6日电（记者 张三 李四）中共中央总书记习近平6日下午看望了参加全国政协会议的委员。\n\n委员们表示备受鼓舞。\n",
			want: []Article{{Kicker: "习近平在看望参加政协会议的民盟民进教育界委员时说", Title: "“中国现在很稳定,我也放心”",
				Dateline: "新华社北京3月6日电", Byline: "记者 张三 李四",
				Lead: "中共中央总书记习近平6日下午看望了参加全国政协会议的委员。",
				Body: "中共中央总书记习近平6日下午看望了参加全国政协会议的委员。\n委员们表示备受鼓舞。"}},
		},
		{
			name: "kicker ending in a colon, quoted title, subtitle, with no opener after a finished article",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n\n记者 甲乙\n\n" +
				"老党员王大爷谈起家乡变化时说：\n“日子越过越有奔头”\n——记中原区须水街道老党员王大爷\n\n" +
				"今年78岁的王大爷，是须水街道的一名老党员。\n\n他见证了家乡几十年的变化。\n",
			want: []Article{
				{Title: "区里召开会议", Dateline: "本报讯", Byline: "记者 甲乙", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Kicker: "老党员王大爷谈起家乡变化时说：", Title: "“日子越过越有奔头”", Subtitle: "记中原区须水街道老党员王大爷",
					Lead: "今年78岁的王大爷，是须水街道的一名老党员。",
					Body: "今年78岁的王大爷，是须水街道的一名老党员。\n他见证了家乡几十年的变化。"},
			},
		},
		{
			name: "——记… subtitle under a slogan title",
			page: "守护绿水青山\n——记林业工人张三\n\n本报讯 张三在林场工作了三十年。\n\n他种下了十万棵树。\n\n记者 鲁燕\n",
			want: []Article{{Title: "守护绿水青山", Subtitle: "记林业工人张三", Dateline: "本报讯", Byline: "记者 鲁燕",
				Lead: "张三在林场工作了三十年。", Body: "张三在林场工作了三十年。\n他种下了十万棵树。"}},
		},
		{
			name: "the lead is never a headline line: four headline lines, then a lead with no opener",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n\n记者 甲乙\n\n" +
				"坚持创新驱动\n奋力谱写新篇章\n中原区召开科技创新大会\n——全年将新增高新技术企业50家\n" +
				"2月20日，中原区召开科技创新大会。\n会议表彰了一批创新企业。\n",
			want: []Article{
				{Title: "区里召开会议", Dateline: "本报讯", Byline: "记者 甲乙", Lead: "近日,区里召开会议。", Body: "近日,区里召开会议。"},
				{Kicker: "坚持创新驱动 奋力谱写新篇章", Title: "中原区召开科技创新大会", Subtitle: "全年将新增高新技术企业50家",
					Lead: "2月20日，中原区召开科技创新大会。", Body: "2月20日，中原区召开科技创新大会。\n会议表彰了一批创新企业。"},
			},
		},
		{
			name: "a quoted line broken inside a body is not a headline",
			page: "区里召开会议\n\n区里近日召开会议。\n\n他说：“我们一定会做好，\n”\n会议要求落实。\n",
			want: []Article{{Title: "区里召开会议", Lead: "区里近日召开会议。",
				Body: "区里近日召开会议。\n他说：“我们一定会做好，”会议要求落实。"}},
		},
	})
}

func TestParsePageEditorTrailers(t *testing.T) {
	// Each article ends in a trailer spelled another way; none may reach a
	// body, a lead or the next article's headline.
	spellings := []string{
		"责任编辑：王五", "责任编辑 王五", "（责任编辑：王五）", "【责任编辑：王五】", "［责任编辑：王五］", "责编：王五",
		"(责编 王五)", "责编 王五", "编辑：王五", "校对：王五", "审核：王五", "编辑：王五 校对：李四 审核：赵六",
		"责任编辑 王五 校对 李四", "责任编辑/王五",
	}
	var tests []pageCase
	for _, tr := range spellings {
		tests = append(tests,
			pageCase{
				name: "own line: " + tr,
				page: "中原区召开推进会\n\n本报讯 近日,中原区召开推进会。\n\n会议要求落实。\n\n" + tr + "\n\n" +
					"区领导调研企业复工情况\n\n本报讯 近日,区领导调研企业复工情况。\n",
				want: []Article{
					{Title: "中原区召开推进会", Dateline: "本报讯", Lead: "近日,中原区召开推进会。", Body: "近日,中原区召开推进会。\n会议要求落实。"},
					{Title: "区领导调研企业复工情况", Dateline: "本报讯", Lead: "近日,区领导调研企业复工情况。", Body: "近日,区领导调研企业复工情况。"},
				},
			},
			pageCase{
				name: "glued to the last paragraph: " + tr,
				page: "中原区召开推进会\n\n本报讯 近日,中原区召开推进会。\n\n会议要求落实。 " + tr + "\n\n" +
					"春季流感高发\n\n近期,多家医院儿科门诊量明显上升。\n",
				want: []Article{
					{Title: "中原区召开推进会", Dateline: "本报讯", Lead: "近日,中原区召开推进会。", Body: "近日,中原区召开推进会。\n会议要求落实。"},
					{Title: "春季流感高发", Lead: "近期,多家医院儿科门诊量明显上升。", Body: "近期,多家医院儿科门诊量明显上升。"},
				},
			},
			pageCase{
				name: "after the end byline, before an article with no opener: " + tr,
				page: "中原区召开推进会\n\n本报讯 近日,中原区召开推进会。\n\n记者 鲁燕\n" + tr + "\n" +
					"春季流感高发\n\n近期,多家医院儿科门诊量明显上升。\n",
				want: []Article{
					{Title: "中原区召开推进会", Dateline: "本报讯", Byline: "记者 鲁燕", Lead: "近日,中原区召开推进会。", Body: "近日,中原区召开推进会。"},
					{Title: "春季流感高发", Lead: "近期,多家医院儿科门诊量明显上升。", Body: "近期,多家医院儿科门诊量明显上升。"},
				},
			},
		)
	}
	runPageCases(t, tests)
}

func TestEditorTrailerLines(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"责任编辑 王五", true},
		{"责编　王五", true},
		{"(责编 王五)", true},
		{"［责任编辑：王五］", true},
		{"责任编辑/王五", true},
		{"编辑 王五 校对 李四", true},
		// Text, not trailers.
		{"编辑部召开会议。", false},
		{"责任编辑要把好关", false},
		{"编辑 记者 共话新闻理想", false},
		{"审核 要严格把关", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := isTrailer(tt.line); got != tt.want {
				t.Errorf("isTrailer(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParsePageEditorNotesAndCredits(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "an editor's note between the byline above and the lead",
			page: "扎根边疆三十年\n——记嵩北气象站站长李长青\n本报记者 王小东\n" +
				"编者按 在艰苦的地方坚持下来，需要怎样的信念？我们刊发这篇通讯，以飨读者。\n" +
				"李长青出生在南方小城，却在北疆工作了三十年。他从不后悔。\n",
			want: []Article{{Title: "扎根边疆三十年", Subtitle: "记嵩北气象站站长李长青", Byline: "记者 王小东",
				Lead: "李长青出生在南方小城，却在北疆工作了三十年。", Body: "李长青出生在南方小城，却在北疆工作了三十年。他从不后悔。"}},
		},
		{
			name: "the note's label alone on its line, then a reporter's credit opening the lead",
			page: "以整改促发展\n嵩北区化工厂迅速改变落后面貌\n【编者按】\n嵩北区化工厂的变化说明，问题整改只要抓得紧，就能见实效。\n" +
				"本报记者陈立报道：同半年前相比，嵩北区化工厂发生了很大变化。\n",
			want: []Article{{Kicker: "以整改促发展", Title: "嵩北区化工厂迅速改变落后面貌", Byline: "记者 陈立",
				Lead: "同半年前相比，嵩北区化工厂发生了很大变化。", Body: "同半年前相比，嵩北区化工厂发生了很大变化。"}},
		},
		{
			name: "an 作者 line under the headline, with the archive's stamp",
			page: "从读者到编者\n\n作者：李小华 《嵩北日报》( 2023年03月01日 06版)\n\n    我与嵩北日报结缘，已有三十年了。\n",
			want: []Article{{Title: "从读者到编者", Byline: "李小华",
				Lead: "我与嵩北日报结缘，已有三十年了。", Body: "我与嵩北日报结缘，已有三十年了。"}},
		},
		{
			name: "a forwarded story's date line and source line are no headlines",
			page: "2025年4月30日 星期三\n\n嵩北快线运量突破万箱\n\n新华社兰州4月30日电(记者张三 李四)嵩北快线30日运送第1万个标准集装箱。\n\n" +
				"source http://news.example.com/n1/2025/0430/c1002-1.html\n\n" +
				"两国外长举行会谈\n\n新华社北京4月30日电(记者王五)两国外长30日在北京举行会谈。\n",
			want: []Article{
				{Title: "嵩北快线运量突破万箱", Dateline: "新华社兰州4月30日电", Byline: "记者 张三 李四",
					Lead: "嵩北快线30日运送第1万个标准集装箱。", Body: "嵩北快线30日运送第1万个标准集装箱。"},
				{Title: "两国外长举行会谈", Dateline: "新华社北京4月30日电", Byline: "记者 王五",
					Lead: "两国外长30日在北京举行会谈。", Body: "两国外长30日在北京举行会谈。"},
			},
		},
	})
}

func TestParsePageLongSubtitle(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "a long subtitle with commas right above the dateline",
			page: "在全市民生工作会议上\n市长宣布今年十件民生实事\n新建学校、改造老旧小区,我们要让群众的获得感成色更足、幸福感更可持续、安全感更有保障\n" +
				"新华社嵩北3月1日电 嵩北市市长今天在全市民生工作会议上宣布今年十件民生实事。\n",
			want: []Article{{Kicker: "在全市民生工作会议上", Title: "市长宣布今年十件民生实事",
				Subtitle: "新建学校、改造老旧小区,我们要让群众的获得感成色更足、幸福感更可持续、安全感更有保障",
				Dateline: "新华社嵩北3月1日电", Lead: "嵩北市市长今天在全市民生工作会议上宣布今年十件民生实事。",
				Body: "嵩北市市长今天在全市民生工作会议上宣布今年十件民生实事。"}},
		},
		{
			name: "a line broken in a body above the next dateline stays in the body",
			page: "区里召开会议\n\n本报讯 近日,区里召开会议。\n会议要求,各部门要加强协作,确保安全生产,切实把各项工作落到实处,推动全区高质量发展\n" +
				"新华社北京3月1日电 会议闭幕。\n",
			want: []Article{{Title: "区里召开会议", Dateline: "本报讯", Lead: "近日,区里召开会议。",
				Body: "近日,区里召开会议。\n会议要求,各部门要加强协作,确保安全生产,切实把各项工作落到实处,推动全区高质量发展新华社北京3月1日电 会议闭幕。"}},
		},
	})
}

func TestParsePageSubheads(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "a sub-head inside a feature with its byline above the lead",
			page: "老匠人的新徒弟\n本报记者 王小东\n嵩北机械厂的老师傅不少，可焊工里拔尖的只有一位。厂里一直想请他带徒弟。\n" +
				"终于被“请”出来了\n李师傅是厂里技术最好的八级焊工。他的徒弟现在也有了徒弟。\n",
			want: []Article{{Title: "老匠人的新徒弟", Byline: "记者 王小东",
				Lead: "嵩北机械厂的老师傅不少，可焊工里拔尖的只有一位。",
				Body: "嵩北机械厂的老师傅不少，可焊工里拔尖的只有一位。厂里一直想请他带徒弟。\n终于被“请”出来了\n李师傅是厂里技术最好的八级焊工。他的徒弟现在也有了徒弟。"}},
		},
		{
			name: "a sub-head set in like the paragraphs while the headline is not",
			page: "风雨过后建家园\n——嵩北区灾后重建见闻\n\n  9月1日，嵩北区第一中学如期开学。\n  校园又恢复了往日的模样。\n" +
				"  闻“汛”而动 全区出动抢险队伍两万人次\n\n  初秋时节，山村安然静谧。\n",
			want: []Article{{Title: "风雨过后建家园", Subtitle: "嵩北区灾后重建见闻", Lead: "9月1日，嵩北区第一中学如期开学。",
				Body: "9月1日，嵩北区第一中学如期开学。\n校园又恢复了往日的模样。\n闻“汛”而动 全区出动抢险队伍两万人次\n初秋时节，山村安然静谧。"}},
		},
		{
			name: "a headline set flush after indented paragraphs starts the next article",
			page: "嵩北区图书馆新馆开放\n\n    3月18日，嵩北区图书馆新馆正式对外开放。\n\n全民阅读季同步启动\n\n    当天，全民阅读季同步启动。\n",
			want: []Article{
				{Title: "嵩北区图书馆新馆开放", Lead: "3月18日，嵩北区图书馆新馆正式对外开放。", Body: "3月18日，嵩北区图书馆新馆正式对外开放。"},
				{Title: "全民阅读季同步启动", Lead: "当天，全民阅读季同步启动。", Body: "当天，全民阅读季同步启动。"},
			},
		},
		{
			name: "a bare name under a dash subtitle is the byline",
			page: "  为农民搭起致富的舞台\n——嵩北区农村专业技术协会扫描\n常征\n农村专业技术协会遍及全区，成为科技兴农的一支劲旅。\n" +
				"    养兔能手的摇篮\n提起兔毛纺纱机，连专家也直摇头。\n",
			want: []Article{{Title: "为农民搭起致富的舞台", Subtitle: "嵩北区农村专业技术协会扫描", Byline: "常征",
				Lead: "农村专业技术协会遍及全区，成为科技兴农的一支劲旅。",
				Body: "农村专业技术协会遍及全区，成为科技兴农的一支劲旅。\n养兔能手的摇篮\n提起兔毛纺纱机，连专家也直摇头。"}},
		},
		{
			name: "a short line under a title without a dash stays a subtitle",
			page: "两大流域生态保护推进会召开\n黄河\n近日，两大流域生态保护推进会召开。\n",
			want: []Article{{Title: "两大流域生态保护推进会召开", Subtitle: "黄河",
				Lead: "近日，两大流域生态保护推进会召开。", Body: "近日，两大流域生态保护推进会召开。"}},
		},
	})
}

func TestParsePageWithoutOpeners(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "a line the next one continues in mid-sentence is no headline",
			page: "小稿子引来大风波\n5月10日，本报刊发了一篇批评稿。稿件见报后，有关部门很快作了整改。\n\n" +
				"嵩北人的自豪\n一个县三十年没上过省报,一上就上\n了个头版头条,这个县就是嵩北县。\n",
			want: []Article{
				{Title: "小稿子引来大风波", Lead: "5月10日，本报刊发了一篇批评稿。", Body: "5月10日，本报刊发了一篇批评稿。稿件见报后，有关部门很快作了整改。"},
				{Title: "嵩北人的自豪", Lead: "一个县三十年没上过省报,一上就上了个头版头条,这个县就是嵩北县。",
					Body: "一个县三十年没上过省报,一上就上了个头版头条,这个县就是嵩北县。"},
			},
		},
		{
			name: "a quoted title with a comma opens the page",
			page: "“最美的路,就是回家的路”\n\n    1月26日,春运大幕开启。\n\n春运首日发送旅客6万人次\n\n    本报讯(记者 张三 通讯员 李四)1月26日,春运正式开启。\n",
			want: []Article{
				{Title: "“最美的路,就是回家的路”", Lead: "1月26日,春运大幕开启。", Body: "1月26日,春运大幕开启。"},
				{Title: "春运首日发送旅客6万人次", Dateline: "本报讯", Byline: "记者 张三 通讯员 李四",
					Lead: "1月26日,春运正式开启。", Body: "1月26日,春运正式开启。"},
			},
		},
		{
			name: "a kicker with a comma, then numbered photo captions before the lead",
			page: "上午,记者在嵩北看到市民生活如往昔\n\n相信嵩北不久会恢复热闹\n\n①不少居民趁周末到公园游玩\n\n②在文昌路口,私家车出入无需通行证\n\n" +
				"昨天晚上,嵩北区宣布取消出入证管理。\n\n上午,记者驱车前往嵩北。本报记者 王五 李四\n",
			want: []Article{{Kicker: "上午,记者在嵩北看到市民生活如往昔", Title: "相信嵩北不久会恢复热闹", Byline: "记者 王五 李四",
				Lead: "昨天晚上,嵩北区宣布取消出入证管理。", Body: "昨天晚上,嵩北区宣布取消出入证管理。\n上午,记者驱车前往嵩北。"}},
		},
		{
			name: "a news paragraph printed with its photo credit is the article",
			page: "井盖“张大口”\n  6月11日,记者途经南滨路时看到,一处井盖损坏严重。希望相关部门尽快更换。本报记者 王五 摄\n",
			want: []Article{{Title: "井盖“张大口”", Lead: "6月11日,记者途经南滨路时看到,一处井盖损坏严重。",
				Body: "6月11日,记者途经南滨路时看到,一处井盖损坏严重。希望相关部门尽快更换。"}},
		},
		{
			name: "a photo with its title and a caption pointing at it is no article",
			page: "春运首日发送旅客6万人次\n\n本报讯(记者 张三)1月26日,春运正式开启。\n\n图片新闻\n\n" +
				"春运首日,海事部门开展海空立体巡航。图为执法人员对客运船舶进行巡查。\n\n本报记者 王五 摄\n",
			want: []Article{{Title: "春运首日发送旅客6万人次", Dateline: "本报讯", Byline: "记者 张三",
				Lead: "1月26日,春运正式开启。", Body: "1月26日,春运正式开启。"}},
		},
	})
}

func TestParsePageTitleOverLines(t *testing.T) {
	runPageCases(t, []pageCase{
		{
			name: "a title broken over four lines that the lead repeats",
			page: "区八届\n人大三次会议\n主席团召开\n第二次会议\n□融媒记者 王小东\n" +
				"本报讯 3月2日,区八届人大三次会议主席团召开第二次会议。会议由常务主席主持。\n",
			want: []Article{{Title: "区八届人大三次会议主席团召开第二次会议", Dateline: "本报讯", Byline: "记者 王小东",
				Lead: "3月2日,区八届人大三次会议主席团召开第二次会议。", Body: "3月2日,区八届人大三次会议主席团召开第二次会议。会议由常务主席主持。"}},
		},
		{
			name: "kicker and title the lead does not repeat joined stay apart",
			page: "坚持创新驱动\n中原区召开科技创新大会\n\n本报讯 2月20日，中原区召开科技创新大会。\n",
			want: []Article{{Kicker: "坚持创新驱动", Title: "中原区召开科技创新大会", Dateline: "本报讯",
				Lead: "2月20日，中原区召开科技创新大会。", Body: "2月20日，中原区召开科技创新大会。"}},
		},
	})
}
