package bot

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/workday"
)

// DefaultZone is the zone a subscription without TZ is read in.
const DefaultZone = "Asia/Shanghai"

// Schedule yields a subscription's firings. Next returns the first firing
// strictly after after, in the schedule's zone; the zero time means the
// schedule never fires again (e.g. cron "0 0 30 2 *").
type Schedule interface {
	Next(after time.Time) time.Time
}

// ErrBadSchedule is wrapped by NewSchedule for a spec it cannot read.
var ErrBadSchedule = errors.New("bad schedule")

// scheduleParser reads 5-field specs and 6-field ones with seconds first,
// plus descriptors such as @daily.
var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduleSearchLimit bounds the walk to the next working-day firing: a
// cron spec that only ever fires on rest days yields the zero time instead
// of looping.
const scheduleSearchLimit = 1000

// NewSchedule reads a subscription's schedule: Kind model.ScheduleAt with
// Spec "HH:MM[,HH:MM…]" (also separated by "，" or "、"), or
// model.ScheduleCron with a robfig/cron spec of 5 fields, or 6 with seconds
// first (descriptors like @daily too; @every and TZ= prefixes are refused —
// the zone is the subscription's TZ). TZ "" means DefaultZone. Weekdays
// (工作日) keeps only firings that fall on a working day of China's official
// calendar, judged by the civil date in that zone: statutory holidays are
// skipped, 调休 weekend days fire, and a year the calendar does not cover
// is Monday to Friday. The calendar is workday.New() unless WithCalendar
// gives another. Weekdays with a cron spec that fires only on Saturdays and
// Sundays is refused: it would fire on 调休 days alone, a few times a year.
//
// An at-time that does not exist on a day (a DST gap) fires at the same
// instant time.Date normalises it to (02:30 → 03:30); one that occurs
// twice (a DST overlap) fires once, at the first occurrence.
func NewSchedule(s model.Subscription, opts ...ScheduleOption) (Schedule, error) {
	var o scheduleOptions
	for _, opt := range opts {
		opt(&o)
	}
	zone := strings.TrimSpace(s.TZ)
	if zone == "" {
		zone = DefaultZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("bot: schedule: time zone %q: %w", zone, ErrBadSchedule)
	}
	var base Schedule
	switch s.Kind {
	case model.ScheduleAt:
		times, err := parseAtTimes(s.Spec)
		if err != nil {
			return nil, fmt.Errorf("bot: schedule: %w", err)
		}
		base = atSchedule{times: times, loc: loc}
	case model.ScheduleCron:
		cs, err := parseCron(s.Spec, loc)
		if err != nil {
			return nil, fmt.Errorf("bot: schedule: %w", err)
		}
		base = cs
	default:
		return nil, fmt.Errorf("bot: schedule: unknown kind %q: %w", s.Kind, ErrBadSchedule)
	}
	if s.Weekdays {
		if cs, ok := base.(cronSchedule); ok && weekendOnly(cs.spec) {
			return nil, fmt.Errorf("bot: schedule: cron spec %q fires only on Saturday and Sunday, so 工作日 would leave only the odd 调休 day: %w", s.Spec, ErrBadSchedule)
		}
		cal := o.cal
		if cal == nil {
			cal = workday.New()
		}
		return weekdaySchedule{inner: base, loc: loc, cal: cal}, nil
	}
	return base, nil
}

// ScheduleOption adjusts what NewSchedule builds.
type ScheduleOption func(*scheduleOptions)

type scheduleOptions struct {
	cal *workday.Calendar
}

// WithCalendar makes a Weekdays schedule follow cal instead of the
// built-in calendar (workday.New()); nil keeps the built-in one.
func WithCalendar(cal *workday.Calendar) ScheduleOption {
	return func(o *scheduleOptions) { o.cal = cal }
}

// DescribeSchedule says in Chinese when a subscription fires, for chat and
// the CLI: "每天 08:00、18:00", "工作日 08:00", "cron 0 8 * * *",
// "工作日 cron 0 8 * * *" (工作日 as the official calendar has them, 调休
// included). A zone other than DefaultZone is appended as
// "（America/New_York）". A spec NewSchedule refuses is shown as stored.
func DescribeSchedule(s model.Subscription) string {
	var b strings.Builder
	switch s.Kind {
	case model.ScheduleAt:
		if s.Weekdays {
			b.WriteString("工作日 ")
		} else {
			b.WriteString("每天 ")
		}
		if times, err := parseAtTimes(s.Spec); err == nil {
			parts := make([]string, len(times))
			for i, m := range times {
				parts[i] = fmt.Sprintf("%02d:%02d", m/60, m%60)
			}
			b.WriteString(strings.Join(parts, "、"))
		} else {
			b.WriteString(strings.TrimSpace(s.Spec))
		}
	default:
		if s.Weekdays {
			b.WriteString("工作日 ")
		}
		b.WriteString("cron ")
		b.WriteString(strings.Join(strings.Fields(s.Spec), " "))
	}
	if z := strings.TrimSpace(s.TZ); z != "" && z != DefaultZone {
		b.WriteString("（" + z + "）")
	}
	return b.String()
}

// parseAtTimes reads "08:00,18:00" into sorted, distinct minutes of the day.
func parseAtTimes(spec string) ([]int, error) {
	fields := strings.FieldsFunc(spec, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\t'
	})
	if len(fields) == 0 {
		return nil, fmt.Errorf("no times in %q (want HH:MM[,HH:MM]): %w", spec, ErrBadSchedule)
	}
	seen := make(map[int]bool)
	var out []int
	for _, f := range fields {
		m, err := parseClock(f)
		if err != nil {
			return nil, err
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Ints(out)
	return out, nil
}

// parseClock reads "H:MM" or "HH:MM" (also with a full-width colon) into
// minutes of the day.
func parseClock(f string) (int, error) {
	f = strings.ReplaceAll(f, "：", ":")
	h, m, ok := strings.Cut(f, ":")
	bad := fmt.Errorf("time %q is not HH:MM between 00:00 and 23:59: %w", f, ErrBadSchedule)
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, bad
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || h[0] == '-' || m[0] == '+' || m[0] == '-' {
		return 0, bad
	}
	return hh*60 + mm, nil
}

// parseCron reads a cron spec for loc. The library's own panics on odd
// input become errors.
func parseCron(spec string, loc *time.Location) (sched Schedule, err error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return nil, fmt.Errorf("empty cron spec: %w", ErrBadSchedule)
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, fmt.Errorf("cron spec %q: give the zone as the subscription's time zone, not TZ=: %w", spec, ErrBadSchedule)
	case strings.HasPrefix(spec, "@every"):
		return nil, fmt.Errorf("cron spec %q: @every is not a daily schedule; use fields like \"0 8 * * *\": %w", spec, ErrBadSchedule)
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cron spec %q: %v: %w", spec, r, ErrBadSchedule)
		}
	}()
	parsed, perr := scheduleParser.Parse(spec)
	if perr != nil {
		return nil, fmt.Errorf("cron spec %q: %v: %w", spec, perr, ErrBadSchedule)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron spec %q: unsupported: %w", spec, ErrBadSchedule)
	}
	// The parser defaults to time.Local; the subscription's zone rules.
	ss.Location = loc
	return cronSchedule{spec: ss, loc: loc}, nil
}

// cronStarBit is robfig/cron's mark of a field given as * or ?.
const cronStarBit = 1 << 63

// weekendOnly reports a spec whose days are Saturdays and Sundays only: a
// day-of-week field without Monday to Friday and a day-of-month field of *
// (with both restricted, robfig fires on either).
func weekendOnly(spec *cron.SpecSchedule) bool {
	const monToFri = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	return spec.Dow&cronStarBit == 0 && spec.Dow&monToFri == 0 && spec.Dom&cronStarBit != 0
}

// cronSchedule adapts a robfig spec and returns times in loc.
type cronSchedule struct {
	spec *cron.SpecSchedule
	loc  *time.Location
}

func (c cronSchedule) Next(after time.Time) time.Time {
	t := c.spec.Next(after.In(c.loc))
	if t.IsZero() {
		return t
	}
	return t.In(c.loc)
}

// atSchedule fires at fixed wall-clock minutes every day in loc.
type atSchedule struct {
	times []int // minutes of the day, sorted, distinct
	loc   *time.Location
}

func (a atSchedule) Next(after time.Time) time.Time {
	local := after.In(a.loc)
	y, mo, d := local.Date()
	// Two days always suffice: tomorrow holds every time of the day, and
	// no zone moves a clock by a whole day.
	for day := 0; day < 3; day++ {
		for _, m := range a.times {
			t := atInstant(y, mo, d+day, m, a.loc)
			if t.After(after) {
				return t
			}
		}
	}
	return time.Time{}
}

// atInstant is minute m of the civil day y-mo-d in loc; of two instants
// with that wall clock (a DST overlap) it picks the first.
func atInstant(y int, mo time.Month, d, m int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, m/60, m%60, 0, 0, loc)
	if t.Hour() != m/60 || t.Minute() != m%60 {
		// A DST gap: read the wall clock in the offset before the gap,
		// which lands just after the clocks moved forward.
		_, off := t.Add(-12 * time.Hour).Zone()
		return time.Date(y, mo, d, m/60, m%60, 0, 0, time.FixedZone("", off)).In(loc)
	}
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		e := t.Add(-back)
		if e.Hour() == t.Hour() && e.Minute() == t.Minute() && e.Day() == t.Day() {
			return e
		}
	}
	return t
}

// weekdaySchedule drops firings whose civil day in loc is a rest day of
// cal: a holiday, or a weekend day that is not a 调休 working day.
type weekdaySchedule struct {
	inner Schedule
	loc   *time.Location
	cal   *workday.Calendar
}

func (w weekdaySchedule) Next(after time.Time) time.Time {
	t := after
	for i := 0; i < scheduleSearchLimit; i++ {
		t = w.inner.Next(t)
		if t.IsZero() {
			return t
		}
		local := t.In(w.loc)
		if w.cal.IsWorkday(local) {
			return t
		}
		// Jump to just before the next day so dense specs do not walk a
		// rest day one firing at a time.
		y, mo, d := local.Date()
		t = time.Date(y, mo, d+1, 0, 0, 0, 0, w.loc).Add(-time.Nanosecond)
	}
	return time.Time{}
}
