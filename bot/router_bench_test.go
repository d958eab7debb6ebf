package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// Command latency on a 100,000-article store (issue 4: 今日新闻 and 搜索,
// p50/p99). Run with
//
//	go test -tags sqlite_fts5 -run '^$' -bench BenchmarkRouter ./bot/
//
// Building the store takes a while; it happens once per process and is
// removed by TestMain.

const (
	rtBenchArticles = 100_000
	rtBenchPerDay   = 20
	rtBenchBatch    = 1000
)

// rtBenchWords are news words, most frequent first; articles draw them
// with a Zipf law so search terms have realistic frequencies.
var rtBenchWords = strings.Fields(`
的 在 和 了 是 工作 发展 建设 项目 推进 全区 群众 服务 社区 街道 企业 经济 一 要 为
中原区 活动 加强 开展 提升 进行 会议 重点 部门 坚持 落实 举行 有关 负责 干部 相关 实现 持续
文化 创新 产业 安全 民生 环境 治理 提高 政策 城市 改革 基层 单位 质量 保障 全面 稳定 完成
高质量 新时代 党建 教育 医疗 卫生 健康 就业 养老 交通 道路 绿化 居民 志愿者 老年人
学校 学生 家庭 儿童 乡村 振兴 生态 保护 公园 文明 创建 宣传 培训 指导 检查 整改 问题
招商 投资 开门红 观摩 动员 聚焦 夯实 基础 动能 奋力 推动 市场 消费 科技 人才 中心 工程
数字 平台 智慧 网络 管理 法治 消防 应急 防汛 供暖 供水 垃圾 分类 河道 书记 区长 主任
春节 元宵 清明 端午 中秋 国庆 樱花 牡丹 书法 绘画 豫剧 非遗 博物馆 图书馆 马拉松 篮球
`)

// rtBenchGen draws article i from (seed, i) alone, so any slice of the
// archive can be rebuilt identically.
type rtBenchGen struct {
	seed  uint64
	start time.Time
}

func newRTBenchGen() rtBenchGen {
	return rtBenchGen{seed: 20230213, start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (g rtBenchGen) date(i int) string {
	return g.start.AddDate(0, 0, i/rtBenchPerDay).Format(dayLayout)
}

func (g rtBenchGen) article(i int) digest.Article {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(rtBenchWords)-1))
	words := func(runes int) string {
		var b strings.Builder
		for n := 0; n < runes; {
			w := rtBenchWords[z.Uint64()]
			b.WriteString(w)
			n += len([]rune(w))
		}
		return b.String()
	}
	sentence := func() string {
		var parts []string
		for c := 2 + r.IntN(3); c > 0; c-- {
			parts = append(parts, words(6+r.IntN(10)))
		}
		return strings.Join(parts, "，") + "。"
	}
	lead := sentence()
	var paras []string
	para := lead
	for runes := 0; runes < 500+r.IntN(200); {
		s := sentence()
		para += s
		runes += len([]rune(s))
		if r.IntN(3) == 0 {
			paras = append(paras, para)
			para = ""
		}
	}
	if para != "" {
		paras = append(paras, para)
	}
	return digest.Article{
		Source: "中原区报", Date: g.date(i),
		Title: words(8 + r.IntN(12)), Dateline: "本报讯",
		Byline: fmt.Sprintf("记者 %s", []string{"鲁燕", "木坤坤", "王晓", "李明"}[r.IntN(4)]),
		Lead:   lead, Body: strings.Join(paras, "\n"),
	}
}

// rtBenchShared is the archive the router benchmarks share. Package
// state, but test-only: building it costs tens of seconds, once per
// process.
var rtBenchShared struct {
	once sync.Once
	dir  string
	db   *data.Store
	err  error
}

func rtBenchStore(b *testing.B) *data.Store {
	b.Helper()
	if testing.Short() {
		b.Skip("needs a 100,000-article store; skipped under -short")
	}
	sh := &rtBenchShared
	sh.once.Do(func() {
		start := time.Now()
		sh.dir, sh.err = os.MkdirTemp("", "wxdigest-router-bench-")
		if sh.err != nil {
			return
		}
		ctx := context.Background()
		sh.db, sh.err = data.Open(ctx, filepath.Join(sh.dir, "archive.db"), data.Options{})
		if sh.err != nil {
			return
		}
		g := newRTBenchGen()
		batch := make([]digest.Article, 0, rtBenchBatch)
		for from := 0; from < rtBenchArticles && sh.err == nil; from += rtBenchBatch {
			batch = batch[:0]
			for i := from; i < from+rtBenchBatch; i++ {
				batch = append(batch, g.article(i))
			}
			_, sh.err = sh.db.ImportArticles(ctx, batch)
		}
		fmt.Fprintf(os.Stderr, "router bench: built a %d-article store in %v\n", rtBenchArticles, time.Since(start).Round(time.Millisecond))
	})
	if sh.err != nil {
		b.Fatal(sh.err)
	}
	return sh.db
}

// rtBenchCleanup closes and removes the shared archive; TestMain calls it.
func rtBenchCleanup() {
	sh := &rtBenchShared
	if sh.db != nil {
		sh.db.Close()
	}
	if sh.dir != "" {
		os.RemoveAll(sh.dir)
	}
}

// rtBenchRouter is a router over db that staff use (no rate limits in
// the way) and whose replies are counted, not kept.
func rtBenchRouter(b *testing.B, db *data.Store) (*Router, *rtOutbox) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	out := &rtOutbox{}
	now := time.Date(2023, 2, 13, 10, 0, 0, 0, zone)
	r := NewRouter(RouterConfig{Store: &rtStore{Store: db, roleOf: func(context.Context, string) (data.Role, error) {
		return "", data.ErrNotFound
	}}, Outbox: out, Zone: zone, Now: func() time.Time { return now },
		Limits: Limits{PerSender: -1, PerChat: -1, DigestEvery: -1}})
	return r, out
}

// rtLatencies reports the p50 and p99 of per-op times.
func rtLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1e6 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkRouterToday: 今日新闻 <date> for days spread over the archive,
// from message to queued parts (store read, compose, render).
func BenchmarkRouterToday(b *testing.B) {
	db := rtBenchStore(b)
	r, out := rtBenchRouter(b, db)
	g := newRTBenchGen()
	days := rtBenchArticles / rtBenchPerDay
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		day := g.date((i * 7919 % days) * rtBenchPerDay)
		m := Message{Chat: rtGroup, From: rtResident, Text: "今日新闻 " + day}
		start := time.Now()
		r.Handle(ctx, m)
		lat = append(lat, time.Since(start))
		sent := out.take()
		if len(sent) != 1 || !strings.Contains(sent[0].Parts[0], "【中原区报】") {
			b.Fatalf("今日新闻 %s: %+v", day, sent)
		}
	}
	b.StopTimer()
	rtLatencies(b, lat)
}

// BenchmarkRouterSearch: 搜索 with common, rarer, two-term and absent
// keywords.
func BenchmarkRouterSearch(b *testing.B) {
	db := rtBenchStore(b)
	r, out := rtBenchRouter(b, db)
	ctx := context.Background()
	queries := []string{"发展", "医疗", "樱花", "项目 建设", "乡村振兴", "地铁"}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		r.Handle(ctx, Message{Chat: rtGroup, From: rtResident, Text: "搜索 " + q})
		lat = append(lat, time.Since(start))
		if sent := out.take(); len(sent) != 1 {
			b.Fatalf("搜索 %s: %+v", q, sent)
		}
	}
	b.StopTimer()
	rtLatencies(b, lat)
}

// TestRouterBenchQueries keeps the search benchmark honest on a small
// slice of the same archive: common words hit, the absent one does not.
func TestRouterBenchQueries(t *testing.T) {
	e := newRTEnv(t)
	g := newRTBenchGen()
	arts := make([]digest.Article, 300)
	for i := range arts {
		arts[i] = g.article(i)
	}
	if _, err := e.db.ImportArticles(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	for q, hits := range map[string]bool{"发展": true, "医疗": true, "项目 建设": true, "地铁": false} {
		got := e.one(rtGroup, rtStaff, "搜索 "+q)
		if found := !strings.Contains(got, "没有找到"); found != hits {
			t.Errorf("搜索 %s: hits=%v, want %v:\n%s", q, found, hits, got)
		}
	}
	if a, b := g.article(12345), g.article(12345); a != b {
		t.Fatal("generator is not deterministic")
	}
}
