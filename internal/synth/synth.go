// Package synth is a synthetic news archive for tests and benchmarks:
// deterministic news-like Chinese text whose words follow a Zipf law over
// a vocabulary of common news words and a long tail of two-character
// words, so search terms have realistic frequencies. The SQLite store's
// tests and benchmarks and internal/storebench (both stores side by side)
// use the same archive, article for article.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// A synthetic archive for benchmarks: deterministic news-like
// Chinese text whose words follow a Zipf law over a vocabulary of common
// news words (the head) and a long tail of two-character words, so search
// terms have realistic frequencies: 的 and 发展 in most articles, 医疗 in
// some, 樱花 in few.

// synthHead: frequent news words, most frequent first.
const synthHead = `
的 在 和 了 是 工作 发展 建设 项目 推进 全区 群众 服务 社区 街道 企业 经济 我们 一 要 为
中原区 活动 加强 开展 提升 进行 会议 重点 部门 坚持 落实 举行 有关 负责 干部 相关 实现 持续
文化 创新 产业 安全 民生 环境 治理 提高 政策 城市 改革 基层 单位 质量 保障 全面 稳定 完成
高质量 新时代 党建 教育 卫生 健康 就业 交通 道路 绿化 居民 志愿者 老年人
学校 学生 家庭 儿童 农村 乡村 振兴 生态 保护 公园 文明 创建 宣传 培训 指导 检查 整改 问题
招商 引资 投资 观摩 动员 聚焦 提速 夯实 基础 积蓄 动能 奋力 推动 大提升
市场 消费 商贸 金融 科技 人才 研究 中心 工程 技术 数字 平台 智慧 网络 信息 数据 系统 管理
法治 公安 消防 应急 救援 防汛 供暖 供水 燃气 电力 垃圾 分类 污水 空气 河道
书记 区长 主任 委员 代表 领导 同志 记者 通讯员 上午 下午 今年 去年 目前 近日 日前
一季度 全年 同比 增长 亿元 万元 百分点 平方米 公里 个 家 名 户 次 项 条 座 所 处 批
`

// synthPlaced are query words put at fixed Zipf ranks, from common to rare.
var synthPlaced = []struct {
	word string
	rank int
}{
	{"医疗", 150}, {"疫情防控", 300}, {"养老", 500}, {"开门红", 800},
	{"豫剧", 2000}, {"樱花", 4000}, {"非遗", 8000}, {"马拉松", 15000},
}

// synthTailChars make the tail's two-character words.
const synthTailChars = `人民国家中华政府地方区域市县乡镇村组户口业务生产生活经营管理组织领导干部群众工作会议活动项目工程建设发展规划计划目标任务措施办法制度机制体系标准质量水平能力效率效果成果经验问题困难矛盾风险隐患安全环境生态资源能源交通运输道路桥梁水利电力通信网络信息技术科学研究教育学校学生教师医院医生病人健康卫生文化艺术体育旅游商业市场企业公司工厂产品价格消费投资金融银行税收财政预算资金收入支出就业社会保障养老服务家庭儿童妇女青年老人志愿爱心公益慈善救助帮扶脱贫致富乡村振兴农业农民土地粮食蔬菜水果畜牧林业绿化公园广场街道社区小区物业住房城市更新改造拆迁安置规划设计施工监理验收`

var synthPlaces = strings.Fields(`须水 秦岭路 桐柏路 汝河路 林山寨 建设路 三官庙 绿东村 棉纺路 航海路 中原路 嵩山路`)
var synthASCII = strings.Fields(`5G GDP AI APP PM2.5 CBD 2023 2022 3.14 100 12345`)

// Synth draws articles; article i depends only on (seed, i).
type Synth struct {
	seed    uint64
	PerDay  int // articles a day
	start   time.Time
	sources []string
	vocab   []string // Zipf rank order
}

// New returns the generator of the benchmark archive.
func New() Synth {
	g := Synth{seed: 20230213, PerDay: 20, start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC),
		sources: []string{"中原区报", "郑州日报"}}
	vocab := strings.Fields(synthHead)
	chars := []rune(synthTailChars)
	r := rand.New(rand.NewPCG(g.seed, 0))
	for len(vocab) < 20000 {
		vocab = append(vocab, string([]rune{chars[r.IntN(len(chars))], chars[r.IntN(len(chars))]}))
	}
	for _, p := range synthPlaced {
		vocab = append(vocab[:p.rank+1], vocab[p.rank:]...)
		vocab[p.rank] = p.word
	}
	g.vocab = vocab
	return g
}

// Article returns article i.
func (g Synth) Article(i int) digest.Article {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)+1))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(g.vocab)-1))
	word := func() string {
		switch n := r.IntN(100); {
		case n < 3:
			return synthPlaces[r.IntN(len(synthPlaces))]
		case n < 4:
			return synthASCII[r.IntN(len(synthASCII))]
		}
		return g.vocab[z.Uint64()]
	}
	var title strings.Builder
	for n, want := 0, 8+r.IntN(10); n < want; {
		w := word()
		title.WriteString(w)
		n += len([]rune(w))
	}
	var body strings.Builder
	runes := 0
	target := 540 + r.IntN(120)
	for runes < target {
		// Paragraphs of 2-4 sentences of 2-4 clauses of 3-8 words.
		if body.Len() > 0 {
			body.WriteByte('\n')
			runes++
		}
		for s := 2 + r.IntN(3); s > 0 && runes < target; s-- {
			for c := 2 + r.IntN(3); c > 0; c-- {
				for w := 3 + r.IntN(6); w > 0; w-- {
					x := word()
					body.WriteString(x)
					runes += len([]rune(x))
				}
				if c > 1 {
					body.WriteString("，")
				} else {
					body.WriteString("。")
				}
				runes++
			}
		}
	}
	b := body.String()
	lead, _, _ := strings.Cut(b, "。")
	return digest.Article{
		Source:   g.sources[i%len(g.sources)],
		Date:     g.Date(i),
		Title:    title.String(),
		Dateline: "本报讯",
		Byline:   fmt.Sprintf("记者 %s", []string{"鲁燕", "王磊", "李娜", "张伟"}[i%4]),
		Lead:     lead + "。",
		Body:     b,
	}
}

// Date is article i's issue date: PerDay articles a day from start.
func (g Synth) Date(i int) string {
	return g.start.AddDate(0, 0, i/g.PerDay).Format(time.DateOnly)
}

// Batch returns articles [from, from+n).
func (g Synth) Batch(from, n int) []digest.Article {
	arts := make([]digest.Article, n)
	for j := range arts {
		arts[j] = g.Article(from + j)
	}
	return arts
}
