package workday

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// cst is China Standard Time without the tz database, so the tests do not
// depend on the machine's zone files.
var cst = time.FixedZone("CST", 8*3600)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, cst) }

// The 2025 dates are those of 国务院办公厅关于2025年部分节假日安排的通知
// (国办发明电〔2024〕12号, 2024-11-12).
func TestBuiltin2025(t *testing.T) {
	c := New()
	tests := []struct {
		date    time.Time
		workday bool
		name    string
	}{
		{date(2025, 1, 1), false, "元旦节"},
		{date(2025, 1, 2), true, ""},
		// 春节: 1月28日–2月4日 rest; 1月26日 (Sunday) and 2月8日 (Saturday) work.
		{date(2025, 1, 25), false, ""}, // an ordinary Saturday
		{date(2025, 1, 26), true, "春节调休"},
		{date(2025, 1, 27), true, ""},
		{date(2025, 1, 28), false, "春节"},
		{date(2025, 2, 1), false, "春节"}, // a Saturday inside the break
		{date(2025, 2, 4), false, "春节"},
		{date(2025, 2, 5), true, ""},
		{date(2025, 2, 8), true, "春节调休"},
		{date(2025, 2, 9), false, ""},
		// 清明节: 4月4日–6日.
		{date(2025, 4, 4), false, "清明节"},
		{date(2025, 4, 7), true, ""},
		// 劳动节: 5月1日–5日 rest; 4月27日 (Sunday) works.
		{date(2025, 4, 26), false, ""},
		{date(2025, 4, 27), true, "劳动节调休"},
		{date(2025, 4, 30), true, ""},
		{date(2025, 5, 1), false, "劳动节"},
		{date(2025, 5, 5), false, "劳动节"},
		{date(2025, 5, 6), true, ""},
		// 端午节: 5月31日–6月2日.
		{date(2025, 6, 2), false, "端午节"},
		// 国庆节、中秋节: 10月1日–8日 rest; 9月28日 (Sunday) and 10月11日 (Saturday) work.
		{date(2025, 9, 27), false, ""},
		{date(2025, 9, 28), true, "国庆中秋调休"},
		{date(2025, 9, 30), true, ""},
		{date(2025, 10, 1), false, "国庆中秋"},
		{date(2025, 10, 6), false, "国庆中秋"},
		{date(2025, 10, 8), false, "国庆中秋"},
		{date(2025, 10, 9), true, ""},
		{date(2025, 10, 10), true, ""},
		{date(2025, 10, 11), true, "国庆中秋调休"},
		{date(2025, 10, 12), false, ""},
		// An ordinary weekend and week.
		{date(2025, 3, 15), false, ""},
		{date(2025, 3, 16), false, ""},
		{date(2025, 3, 17), true, ""},
		// A working-day record on a weekday is no 调休 (the data has 2012-05-02).
		{date(2012, 5, 2), true, ""},
	}
	for _, tt := range tests {
		day := tt.date.Format(time.DateOnly)
		t.Run(day, func(t *testing.T) {
			want := DayInfo{Date: day, Workday: tt.workday, Name: tt.name}
			if got := c.Day(tt.date); got != want {
				t.Errorf("Day = %+v, want %+v", got, want)
			}
			if got := c.IsWorkday(tt.date); got != tt.workday {
				t.Errorf("IsWorkday = %v, want %v", got, tt.workday)
			}
		})
	}
}

// Upgrading lunar-go moves the last year: update the package doc, the
// README and this test together.
func TestBuiltinYears(t *testing.T) {
	c := New()
	first, last := c.Years()
	if first != 2002 || last != 2027 {
		t.Errorf("Years() = %d, %d, want 2002, 2027 (lunar-go v1.4.7)", first, last)
	}
	for y := first; y <= last; y++ {
		if !c.Covers(y) {
			t.Errorf("Covers(%d) = false inside %d–%d", y, first, last)
		}
	}
	for _, y := range []int{1999, 2001, 2028, 2035} {
		if c.Covers(y) {
			t.Errorf("Covers(%d) = true", y)
		}
	}
	known := map[string]bool{"元旦节": true, "春节": true, "清明节": true, "劳动节": true, "端午节": true,
		"中秋节": true, "国庆节": true, "国庆中秋": true, "抗战胜利日": true}
	for k, e := range c.days {
		if !known[strings.TrimSuffix(e.name, "调休")] {
			t.Errorf("%d: name %q is not among the documented ones", k, e.name)
		}
		if strings.HasSuffix(e.name, "调休") != e.workday {
			t.Errorf("%d: name %q with workday %v", k, e.name, e.workday)
		}
	}
	if New() != c {
		t.Error("New() built the table twice")
	}
}

func TestFallback(t *testing.T) {
	injected, err := NewFromDays(0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cals := map[string]*Calendar{"built-in, 2035": New(), "zero": {}, "nil": nil, "empty": injected}
	// 2035-10-01 is a Monday; 2035-02-10 a Saturday.
	days := []struct {
		date    time.Time
		workday bool
	}{
		{date(2035, 10, 1), true}, {date(2035, 10, 5), true}, {date(2035, 10, 6), false},
		{date(2035, 10, 7), false}, {date(2035, 2, 10), false}, {date(2035, 2, 12), true},
	}
	for name, c := range cals {
		for _, d := range days {
			want := DayInfo{Date: d.date.Format(time.DateOnly), Workday: d.workday}
			if got := c.Day(d.date); got != want {
				t.Errorf("%s: Day = %+v, want %+v", name, got, want)
			}
		}
		if c.Covers(2035) {
			t.Errorf("%s: Covers(2035)", name)
		}
	}
}

func TestCivilDateInOwnLocation(t *testing.T) {
	c := New()
	// 2025-10-08 16:00 UTC is 2025-10-09 00:00 in China: the last holiday
	// in UTC, the first working day back in China.
	instant := time.Date(2025, 10, 8, 16, 0, 0, 0, time.UTC)
	if c.IsWorkday(instant) {
		t.Error("2025-10-08 (UTC) is a working day")
	}
	if got := c.Day(instant.In(cst)); got != (DayInfo{Date: "2025-10-09", Workday: true}) {
		t.Errorf("in CST: %+v", got)
	}
}

func TestNewFromDays(t *testing.T) {
	c, err := NewFromDays(2040, 2041, []DayInfo{
		{Date: "2040-10-01", Name: "国庆节"},
		{Date: "2040-09-29", Workday: true, Name: "国庆节调休"}, // a Saturday
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkday(date(2040, 10, 1)) || !c.IsWorkday(date(2040, 9, 29)) || !c.IsWorkday(date(2040, 10, 2)) {
		t.Error("injected days not used")
	}
	if got := c.Day(date(2040, 9, 29)).Name; got != "国庆节调休" {
		t.Errorf("name %q", got)
	}
	if f, l := c.Years(); f != 2040 || l != 2041 || !c.Covers(2041) || c.Covers(2042) {
		t.Errorf("years %d–%d", f, l)
	}
	bad := []struct {
		name        string
		first, last int
		days        []DayInfo
	}{
		{"reversed years", 2041, 2040, nil},
		{"one year zero", 0, 2040, nil},
		{"bad date", 2040, 2040, []DayInfo{{Date: "2040-13-01"}}},
		{"not a date", 2040, 2040, []DayInfo{{Date: "十月一日"}}},
		{"duplicate", 2040, 2040, []DayInfo{{Date: "2040-10-01"}, {Date: "2040-10-01", Workday: true}}},
	}
	for _, tt := range bad {
		if _, err := NewFromDays(tt.first, tt.last, tt.days); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestWarning(t *testing.T) {
	empty := &Calendar{}
	tests := []struct {
		name string
		c    *Calendar
		now  time.Time
		want []string // substrings; none for ""
	}{
		{"both covered", New(), date(2026, 12, 6), nil},
		{"next year missing", New(), date(2027, 3, 1), []string{"for 2028 ", "covers 2002–2027"}},
		{"both missing", New(), date(2030, 1, 1), []string{"for 2030 and 2031 "}},
		{"no data", empty, date(2026, 1, 1), []string{"for 2026 and 2027 ", "has no years"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.Warning(tt.now)
			if len(tt.want) == 0 {
				if got != "" {
					t.Errorf("Warning = %q, want none", got)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Warning = %q, want it to contain %q", got, w)
				}
			}
		})
	}
	if Warning(date(2026, 12, 6)) != "" {
		t.Error("package Warning differs from New().Warning")
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := New()
			d := date(2025, 1, 20+i)
			for range 200 {
				_ = c.Day(d)
				_ = c.IsWorkday(d.AddDate(0, 8, 0))
				_ = c.Covers(2025)
			}
		}()
	}
	wg.Wait()
}

func BenchmarkLoadLunar(b *testing.B) {
	for b.Loop() {
		loadLunar()
	}
}

func BenchmarkIsWorkday(b *testing.B) {
	c := New()
	d := date(2025, 10, 1)
	for b.Loop() {
		c.IsWorkday(d)
	}
}
