package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRTParseDay(t *testing.T) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2023, 2, 13, 0, 0, 0, 0, zone)
	newYear := time.Date(2023, 1, 2, 0, 0, 0, 0, zone)
	cases := []struct {
		arg   string
		today time.Time
		want  string // "" = refused
	}{
		{"", today, "2023-02-13"},
		{"今天", today, "2023-02-13"},
		{"昨天", today, "2023-02-12"},
		{"前天", today, "2023-02-11"},
		{"2023-02-13", today, "2023-02-13"},
		{"2023-2-3", today, "2023-02-03"},
		{"2023/02/13", today, "2023-02-13"},
		{"2023.2.13", today, "2023-02-13"},
		{"20230213", today, "2023-02-13"},
		{"2023年2月13日", today, "2023-02-13"},
		{"2023年2月13号", today, "2023-02-13"},
		{"二〇二三年二月十三日", today, "2023-02-13"},
		{"2月13日", today, "2023-02-13"},
		{"2月1日", today, "2023-02-01"},
		{"3月1日", today, "2023-03-01"}, // a little ahead: this year
		{"12月31日", newYear, "2022-12-31"},
		{"12-31", newYear, "2022-12-31"},
		{"2-13", today, "2023-02-13"},
		{"13日", today, "2023-02-13"},
		{"2024-02-29", today, "2024-02-29"},

		{"2023-02-30", today, ""},
		{"2023-13-01", today, ""},
		{"2023-02", today, ""}, // two numbers are month-day, and 2023 is no month
		{"2023--02-13", today, ""},
		{"2023-02/13", today, ""},
		{"0月1日", today, ""},
		{"2023年2月", today, ""},
		{"明天见", today, ""},
		{"abc", today, ""},
		{"-1", today, ""},
		{"1899-01-01", today, ""},
		{"32日", today, ""},
		{"２月１３日", today, ""}, // full-width is normalised before, not here
	}
	for _, c := range cases {
		got, ok := rtParseDay(c.arg, c.today)
		if c.want == "" {
			if ok {
				t.Errorf("rtParseDay(%q) = %v, want refused", c.arg, got)
			}
			continue
		}
		if !ok || got.Format(dayLayout) != c.want || got.Location() != zone || got.Hour() != 0 {
			t.Errorf("rtParseDay(%q) = %v, %v; want %s at midnight in Shanghai", c.arg, got, ok, c.want)
		}
	}
}

func TestRTAtoi(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7": 7, "12": 12, "十": 10, "十二": 12, "二十": 20, "二十一": 21,
		"一百零五": 105, "二〇二三": 2023, "两": 2, "九十九": 99} {
		if got, ok := rtAtoi(in); !ok || got != want {
			t.Errorf("rtAtoi(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "+1", "-1", "1a", "三三十", "a", "1234567", "十十x"} {
		if got, ok := rtAtoi(in); ok {
			t.Errorf("rtAtoi(%q) = %d, want refused", in, got)
		}
	}
}

func TestRTNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"\u3000今日新闻\u3000": "今日新闻",
		"／ｔｏｄａｙ":           "/today",
		"详情\t \u3000 3":    "详情 3",
		"０８：００，１８：００":      "08:00,18:00",
		"\u200b帮助\ufeff":   "帮助",
		"":                 "",
		"搜索 中原区  \n  培训 ":  "搜索 中原区 培训",
	} {
		if got := rtNormalize(in); got != want {
			t.Errorf("rtNormalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := rtTrimTrailing("今日新闻。！？ "); got != "今日新闻" {
		t.Errorf("rtTrimTrailing = %q", got)
	}
}

func TestRTPack(t *testing.T) {
	lines := []string{strings.Repeat("甲", 40), strings.Repeat("乙", 40), strings.Repeat("丙", 150)}
	parts := rtPack(lines, 100)
	if len(parts) != 2 {
		t.Fatalf("%d parts: %q", len(parts), parts)
	}
	for _, p := range parts {
		if n := utf8.RuneCountInString(p); n > 100 {
			t.Errorf("part of %d runes", n)
		}
	}
	if parts[0] != lines[0]+"\n"+lines[1] {
		t.Errorf("first part %q", parts[0])
	}
	if !strings.HasSuffix(parts[1], "…") {
		t.Errorf("an over-long line is not marked as cut: %q", parts[1])
	}
	if got := rtPack(nil, 100); len(got) != 1 || got[0] != "" {
		t.Errorf("rtPack(nil) = %q", got)
	}
}

func TestRateWindow(t *testing.T) {
	t0 := time.Date(2023, 2, 13, 10, 0, 0, 0, time.UTC)
	w := newRateWindow(2, time.Minute)
	steps := []struct {
		at   time.Duration
		key  string
		want rateVerdict
	}{
		{0, "a", rateAllow},
		{10 * time.Second, "a", rateAllow},
		{20 * time.Second, "a", rateNotice},
		{30 * time.Second, "a", rateSilent},
		{30 * time.Second, "b", rateAllow},
		{60 * time.Second, "a", rateAllow}, // the first event left the window
		{61 * time.Second, "a", rateNotice},
		{70 * time.Second, "a", rateAllow}, // the second one left too; the notice may come again
		{71 * time.Second, "a", rateNotice},
	}
	for i, s := range steps {
		if got := w.take(s.key, t0.Add(s.at)); got != s.want {
			t.Fatalf("step %d (%v %s): %v, want %v", i, s.at, s.key, got, s.want)
		}
	}
	// Idle keys are forgotten.
	w.take("c", t0.Add(10*time.Minute))
	if len(w.keys) != 1 {
		t.Fatalf("%d keys kept, want 1", len(w.keys))
	}
	if (*rateWindow)(nil).take("x", t0) != rateAllow || newRateWindow(-1, time.Minute).take("x", t0) != rateAllow {
		t.Fatal("a disabled window limited")
	}
}

func TestRateOnce(t *testing.T) {
	t0 := time.Date(2023, 2, 13, 10, 0, 0, 0, time.UTC)
	o := newRateOnce(5 * time.Minute)
	steps := []struct {
		at   time.Duration
		key  string
		want rateVerdict
	}{
		{0, "g", rateAllow},
		{time.Minute, "g", rateNotice},
		{2 * time.Minute, "g", rateSilent},
		{2 * time.Minute, "h", rateAllow},
		{5 * time.Minute, "g", rateAllow},
		{5 * time.Minute, "g", rateNotice},
		{-time.Hour, "g", rateAllow}, // the clock went back: do not stay silent for an hour
	}
	for i, s := range steps {
		if got := o.take(s.key, t0.Add(s.at)); got != s.want {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
	o.take("x", t0.Add(time.Hour))
	if len(o.keys) != 1 {
		t.Fatalf("%d keys kept, want 1", len(o.keys))
	}
}

// TestRouterShownConcurrent: the dispatcher calls Shown from its own
// goroutine while Handle runs (meaningful under -race).
func TestRouterShownConcurrent(t *testing.T) {
	e := newRTEnv(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			e.r.Shown(rtGroup, e.ids[i%len(e.ids):])
		}
	}()
	for range 20 {
		e.r.Handle(context.Background(), Message{Chat: rtGroup, From: rtStaff, Text: "详情 1"})
	}
	wg.Wait()
	e.r.Shown(rtGroup, e.ids[4:])
	e.out.take()
	rtWantReply(t, e.say(rtGroup, rtStaff, "详情 1"), rtGroup, "研发费用入统")
}
