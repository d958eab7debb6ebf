package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

// rtPanicHandler is a slog handler that counts records mentioning a panic,
// because Handle recovers and only logs them.
type rtPanicHandler struct{ panics *atomic.Int32 }

func (h rtPanicHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h rtPanicHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.panics.Add(1)
	}
	return nil
}
func (h rtPanicHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h rtPanicHandler) WithGroup(string) slog.Handler      { return h }

// rtFuzzRouter is a router over an in-memory store: every method the
// router may call is a function field, so a fuzzed message never reaches
// a nil Store.
func rtFuzzRouter(panics *atomic.Int32) (*Router, *rtOutbox) {
	arts, _ := digest.ParsePage(digest.SamplePage)
	for i := range arts {
		arts[i].ID, arts[i].Source, arts[i].Date = int64(i+1), "中原区报", rtDay
	}
	st := &rtStore{
		articlesByDate: func(_ context.Context, d string) ([]digest.Article, error) {
			if d == rtDay {
				return arts, nil
			}
			return nil, nil
		},
		article: func(_ context.Context, id int64) (digest.Article, error) {
			if id >= 1 && int(id) <= len(arts) {
				return arts[id-1], nil
			}
			return digest.Article{}, data.ErrNotFound
		},
		// Edits and withdrawals are accepted and forgotten: the fuzzer
		// keeps the same day to work on.
		correctArticle:  func(context.Context, digest.Article) error { return nil },
		withdrawArticle: func(context.Context, int64, string) error { return nil },
		search: func(_ context.Context, q string, limit int) ([]data.Hit, error) {
			var hits []data.Hit
			for _, a := range arts {
				if strings.Contains(a.Body, q) && len(hits) < limit {
					hits = append(hits, data.Hit{Article: a, Snippet: q})
				}
			}
			return hits, nil
		},
		roleOf: func(_ context.Context, remark string) (data.Role, error) {
			if remark == "李干事" {
				return data.RoleStaff, nil
			}
			return "", data.ErrNotFound
		},
		putSubscription:    func(_ context.Context, s data.Subscription) (data.Subscription, error) { s.ID = 1; return s, nil },
		removeSubscription: func(context.Context, string) error { return data.ErrNotFound },
		subscriptions:      func(context.Context) ([]data.Subscription, error) { return nil, nil },
		audit:              func(context.Context, data.AuditEntry) error { return nil },
	}
	out := &rtOutbox{}
	zone, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2023, 2, 13, 10, 0, 0, 0, zone)
	r := NewRouter(RouterConfig{Store: st, Outbox: out, Dispatcher: &rtDispatcher{}, Zone: zone,
		Now: func() time.Time { return now }, Logger: slog.New(rtPanicHandler{panics}),
		Limits: Limits{PerSender: -1, PerChat: -1, DigestEvery: -1}})
	return r, out
}

// FuzzRouterHandle: no message makes Handle panic (even recovered), and
// only texts that start with a command word or "/" are commands.
func FuzzRouterHandle(f *testing.F) {
	for _, s := range []string{"今日新闻", "新闻 2月13日", "详情 3", "详情三", "搜索 中原区", "/today 2023-02-13",
		"订阅 08:00,18:00 工作日", "订阅 cron 0 8 * * *", "退订 甲群", "推送 全部", "状态", "帮助", "我看了今日新闻",
		"/::)", "／ｓｅａｒｃｈ　好少年", "详情 99999", "新闻 二〇二三年二月三十日", "订阅 下午13点",
		"修改 2 导语 新的导语，带逗号。", "/edit 1 标题：新标题", "修改 3 署名 无", "撤下 3", "撤下三"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(2))
	}
	var panics atomic.Int32
	r, out := rtFuzzRouter(&panics)
	senders := []Sender{rtResident, rtStaff, rtSelf}
	f.Fuzz(func(t *testing.T, text string, who uint8) {
		from := senders[int(who)%len(senders)]
		r.Handle(context.Background(), Message{Chat: rtGroup, From: from, Text: text})
		out.take()
		if n := panics.Swap(0); n != 0 {
			t.Fatalf("Handle(%q) panicked", text)
		}
		cmd, _, kind := r.match(text)
		if kind != matchCommand {
			return
		}
		s := rtTrimTrailing(rtNormalize(text))
		if strings.HasPrefix(s, "/") {
			return
		}
		for _, w := range cmd.info().words {
			if strings.HasPrefix(s, w) {
				return
			}
		}
		t.Fatalf("%q matched %q without starting with its word", text, cmd.info().words[0])
	})
}

// FuzzParseSubscribeArgs: no input panics; what parses is a valid
// schedule in canonical form, and what does not is an *ArgError.
func FuzzParseSubscribeArgs(f *testing.F) {
	for _, s := range []string{"08:00", "8:00,18:00 工作日", "０８：００、１８：００", "cron 0 8 * * *", "下午6点半",
		"cron 0 0 30 2 *", "08:00 Asia/Tokyo", "25:00", "", "周一至周五 二十三点五十九分"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		sub, err := ParseSubscribeArgs(args, "")
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Hint == "" {
				t.Fatalf("ParseSubscribeArgs(%q): %v is not an *ArgError with a hint", args, err)
			}
			return
		}
		if _, err := NewSchedule(sub); err != nil {
			t.Fatalf("ParseSubscribeArgs(%q) = %+v, which NewSchedule refuses: %v", args, sub, err)
		}
		if sub.Kind == data.ScheduleAt {
			again, err := ParseSubscribeArgs(sub.Spec, sub.TZ)
			if err != nil || again.Spec != sub.Spec {
				t.Fatalf("canonical spec %q does not round-trip: %+v, %v", sub.Spec, again, err)
			}
		}
	})
}

// FuzzRTParseDay: no input panics; an accepted date is a real one at
// midnight that reads back the same in ISO form.
func FuzzRTParseDay(f *testing.F) {
	for _, s := range []string{"2023-02-13", "2月13日", "二〇二三年二月十三日", "昨天", "13日", "20230213", "2023.2.30", "12-31"} {
		f.Add(s)
	}
	zone, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Date(2023, 2, 13, 0, 0, 0, 0, zone)
	f.Fuzz(func(t *testing.T, arg string) {
		got, ok := rtParseDay(arg, today)
		if !ok {
			return
		}
		if got.Hour() != 0 || got.Minute() != 0 || got.Location() != zone {
			t.Fatalf("rtParseDay(%q) = %v, not midnight in the zone", arg, got)
		}
		back, ok := rtParseDay(got.Format(dayLayout), today)
		if !ok || !back.Equal(got) {
			t.Fatalf("rtParseDay(%q) = %v does not read back: %v %v", arg, got, back, ok)
		}
	})
}
