package bot

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/workday"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestScheduleNext(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	ny := mustZone(t, "America/New_York")
	at := func(loc *time.Location, y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, loc)
	}
	tests := []struct {
		name  string
		sub   data.Subscription
		after time.Time
		want  []time.Time // successive firings
	}{
		{
			name:  "at times later the same day then across midnight",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "18:00,08:00", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 3, 14, 7, 59, 59),
			want: []time.Time{
				at(sh, 2024, 3, 14, 8, 0, 0), at(sh, 2024, 3, 14, 18, 0, 0),
				at(sh, 2024, 3, 15, 8, 0, 0), at(sh, 2024, 3, 15, 18, 0, 0),
			},
		},
		{
			name:  "exactly at a firing yields the next one",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 3, 14, 8, 0, 0),
			want:  []time.Time{at(sh, 2024, 3, 15, 8, 0, 0)},
		},
		{
			name: "empty zone is Asia/Shanghai, instant given in UTC",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "00:30"},
			// 16:00 UTC = 00:00 next day in Shanghai.
			after: time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC),
			want:  []time.Time{at(sh, 2025, 1, 1, 0, 30, 0), at(sh, 2025, 1, 2, 0, 30, 0)},
		},
		{
			name:  "month and year end",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "23:59", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 12, 31, 23, 59, 0),
			want:  []time.Time{at(sh, 2025, 1, 1, 23, 59, 0)},
		},
		{
			name: "weekdays skip the weekend from Friday evening",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "08:00,18:00", TZ: "Asia/Shanghai", Weekdays: true},
			// 2024-03-15 is a Friday.
			after: at(sh, 2024, 3, 15, 17, 0, 0),
			want: []time.Time{
				at(sh, 2024, 3, 15, 18, 0, 0), at(sh, 2024, 3, 18, 8, 0, 0), at(sh, 2024, 3, 18, 18, 0, 0),
			},
		},
		{
			name:  "weekdays from inside the weekend",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(sh, 2024, 3, 16, 12, 0, 0), // Saturday
			want:  []time.Time{at(sh, 2024, 3, 18, 8, 0, 0)},
		},
		{
			name: "weekday is judged in the subscription's zone, not UTC",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "07:00", TZ: "Asia/Shanghai", Weekdays: true},
			// Sunday 23:30 UTC is Monday 07:30 Shanghai: Monday's 07:00 has passed.
			after: time.Date(2024, 3, 17, 23, 30, 0, 0, time.UTC),
			want:  []time.Time{at(sh, 2024, 3, 18, 7, 0, 0).Add(24 * time.Hour)},
		},
		{
			name: "New York spring forward: 02:30 does not exist and fires at 03:30 EDT",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "02:30,08:00", TZ: "America/New_York"},
			// 2024-03-10 is the spring-forward day.
			after: at(ny, 2024, 3, 10, 0, 0, 0),
			want: []time.Time{
				time.Date(2024, 3, 10, 7, 30, 0, 0, time.UTC), // 03:30 EDT
				time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC), // 08:00 EDT
				time.Date(2024, 3, 11, 6, 30, 0, 0, time.UTC), // 02:30 EDT
			},
		},
		{
			name: "New York fall back: 01:30 occurs twice and fires once",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "01:30", TZ: "America/New_York"},
			// 2024-11-03 is the fall-back day.
			after: at(ny, 2024, 11, 3, 0, 0, 0),
			want: []time.Time{
				time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC), // 01:30 EDT, the first
				time.Date(2024, 11, 4, 6, 30, 0, 0, time.UTC), // 01:30 EST next day
			},
		},
		{
			name:  "New York 08:00 keeps its wall clock across the change",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "America/New_York"},
			after: at(ny, 2024, 3, 9, 9, 0, 0),
			want: []time.Time{
				time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC), // EDT
				time.Date(2024, 3, 11, 12, 0, 0, 0, time.UTC),
			},
		},
		{
			name:  "cron 5 fields in the subscription zone",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * *", TZ: "Asia/Shanghai"},
			after: time.Date(2024, 3, 14, 0, 0, 0, 0, time.UTC), // 08:00 Shanghai exactly
			want:  []time.Time{at(sh, 2024, 3, 15, 8, 0, 0)},
		},
		{
			name:  "cron 6 fields with seconds",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "30 0 8 * * *", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 3, 14, 8, 0, 0),
			want:  []time.Time{at(sh, 2024, 3, 14, 8, 0, 30), at(sh, 2024, 3, 15, 8, 0, 30)},
		},
		{
			name:  "cron weekdays filter",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "0 9 * * *", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(sh, 2024, 3, 15, 10, 0, 0),
			want:  []time.Time{at(sh, 2024, 3, 18, 9, 0, 0)},
		},
		{
			name:  "dense cron with weekdays jumps the weekend",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "* * * * * *", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(sh, 2024, 3, 15, 23, 59, 59),
			want:  []time.Time{at(sh, 2024, 3, 18, 0, 0, 0), at(sh, 2024, 3, 18, 0, 0, 1)},
		},
		{
			name:  "cron across New York spring forward",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * *", TZ: "America/New_York"},
			after: at(ny, 2024, 3, 9, 9, 0, 0),
			want:  []time.Time{time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)},
		},
		{
			name:  "descriptor",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "@daily", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 3, 14, 8, 0, 0),
			want:  []time.Time{at(sh, 2024, 3, 15, 0, 0, 0)},
		},
		{
			name:  "cron that never fires",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "0 0 30 2 *", TZ: "Asia/Shanghai"},
			after: at(sh, 2024, 3, 14, 8, 0, 0),
			want:  []time.Time{{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.sub)
			if err != nil {
				t.Fatalf("NewSchedule: %v", err)
			}
			cur := tt.after
			for i, want := range tt.want {
				got := s.Next(cur)
				if !got.Equal(want) {
					t.Fatalf("firing %d after %s: got %s, want %s", i+1, cur, got, want)
				}
				if !got.IsZero() && !tt.sub.Weekdays && tt.sub.TZ != "" && got.Location().String() != tt.sub.TZ {
					t.Errorf("firing %d in zone %s, want %s", i+1, got.Location(), tt.sub.TZ)
				}
				cur = got
			}
		})
	}
}

// TestScheduleWorkdays: 工作日 follows China's official calendar (2025 dates
// from 国务院办公厅关于2025年部分节假日安排的通知), and Monday to Friday in
// a year the calendar does not cover.
func TestScheduleWorkdays(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	at := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, sh)
	}
	injected, err := workday.NewFromDays(2040, 2040, []workday.DayInfo{
		{Date: "2040-10-01", Name: "国庆节"},                  // Monday
		{Date: "2040-10-02", Name: "国庆节"},                  // Tuesday
		{Date: "2040-09-29", Workday: true, Name: "国庆节调休"}, // Saturday
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		sub   data.Subscription
		cal   *workday.Calendar // nil: the built-in one
		after time.Time
		want  []time.Time
	}{
		{
			name: "08:00 工作日 across the 2025 National Day week",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true},
			// Friday 2025-09-26, after its firing: Saturday 27th rests, Sunday
			// 28th works, 1–8 October rest, Saturday 11th works.
			after: at(2025, 9, 26, 9, 0, 0),
			want: []time.Time{
				at(2025, 9, 28, 8, 0, 0), at(2025, 9, 29, 8, 0, 0), at(2025, 9, 30, 8, 0, 0),
				at(2025, 10, 9, 8, 0, 0), at(2025, 10, 10, 8, 0, 0), at(2025, 10, 11, 8, 0, 0),
				at(2025, 10, 13, 8, 0, 0),
			},
		},
		{
			name: "default zone, instant given in UTC",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", Weekdays: true},
			// 2025-09-30 01:00 UTC is 09:00 in Shanghai: that day's 08:00 has passed.
			after: time.Date(2025, 9, 30, 1, 0, 0, 0, time.UTC),
			want:  []time.Time{at(2025, 10, 9, 8, 0, 0)},
		},
		{
			name:  "Spring Festival 2025 with a cron spec",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "0 9 * * *", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(2025, 1, 24, 10, 0, 0), // Friday
			want: []time.Time{
				at(2025, 1, 26, 9, 0, 0), at(2025, 1, 27, 9, 0, 0), at(2025, 2, 5, 9, 0, 0),
				at(2025, 2, 6, 9, 0, 0), at(2025, 2, 7, 9, 0, 0), at(2025, 2, 8, 9, 0, 0), at(2025, 2, 10, 9, 0, 0),
			},
		},
		{
			name:  "Labour Day 2025",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "18:00", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(2025, 4, 25, 18, 0, 0), // Friday's firing
			want: []time.Time{
				at(2025, 4, 27, 18, 0, 0), at(2025, 4, 28, 18, 0, 0), at(2025, 4, 29, 18, 0, 0),
				at(2025, 4, 30, 18, 0, 0), at(2025, 5, 6, 18, 0, 0),
			},
		},
		{
			name:  "dense cron jumps the holiday",
			sub:   data.Subscription{Kind: data.ScheduleCron, Spec: "* * * * * *", TZ: "Asia/Shanghai", Weekdays: true},
			after: at(2025, 9, 30, 23, 59, 59),
			want:  []time.Time{at(2025, 10, 9, 0, 0, 0), at(2025, 10, 9, 0, 0, 1)},
		},
		{
			name: "day of month or a weekend day: robfig fires on either",
			sub:  data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 1 * 6", TZ: "Asia/Shanghai", Weekdays: true},
			// Saturday 27 Sep rests, 1 Oct is a holiday, Saturday 4 Oct rests,
			// Saturday 11 Oct is a 调休 working day.
			after: at(2025, 9, 26, 0, 0, 0),
			want:  []time.Time{at(2025, 10, 11, 8, 0, 0), at(2025, 12, 1, 8, 0, 0)}, // 1 Nov is a Saturday
		},
		{
			name: "a year without data is Monday to Friday",
			sub:  data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true},
			// 2035-09-28 is a Friday, 2035-10-01 a Monday.
			after: at(2035, 9, 28, 9, 0, 0),
			want:  []time.Time{at(2035, 10, 1, 8, 0, 0), at(2035, 10, 2, 8, 0, 0)},
		},
		{
			name:  "WithCalendar replaces the built-in calendar",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai", Weekdays: true},
			cal:   injected,
			after: at(2040, 9, 28, 9, 0, 0), // Friday
			want:  []time.Time{at(2040, 9, 29, 8, 0, 0), at(2040, 10, 3, 8, 0, 0)},
		},
		{
			name:  "without 工作日 holidays fire",
			sub:   data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Asia/Shanghai"},
			after: at(2025, 9, 30, 9, 0, 0),
			want:  []time.Time{at(2025, 10, 1, 8, 0, 0), at(2025, 10, 2, 8, 0, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []ScheduleOption
			if tt.cal != nil {
				opts = append(opts, WithCalendar(tt.cal))
			}
			s, err := NewSchedule(tt.sub, opts...)
			if err != nil {
				t.Fatalf("NewSchedule: %v", err)
			}
			cur := tt.after
			for i, want := range tt.want {
				got := s.Next(cur)
				if !got.Equal(want) {
					t.Fatalf("firing %d after %s: got %s, want %s", i+1, cur, got, want)
				}
				cur = got
			}
		})
	}
}

func TestNewScheduleErrors(t *testing.T) {
	tests := []struct {
		name string
		sub  data.Subscription
	}{
		{"unknown kind", data.Subscription{Kind: "weekly", Spec: "08:00"}},
		{"bad zone", data.Subscription{Kind: data.ScheduleAt, Spec: "08:00", TZ: "Mars/Olympus"}},
		{"empty at", data.Subscription{Kind: data.ScheduleAt, Spec: " , "}},
		{"hour 24", data.Subscription{Kind: data.ScheduleAt, Spec: "24:00"}},
		{"minute 60", data.Subscription{Kind: data.ScheduleAt, Spec: "08:60"}},
		{"no colon", data.Subscription{Kind: data.ScheduleAt, Spec: "0800"}},
		{"one-digit minute", data.Subscription{Kind: data.ScheduleAt, Spec: "8:5"}},
		{"signed", data.Subscription{Kind: data.ScheduleAt, Spec: "+8:00"}},
		{"words", data.Subscription{Kind: data.ScheduleAt, Spec: "早上八点"}},
		{"empty cron", data.Subscription{Kind: data.ScheduleCron, Spec: ""}},
		{"cron 4 fields", data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * *"}},
		{"cron 7 fields", data.Subscription{Kind: data.ScheduleCron, Spec: "0 0 8 * * * *"}},
		{"cron out of range", data.Subscription{Kind: data.ScheduleCron, Spec: "0 25 * * *"}},
		{"cron TZ prefix", data.Subscription{Kind: data.ScheduleCron, Spec: "TZ=UTC 0 8 * * *"}},
		{"cron TZ prefix without fields", data.Subscription{Kind: data.ScheduleCron, Spec: "CRON_TZ=UTC"}},
		{"cron every", data.Subscription{Kind: data.ScheduleCron, Spec: "@every 1h"}},
		{"cron unknown descriptor", data.Subscription{Kind: data.ScheduleCron, Spec: "@fortnightly"}},
		{"weekend-only cron with weekdays", data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * 6,0", Weekdays: true}},
		{"Sunday-only cron with weekdays", data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * SUN", Weekdays: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.sub)
			if err == nil {
				t.Fatalf("NewSchedule(%+v) = %v, want error", tt.sub, s)
			}
			if !errors.Is(err, ErrBadSchedule) {
				t.Errorf("error %v does not wrap ErrBadSchedule", err)
			}
		})
	}
}

func TestDescribeSchedule(t *testing.T) {
	tests := []struct {
		sub  data.Subscription
		want string
	}{
		{data.Subscription{Kind: data.ScheduleAt, Spec: "18:00,08:00", TZ: "Asia/Shanghai"}, "每天 08:00、18:00"},
		{data.Subscription{Kind: data.ScheduleAt, Spec: "8:00", Weekdays: true}, "工作日 08:00"},
		{data.Subscription{Kind: data.ScheduleCron, Spec: "0  8 * * *"}, "cron 0 8 * * *"},
		{data.Subscription{Kind: data.ScheduleCron, Spec: "0 8 * * *", Weekdays: true}, "工作日 cron 0 8 * * *"},
		{data.Subscription{Kind: data.ScheduleAt, Spec: "07:30", TZ: "America/New_York"}, "每天 07:30（America/New_York）"},
		{data.Subscription{Kind: data.ScheduleAt, Spec: "99:99"}, "每天 99:99"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := DescribeSchedule(tt.sub); got != tt.want {
				t.Errorf("DescribeSchedule(%+v) = %q, want %q", tt.sub, got, tt.want)
			}
		})
	}
}

func FuzzNewSchedule(f *testing.F) {
	for _, s := range []string{"08:00,18:00", "0 8 * * *", "30 0 8 * * *", "@daily", "TZ=", "*/0 * * * *", "1-0 * * * *", "8：00、9:00"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	after := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string, cronKind bool) {
		kind := data.ScheduleAt
		if cronKind {
			kind = data.ScheduleCron
		}
		sub := data.Subscription{Kind: kind, Spec: spec, TZ: "America/New_York", Weekdays: len(spec)%2 == 0}
		s, err := NewSchedule(sub)
		_ = DescribeSchedule(sub)
		if err != nil {
			return
		}
		n := s.Next(after)
		if !n.IsZero() && !n.After(after) {
			t.Fatalf("Next(%s) = %s, not after", after, n)
		}
	})
}

func TestComposeDay(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	day := time.Date(2024, 3, 14, 0, 0, 0, 0, sh)
	arts := []digest.Article{
		{ID: 1, Source: "中原区新闻", Title: "甲", Lead: "甲的导语。"},
		{ID: 2, Source: " 郑州日报 ", Title: "乙", Lead: "乙的导语。"},
		{ID: 3, Source: "中原区新闻", Title: "丙", Lead: "丙的导语。"},
		{ID: 4, Source: "", Title: "丁", Lead: "丁的导语。"},
	}
	d := ComposeDay(arts, day, 0)
	if d.Source != "中原区新闻、郑州日报" {
		t.Errorf("Source = %q", d.Source)
	}
	if len(d.Items) != 4 || d.Items[0].N != 1 || d.Items[3].Article.ID != 4 {
		t.Fatalf("items = %+v", d.Items)
	}
	one := ComposeDay(arts[:1], day, 4)
	if one.Source != "中原区新闻" || []rune(one.Items[0].Lead)[len([]rune(one.Items[0].Lead))-1] != '…' {
		t.Errorf("single source digest = %+v", one)
	}
	if empty := ComposeDay(nil, day, 0); empty.Source != "" || len(empty.Items) != 0 {
		t.Errorf("empty digest = %+v", empty)
	}
}
