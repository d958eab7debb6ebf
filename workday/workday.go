package workday

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DayInfo is what a Calendar says about one civil date.
type DayInfo struct {
	Date    string // YYYY-MM-DD
	Workday bool   // a working day: 调休 weekend days are, holidays are not
	Name    string // the holiday (春节), or 春节调休 for a make-up working day; "" for an ordinary day
}

// Calendar is an immutable table of the dates that differ from an ordinary
// Monday-to-Friday week, with the years it fully covers. The zero value and
// a nil *Calendar have no data: every day falls back to Monday–Friday.
type Calendar struct {
	days        map[int]entry // by dateKey
	years       map[int]bool  // years whose official schedule is in days
	first, last int           // the least and greatest of years; 0 when none
}

type entry struct {
	workday bool
	name    string
}

// New returns the built-in calendar (see the package doc for its years).
// The table is read from the data source once per process; later calls
// return the same immutable value and cost nothing.
func New() *Calendar {
	return builtin()
}

// NewFromDays makes a calendar from explicit data, for tests and for
// overriding the built-in one: each DayInfo is a date that differs from
// the Monday–Friday rule (a holiday with Workday false, a make-up working
// day with Workday true) and its Name is kept as given. first and last are
// the years whose schedules days describe in full; 0, 0 means none.
func NewFromDays(first, last int, days []DayInfo) (*Calendar, error) {
	c := &Calendar{days: make(map[int]entry, len(days)), years: make(map[int]bool)}
	switch {
	case first == 0 && last == 0:
	case first < 1 || last > 9999 || first > last:
		return nil, fmt.Errorf("workday: years %d–%d: want 1 <= first <= last <= 9999, or 0, 0", first, last)
	default:
		for y := first; y <= last; y++ {
			c.years[y] = true
		}
		c.first, c.last = first, last
	}
	for _, d := range days {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			return nil, fmt.Errorf("workday: date %q: want YYYY-MM-DD", d.Date)
		}
		k := dateKey(t)
		if _, dup := c.days[k]; dup {
			return nil, fmt.Errorf("workday: date %s given twice", d.Date)
		}
		c.days[k] = entry{workday: d.Workday, name: d.Name}
	}
	return c, nil
}

// dateKey is the civil date of t in t's own location as yyyymmdd.
func dateKey(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// lookup says whether date is a working day, and names it.
func (c *Calendar) lookup(date time.Time) (bool, string) {
	if c != nil {
		if e, ok := c.days[dateKey(date)]; ok {
			return e.workday, e.name
		}
	}
	wd := date.Weekday()
	return wd != time.Saturday && wd != time.Sunday, ""
}

// IsWorkday reports whether date's civil day, in date's own Location, is a
// working day: holidays are not, 调休 weekend days are, other days are
// Monday to Friday.
func (c *Calendar) IsWorkday(date time.Time) bool {
	w, _ := c.lookup(date)
	return w
}

// Day describes date's civil day in date's own Location.
func (c *Calendar) Day(date time.Time) DayInfo {
	w, name := c.lookup(date)
	return DayInfo{Date: date.Format(time.DateOnly), Workday: w, Name: name}
}

// Covers reports whether the calendar holds the official schedule of year.
// A year it does not cover is read as Monday to Friday.
func (c *Calendar) Covers(year int) bool {
	return c != nil && c.years[year]
}

// Years returns the first and last year the calendar covers, or 0, 0.
func (c *Calendar) Years() (first, last int) {
	if c == nil {
		return 0, 0
	}
	return c.first, c.last
}

// Warning says, for the log at start-up, that the current or next year
// (now's year in now's Location) has no official schedule, so 工作日 will
// mean Monday to Friday then; "" when both are covered.
func (c *Calendar) Warning(now time.Time) string {
	y := now.Year()
	var missing []string
	for _, yy := range []int{y, y + 1} {
		if !c.Covers(yy) {
			missing = append(missing, strconv.Itoa(yy))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	covers := "has no years"
	if first, last := c.Years(); first != 0 {
		covers = fmt.Sprintf("covers %d–%d", first, last)
	}
	return fmt.Sprintf("workday: no official holiday schedule for %s (the calendar %s): 工作日 means Monday to Friday there; "+
		"a newer github.com/6tail/lunar-go brings a year's schedule once the State Council publishes it",
		strings.Join(missing, " and "), covers)
}

// Warning is New().Warning(now).
func Warning(now time.Time) string {
	return New().Warning(now)
}
