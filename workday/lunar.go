package workday

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// builtin is the calendar read from lunar-go, built on first use. It is
// write-once: nothing changes it after the build.
var builtin = sync.OnceValue(loadLunar)

// Probed years: the data starts at 2001-12-29 (for 2002's New Year) and a
// release adds the next year each November; the range leaves room both ways.
const (
	probeFirst = 1990
	probeLast  = 2199
)

// loadLunar copies HolidayUtil's records into a Calendar. The library is
// only read (its Fix, which rewrites package-level data, is never called),
// and a panic inside it yields an empty calendar, whose Warning then says
// that no year is covered.
//
// Each record is a date, a holiday name, whether the date is a working day
// and the holiday it belongs to (target). Covered years are the target
// years, so the late-December make-up days of next year's New Year count
// for next year. A working-day record on Monday to Friday says nothing the
// weekday rule does not (v1.4.7 has two: 2012-05-02 and 2012-10-08), so it
// is dropped rather than named 调休.
func loadLunar() (c *Calendar) {
	c = &Calendar{days: make(map[int]entry, 1024), years: make(map[int]bool)}
	defer func() {
		if recover() != nil {
			c = &Calendar{}
		}
	}()
	for y := probeFirst; y <= probeLast; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok || h == nil {
				continue
			}
			day, err1 := time.Parse(time.DateOnly, h.GetDay())
			target, err2 := time.Parse(time.DateOnly, h.GetTarget())
			if err1 != nil || err2 != nil || h.GetName() == "" {
				continue
			}
			k := dateKey(day)
			if _, dup := c.days[k]; dup {
				continue // the library answers with the first
			}
			c.years[target.Year()] = true
			wd := day.Weekday()
			switch {
			case !h.IsWork():
				c.days[k] = entry{workday: false, name: h.GetName()}
			case wd == time.Saturday || wd == time.Sunday:
				c.days[k] = entry{workday: true, name: h.GetName() + "调休"}
			}
		}
	}
	for y := range c.years {
		if c.first == 0 || y < c.first {
			c.first = y
		}
		if y > c.last {
			c.last = y
		}
	}
	return c
}
