package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsisZH is the Chinese ellipsis (two U+2026), two runes wide.
const ellipsisZH = "……"

// ShortenLead returns lead unchanged when it has at most budget runes.
// Otherwise it cuts at the last clause boundary (，,、；;) that leaves room
// for the trailing "……" within budget, drops that mark and appends "……".
// ASCII ',' and ';' between two ASCII digits ("1,000") are not boundaries.
// When no boundary fits, it cuts at the rune that leaves room for "……", so
// the result still ends with "……". The result never exceeds budget runes;
// a budget too small for any text (< 3) yields only as much of "……" as fits.
// This is for display only: stored leads stay whole.
func ShortenLead(lead string, budget int) string {
	if utf8.RuneCountInString(lead) <= budget {
		return lead
	}
	if budget <= 0 {
		return ""
	}
	rs := []rune(lead)
	limit := budget - utf8.RuneCountInString(ellipsisZH) // runes of text we may keep
	if limit <= 0 {
		return string([]rune(ellipsisZH)[:budget])
	}
	cut := -1
	// A boundary at index i keeps rs[:i] and drops the mark itself.
	for i := min(limit, len(rs)-1); i > 0; i-- {
		if shortenIsClauseMark(rs, i) {
			cut = i
			break
		}
	}
	if cut < 0 {
		cut = limit
	}
	kept := strings.TrimRightFunc(string(rs[:cut]), unicode.IsSpace)
	if kept == "" {
		// Only whitespace before the cut: a bare ellipsis still says "more".
		return ellipsisZH
	}
	return kept + ellipsisZH
}

// shortenIsClauseMark reports whether rs[i] separates clauses.
func shortenIsClauseMark(rs []rune, i int) bool {
	switch rs[i] {
	case '，', '、', '；':
		return true
	case ',', ';':
		// "1,000" is a number, not two clauses.
		if i > 0 && i+1 < len(rs) && shortenIsDigit(rs[i-1]) && shortenIsDigit(rs[i+1]) {
			return false
		}
		return true
	}
	return false
}

func shortenIsDigit(r rune) bool { return r >= '0' && r <= '9' }
