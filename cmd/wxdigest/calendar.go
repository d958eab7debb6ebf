package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/workday"
)

// maxCalendarDays bounds calendar --days: ten years and a bit.
const maxCalendarDays = 3660

// calendarDay is one date of `calendar --format json`.
type calendarDay struct {
	Date    string `json:"date"`
	Workday bool   `json:"workday"`
	Name    string `json:"name"`
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// cmdCalendar prints China's working-day calendar as 工作日 subscriptions
// follow it: one line per date ("2025-10-01 星期三 休息日 国庆中秋"), or a
// JSON array of {"date","workday","name"}.
func cmdCalendar(_ context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "calendar")
	fs.StringVar(&cfg.Zone, "tz", cfg.Zone, "time zone whose today is the default --from (env WXDIGEST_TZ)")
	from := fs.String("from", "", "first date, YYYY-MM-DD (default: today)")
	days := fs.Int("days", 14, fmt.Sprintf("how many dates, 1 to %d", maxCalendarDays))
	format := fs.String("format", "text", "output format: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	if *days < 1 || *days > maxCalendarDays {
		return usagef("--days %d: want 1 to %d", *days, maxCalendarDays)
	}
	start, err := parseDate(a.today(cfg), cfg.loc)
	if err != nil {
		return err
	}
	if *from != "" {
		if start, err = parseDate(*from, cfg.loc); err != nil {
			return err
		}
	}
	cal := workday.New()
	y, m, d := start.Date()
	rows := make([]calendarDay, 0, *days)
	weekdays := make([]time.Weekday, 0, *days)
	var uncovered []string
	for i := range *days {
		// Noon: no zone moves its clocks then, so the civil date is exact.
		date := time.Date(y, m, d+i, 12, 0, 0, 0, cfg.loc)
		rows = append(rows, calendarDay(cal.Day(date)))
		weekdays = append(weekdays, date.Weekday())
		if year := date.Year(); !cal.Covers(year) && (len(uncovered) == 0 || uncovered[len(uncovered)-1] != fmt.Sprint(year)) {
			uncovered = append(uncovered, fmt.Sprint(year))
		}
	}
	if len(uncovered) > 0 {
		covers := "has no years"
		if first, last := cal.Years(); first != 0 {
			covers = fmt.Sprintf("covers %d–%d", first, last)
		}
		fmt.Fprintf(a.stderr, "wxdigest calendar: no official holiday schedule for %s (the calendar %s): Monday to Friday shown\n",
			strings.Join(uncovered, ", "), covers)
	}
	if *format == "json" {
		return writeJSON(a.stdout, rows)
	}
	var b strings.Builder
	for i, r := range rows {
		kind := "工作日"
		if !r.Workday {
			kind = "休息日"
		}
		b.WriteString(r.Date + " " + weekdayNames[weekdays[i]] + " " + kind)
		if r.Name != "" {
			b.WriteString(" " + r.Name)
		}
		b.WriteByte('\n')
	}
	_, err = fmt.Fprint(a.stdout, b.String())
	return err
}

// logCalendarCoverage logs a warning when the working-day calendar has no
// official schedule for now's year or the next (工作日 subscriptions then
// fire Monday to Friday). run calls it at start-up.
func logCalendarCoverage(log *slog.Logger, now time.Time) {
	if w := workday.Warning(now); w != "" {
		log.Warn(w)
	}
}
