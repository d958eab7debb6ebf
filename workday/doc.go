// Package workday owns China's working-day calendar: which civil dates are
// statutory holidays (rest days even from Monday to Friday) and which
// weekend dates are make-up working days (调休), as the State Council's
// yearly notice (国务院办公厅关于某年部分节假日安排的通知) sets them.
//
// A Calendar answers for one civil date at a time: IsWorkday, and Day
// with the holiday's name. Days the data says nothing about are working
// days Monday to Friday, and so is every day of a year the data does not
// cover (Covers, Years): such a year falls back to Monday–Friday, and
// Warning says so for the current and next year.
//
// The data comes from github.com/6tail/lunar-go's HolidayUtil, which this
// package alone imports (lunar.go). Version v1.4.7 covers the notices for
// 2002 to 2027 (plus the make-up days of late December 2001 that belong to
// 2002's New Year); a new year's schedule arrives with a new lunar-go
// release, usually in November of the year before.
//
// Names: a rest day is named after its holiday as the data names it —
// 元旦节, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, 国庆中秋 (the two
// festivals in one break, as in 2025's 10月1日–8日) and 抗战胜利日 (2015) —
// including the weekend days inside the break. A make-up working day is
// named after the holiday it makes up for, with 调休 appended: 春节调休.
// Ordinary days have no name.
//
// A Calendar is immutable and safe for concurrent use. New returns the
// built-in calendar, read from the library once per process; the library's
// own package-level tables are only read, never changed (its HolidayUtil.Fix
// is never called).
package workday
