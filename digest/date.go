package digest

import (
	"strconv"
	"time"
)

// weekdaysZH is indexed by time.Weekday (Sunday = 0). An array, not a
// slice, so it is a constant table rather than mutable package state.
var weekdaysZH = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// WeekdayZH names a weekday the way a Chinese reader expects it: 星期一 … 星期日.
// Out-of-range values get an empty string rather than a panic.
func WeekdayZH(w time.Weekday) string {
	if w < time.Sunday || w > time.Saturday {
		return ""
	}
	return weekdaysZH[w]
}

// FormatDate writes t's civil date and weekday in Chinese, e.g.
// "2023年2月13日 星期一". Only year, month, day and weekday in t's own
// Location are used, so the caller decides the zone (the paper's date).
func FormatDate(t time.Time) string {
	return dateZH(t) + " " + WeekdayZH(t.Weekday())
}

// dateZH is the date without the weekday: "2023年3月1日".
func dateZH(t time.Time) string {
	y, m, d := t.Date()
	return strconv.Itoa(y) + "年" + strconv.Itoa(int(m)) + "月" + strconv.Itoa(d) + "日"
}
