package digest_test

import (
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zone database

	"github.com/wxdigest/wxdigest/digest"
)

func TestFormatDate(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"sample page day", time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC), "2023年2月13日 星期一"},
		{"sunday", time.Date(2023, 2, 12, 0, 0, 0, 0, time.UTC), "2023年2月12日 星期日"},
		{"empty day of the issue", time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), "2023年3月1日 星期三"},
		{"leap day", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024年2月29日 星期四"},
		{"saturday, century", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), "2000年1月1日 星期六"},
		{"two-digit month and day", time.Date(2023, 12, 31, 23, 59, 0, 0, time.UTC), "2023年12月31日 星期日"},
		{"friday", time.Date(2023, 2, 17, 0, 0, 0, 0, time.UTC), "2023年2月17日 星期五"},
		{"tuesday", time.Date(2023, 2, 14, 0, 0, 0, 0, time.UTC), "2023年2月14日 星期二"},
		// 00:30 in Shanghai is still the 12th in UTC: the date's own zone decides.
		{"own location, not UTC", time.Date(2023, 2, 13, 0, 30, 0, 0, shanghai), "2023年2月13日 星期一"},
		{"same instant seen in UTC", time.Date(2023, 2, 13, 0, 30, 0, 0, shanghai).UTC(), "2023年2月12日 星期日"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := digest.FormatDate(tt.t); got != tt.want {
				t.Errorf("FormatDate(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestWeekdayZH(t *testing.T) {
	want := map[time.Weekday]string{
		time.Sunday: "星期日", time.Monday: "星期一", time.Tuesday: "星期二", time.Wednesday: "星期三",
		time.Thursday: "星期四", time.Friday: "星期五", time.Saturday: "星期六",
		-1: "", 7: "",
	}
	for w, s := range want {
		t.Run(s, func(t *testing.T) {
			if got := digest.WeekdayZH(w); got != s {
				t.Errorf("WeekdayZH(%d) = %q, want %q", w, got, s)
			}
		})
	}
}
