package bot

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// rtNormalize makes typed text comparable: full-width ASCII (０８：００,
// ／ｔｏｄａｙ, ，) becomes half-width, every kind of space (the
// ideographic one included) becomes one ASCII space, and surrounding
// space is trimmed. Chinese text is otherwise untouched.
func rtNormalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if unicode.IsSpace(r) || r == 0x200B || r == 0xFEFF {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// rtTrimTrailing drops trailing sentence punctuation people add to a
// command out of habit ("今日新闻。", "帮助？", "详情 3！").
func rtTrimTrailing(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool {
		return strings.ContainsRune("。.!！?？~～…", r) || unicode.IsSpace(r)
	})
}

// rtZHDigits maps Chinese numerals to their values.
func rtZHDigit(r rune) (int, bool) {
	switch r {
	case '〇', '零', '0':
		return 0, true
	case '一', '1':
		return 1, true
	case '二', '两', '2':
		return 2, true
	case '三', '3':
		return 3, true
	case '四', '4':
		return 4, true
	case '五', '5':
		return 5, true
	case '六', '6':
		return 6, true
	case '七', '7':
		return 7, true
	case '八', '8':
		return 8, true
	case '九', '9':
		return 9, true
	}
	return 0, false
}

// rtAtoi reads a small non-negative number written in ASCII digits or in
// Chinese numerals ("3", "十二", "二十一", "二〇二三"). It refuses signs,
// empty input and values above 99999.
func rtAtoi(s string) (int, bool) {
	if s == "" || utf8.RuneCountInString(s) > 6 {
		return 0, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, n <= 99999
	}
	if !strings.ContainsAny(s, "十百千") {
		// Digit by digit, as years are read: 二〇二三.
		n := 0
		for _, r := range s {
			d, ok := rtZHDigit(r)
			if !ok {
				return 0, false
			}
			n = n*10 + d
		}
		return n, true
	}
	total, cur := 0, -1
	for _, r := range s {
		unit := 0
		switch r {
		case '十':
			unit = 10
		case '百':
			unit = 100
		case '千':
			unit = 1000
		}
		if unit > 0 {
			if cur < 0 {
				cur = 1 // "十二" is 12
			}
			total += cur * unit
			cur = -1
			continue
		}
		d, ok := rtZHDigit(r)
		if !ok || cur >= 0 && cur != 0 {
			return 0, false
		}
		cur = d
	}
	if cur > 0 {
		total += cur
	}
	return total, true
}

// rtParseDay reads the date argument of 今日新闻 and 预览. today is the
// current civil date at midnight in the product zone. Accepted:
// "" 今天 今日 昨天 昨日 前天, 2023-02-13 (also / . as separators, or
// 20230213), 2023年2月13日, 2月13日 (号 too), 2-13, 13日; digits may be
// Chinese numerals. A month-day more than a month ahead means last year's.
func rtParseDay(arg string, today time.Time) (time.Time, bool) {
	switch arg {
	case "", "今天", "今日", "today":
		return today, true
	case "昨天", "昨日", "yesterday":
		return today.AddDate(0, 0, -1), true
	case "前天":
		return today.AddDate(0, 0, -2), true
	}
	y, m, d := -1, -1, -1
	s := strings.TrimSuffix(strings.TrimSuffix(arg, "日"), "号")
	switch {
	case strings.ContainsAny(s, "年月"):
		if ys, rest, ok := strings.Cut(s, "年"); ok {
			n, ok := rtAtoi(ys)
			if !ok {
				return time.Time{}, false
			}
			y, s = n, rest
		}
		ms, ds, ok := strings.Cut(s, "月")
		if !ok {
			return time.Time{}, false
		}
		var ok1, ok2 bool
		m, ok1 = rtAtoi(ms)
		d, ok2 = rtAtoi(ds)
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
	case len(s) == 8 && strings.Trim(s, "0123456789") == "":
		y, _ = strconv.Atoi(s[:4])
		m, _ = strconv.Atoi(s[4:6])
		d, _ = strconv.Atoi(s[6:])
	case strings.ContainsAny(s, "-/."):
		f := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
		if strings.Count(s, string(s[strings.IndexAny(s, "-/.")])) != len(f)-1 {
			return time.Time{}, false // mixed or doubled separators
		}
		nums := make([]int, len(f))
		for i, x := range f {
			n, ok := rtAtoi(x)
			if !ok || x[0] < '0' || x[0] > '9' {
				return time.Time{}, false
			}
			nums[i] = n
		}
		switch len(nums) {
		case 3:
			y, m, d = nums[0], nums[1], nums[2]
		case 2:
			m, d = nums[0], nums[1]
		default:
			return time.Time{}, false
		}
	case s != arg: // "13日": a day of this month
		n, ok := rtAtoi(s)
		if !ok {
			return time.Time{}, false
		}
		m, d = int(today.Month()), n
	default:
		return time.Time{}, false
	}
	if y == -1 {
		y = today.Year()
		if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, today.Location()); t.After(today.AddDate(0, 1, 0)) {
			y--
		}
	}
	if y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, today.Location())
	if t.Day() != d { // 2月30日
		return time.Time{}, false
	}
	return t, true
}

// rtDayOf is the civil date of t at midnight in zone.
func rtDayOf(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}

// rtMonthDay writes a date compactly for chat: "2月13日".
func rtMonthDay(t time.Time) string {
	return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}

// rtWhen writes an instant for chat in zone: "2月13日 08:00", with the
// year only when it is not the current one.
func rtWhen(t, now time.Time, zone *time.Location) string {
	t = t.In(zone)
	s := rtMonthDay(t) + " " + t.Format("15:04")
	if t.Year() != now.In(zone).Year() {
		s = strconv.Itoa(t.Year()) + "年" + s
	}
	return s
}

// rtCut shortens s to at most n runes, marking the cut with "…".
func rtCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// rtPack joins lines into message parts of at most budget runes each,
// breaking only between lines (a line longer than budget is cut).
func rtPack(lines []string, budget int) []string {
	var parts []string
	var b strings.Builder
	n := 0
	for _, l := range lines {
		l = rtCut(l, budget)
		w := utf8.RuneCountInString(l)
		if n > 0 && n+1+w > budget {
			parts = append(parts, b.String())
			b.Reset()
			n = 0
		}
		if n > 0 {
			b.WriteByte('\n')
			n++
		}
		b.WriteString(l)
		n += w
	}
	if n > 0 || len(parts) == 0 {
		parts = append(parts, b.String())
	}
	return parts
}

// rtPrintable drops control characters and invisible format characters
// (zero-width joiners, bidirectional overrides): a resident's text quoted
// back into a group must not carry them.
func rtPrintable(s string) string {
	if strings.IndexFunc(s, rtInvisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if rtInvisible(r) {
			return -1
		}
		return r
	}, s)
}

func rtInvisible(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
