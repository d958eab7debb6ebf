package storetest

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Opener opens a fresh, empty store whose clock is now, and arranges with
// t.Cleanup to close (and drop) it when t ends.
type Opener func(t *testing.T, now func() time.Time) Store

// Run checks that the stores open makes keep the contract the product
// relies on: every group below, in this order. Each subtest opens a fresh
// store (some open a few) on a clock of its own that only the test moves,
// so runs are repeatable and need no sleeps.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) Store) {
	t.Helper()
	RunArticles(t, func(t *testing.T, now func() time.Time) ArticlesGroup { return open(t, now) })
	RunSearch(t, func(t *testing.T, now func() time.Time) SearchGroup { return open(t, now) })
	RunArticleLimits(t, func(t *testing.T, now func() time.Time) ArticlesGroup { return open(t, now) })
	RunSources(t, func(t *testing.T, now func() time.Time) SourcesGroup { return open(t, now) })
	RunSubscriptions(t, func(t *testing.T, now func() time.Time) SubscriptionsGroup { return open(t, now) })
	RunChannels(t, func(t *testing.T, now func() time.Time) ChannelsGroup { return open(t, now) })
	RunLedger(t, func(t *testing.T, now func() time.Time) LedgerGroup { return open(t, now) })
	RunLeases(t, func(t *testing.T, now func() time.Time) LeaseStore { return open(t, now) })
	RunRoles(t, func(t *testing.T, now func() time.Time) RoleStore { return open(t, now) })
	RunAuditAndMeta(t, func(t *testing.T, now func() time.Time) AuditAndMetaGroup { return open(t, now) })
	RunOutbox(t, func(t *testing.T, now func() time.Time) OutboxStore { return open(t, now) })
	RunClaims(t, func(t *testing.T, now func() time.Time) ClaimsGroup { return open(t, now) })
	RunConsole(t, func(t *testing.T, now func() time.Time) ConsoleGroup { return open(t, now) })
}

type testCase struct {
	name string
	run  func(t *testing.T, e *env)
}

// env is one subtest's store, its clock, and the opener for more fresh
// stores.
type env struct {
	s     Store
	clock *clock
	open  Opener
	ctx   context.Context
}

func newEnv(t *testing.T, open Opener) *env {
	t.Helper()
	c := newClock()
	s := open(t, c.Now)
	if s == nil {
		t.Fatal("storetest: open returned a nil Store")
	}
	return &env{s: s, clock: c, open: open, ctx: context.Background()}
}

// fresh opens another empty store, on a clock of its own.
func (e *env) fresh(t *testing.T) *env { return newEnv(t, e.open) }

// clockStart is where every subtest's clock starts: a Monday, in UTC.
var clockStart = time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC)

// clock is a settable clock; the store reads it through Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: clockStart} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// wantErr fails t unless err is nil (want == nil) or wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: err = %v, want nil", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// norm makes a flat struct comparable across stores: times in UTC without
// a monotonic reading (zero stays zero), and empty slices nil (model
// documents nil for "none"; a store may hand back an empty slice).
func norm[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	if rv.Kind() != reflect.Struct {
		return v
	}
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !f.CanSet() {
			continue
		}
		if tm, ok := f.Interface().(time.Time); ok {
			if tm.IsZero() {
				f.Set(reflect.ValueOf(time.Time{}))
			} else {
				f.Set(reflect.ValueOf(tm.Round(0).UTC()))
			}
			continue
		}
		if f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return v
}

// same compares two flat structs after norm.
func same[T any](a, b T) bool { return reflect.DeepEqual(norm(a), norm(b)) }

// sameAll compares two slices of flat structs after norm.
func sameAll[T any](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !same(a[i], b[i]) {
			return false
		}
	}
	return true
}

// importArts imports arts and fails t on an error.
func (e *env) importArts(t *testing.T, arts ...digest.Article) model.ImportResult {
	t.Helper()
	res, err := e.s.ImportArticles(e.ctx, arts)
	if err != nil {
		t.Fatalf("ImportArticles: %v", err)
	}
	return res
}

// articleIDs stores n distinct articles and returns their ids, for ledger
// tests that hand articles to groups.
func (e *env) articleIDs(t *testing.T, n int) []int64 {
	t.Helper()
	e.needArticles(t)
	arts := make([]digest.Article, n)
	for i := range arts {
		arts[i] = digest.Article{Source: "台账", Date: "2026-03-01", Title: "台账稿" + strconv.Itoa(i), Body: "正文" + strconv.Itoa(i) + "。"}
	}
	res := e.importArts(t, arts...)
	if res.New != n {
		t.Fatalf("importing %d ledger articles: %+v", n, res)
	}
	return res.IDs
}

// sampleArticles are three articles of one day of a district paper, every
// field set somewhere.
func sampleArticles() []digest.Article {
	return []digest.Article{
		{Source: "中原区报", Date: "2023-02-13", Kicker: "夯实基础 积蓄动能", Title: "中原区第二次项目观摩活动举行",
			Dateline: "本报讯", Byline: "记者 鲁燕 通讯员 木坤坤", Lead: "2月11日，中原区举行2023年第二次项目观摩活动。",
			Body: "2月11日，中原区举行2023年第二次项目观摩活动。\n会前，中原区委书记李晓雷带队深入各街道。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "须水街道樱花节开幕", Dateline: "本报讯",
			Lead: "樱花节在须水街道开幕。", Body: "樱花节在须水街道开幕。\n市民纷纷前往赏花。"},
		{Source: "中原区报", Date: "2023-02-13", Title: "社区医疗服务再提升", Subtitle: "家门口看病更方便",
			Dateline: "本报讯", Lead: "社区卫生服务中心新增5G远程医疗设备。", Body: "社区卫生服务中心新增5G远程医疗设备。\nGDP同比增长。",
			URL: "https://example.invalid/3"},
	}
}

func titles(arts []digest.Article) []string {
	out := []string{}
	for _, a := range arts {
		out = append(out, a.Title)
	}
	return out
}

func hitTitles(hits []model.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Article.Title)
	}
	return out
}
