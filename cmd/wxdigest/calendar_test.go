package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The 2025 dates are those of 国务院办公厅关于2025年部分节假日安排的通知.
func TestCalendarText(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{
			name: "National Day 2025",
			args: []string{"--from", "2025-09-27", "--days", "16"},
			want: `2025-09-27 星期六 休息日
2025-09-28 星期日 工作日 国庆中秋调休
2025-09-29 星期一 工作日
2025-09-30 星期二 工作日
2025-10-01 星期三 休息日 国庆中秋
2025-10-02 星期四 休息日 国庆中秋
2025-10-03 星期五 休息日 国庆中秋
2025-10-04 星期六 休息日 国庆中秋
2025-10-05 星期日 休息日 国庆中秋
2025-10-06 星期一 休息日 国庆中秋
2025-10-07 星期二 休息日 国庆中秋
2025-10-08 星期三 休息日 国庆中秋
2025-10-09 星期四 工作日
2025-10-10 星期五 工作日
2025-10-11 星期六 工作日 国庆中秋调休
2025-10-12 星期日 休息日
`,
		},
		{
			name: "Spring Festival 2025, flags after a format",
			args: []string{"--format", "text", "--days", "3", "--from", "2025-02-07"},
			want: "2025-02-07 星期五 工作日\n2025-02-08 星期六 工作日 春节调休\n2025-02-09 星期日 休息日\n",
		},
		{
			name: "Labour Day 2025",
			args: []string{"--from=2025-04-27", "--days=1"},
			want: "2025-04-27 星期日 工作日 劳动节调休\n",
		},
		{
			// The test clock is 2023-02-12 17:30 UTC: already Monday the 13th in Shanghai.
			name: "today in Asia/Shanghai by default",
			args: []string{"--days", "1"},
			want: "2023-02-13 星期一 工作日\n",
		},
		{
			name: "today in --tz",
			args: []string{"--days", "1", "--tz", "UTC"},
			want: "2023-02-12 星期日 休息日\n",
		},
		{
			name: "today in WXDIGEST_TZ",
			args: []string{"--days", "1"},
			env:  map[string]string{"WXDIGEST_TZ": "Europe/London"},
			want: "2023-02-12 星期日 休息日\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			for k, v := range tt.env {
				ta.env[k] = v
			}
			r := ta.run("", append([]string{"calendar"}, tt.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if r.stdout != tt.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.want)
			}
		})
	}
}

func TestCalendarDays(t *testing.T) {
	ta := newTestApp(t)
	for _, tt := range []struct {
		args  []string
		lines int
	}{
		{nil, 14},
		{[]string{"--days", "1"}, 1},
		{[]string{"--from", "2020-01-01", "--days", "3660"}, 3660},
	} {
		r := ta.run("", append([]string{"calendar"}, tt.args...)...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, r.code, r.stderr)
		}
		if n := strings.Count(r.stdout, "\n"); n != tt.lines {
			t.Errorf("%v: %d lines, want %d", tt.args, n, tt.lines)
		}
	}
}

func TestCalendarJSON(t *testing.T) {
	ta := newTestApp(t)
	r := ta.run("", "calendar", "--from", "2025-01-25", "--days", "5", "--format", "json")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	want := []map[string]any{
		{"date": "2025-01-25", "workday": false, "name": ""},
		{"date": "2025-01-26", "workday": true, "name": "春节调休"},
		{"date": "2025-01-27", "workday": true, "name": ""},
		{"date": "2025-01-28", "workday": false, "name": "春节"},
		{"date": "2025-01-29", "workday": false, "name": "春节"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestCalendarUncoveredYear(t *testing.T) {
	ta := newTestApp(t)
	// 2035-10-01 is a Monday: no data, so an ordinary working day.
	r := ta.run("", "calendar", "--from", "2035-09-30", "--days", "2")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if want := "2035-09-30 星期日 休息日\n2035-10-01 星期一 工作日\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "2035") || !strings.Contains(r.stderr, "Monday to Friday") {
		t.Errorf("stderr %q does not say 2035 falls back to Monday to Friday", r.stderr)
	}
}

func TestCalendarBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--days", "0"},
		{"--days", "-3"},
		{"--days", "3661"},
		{"--days", "ten"},
		{"--from", "2025-13-01"},
		{"--from", "2025/10/01"},
		{"--format", "xml"},
		{"--tz", "Mars/Olympus"},
		{"--db", "x.db"},
		{"2025-10-01"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := newTestApp(t).run("", append([]string{"calendar"}, args...)...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" || !strings.Contains(r.stderr, "usage: wxdigest calendar") {
				t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
			}
		})
	}
}

func TestLogCalendarCoverage(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want string // "" for no log line
	}{
		{time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), "2028"},
		{time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC), "2031 and 2032"},
	} {
		var buf bytes.Buffer
		logCalendarCoverage(slog.New(slog.NewTextHandler(&buf, nil)), tt.now)
		switch {
		case tt.want == "" && buf.Len() != 0:
			t.Errorf("%s: logged %q", tt.now, buf.String())
		case tt.want != "" && (!strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), tt.want)):
			t.Errorf("%s: logged %q, want a warning naming %s", tt.now, buf.String(), tt.want)
		}
	}
}
