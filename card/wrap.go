package card

import (
	"unicode"

	"golang.org/x/image/math/fixed"
)

// advanceFunc is the width of r drawn after prev on the same line, kerning
// included; prev is -1 at the start of a line. The breaker takes it as a
// function so it can be tested on strings without a font.
type advanceFunc func(prev, r rune) fixed.Int26_6

// noLineStart are the closing marks Chinese typesetting (禁则) never puts
// at the start of a line; ASCII ones are included because pages are
// printed with ASCII commas.
func noLineStart(r rune) bool {
	switch r {
	case '，', '。', '、', '；', '：', '？', '！', '）', '》', '」', '』', '”', '’', '…', '〉', '】', '〕', '〗', '］', '｝', '％', '·', '・', '～', '—',
		',', '.', ';', ':', '?', '!', ')', ']', '}', '%':
		return true
	}
	return false
}

// noLineEnd are the opening marks that never end a line (spaces after
// them do not help).
func noLineEnd(r rune) bool {
	switch r {
	case '（', '《', '「', '『', '“', '‘', '〈', '【', '〔', '〖', '［', '｛', '(', '[', '{',
		'·', '・': // a middle dot joins what is on either side: 约翰·史密斯, 新闻 · 早报
		return true
	}
	return false
}

// isWordRune is a letter or digit of an alphabetic script (Latin, Greek,
// Cyrillic, full-width Latin): runs of them are words or numbers and are
// not broken inside.
func isWordRune(r rune) bool {
	if r >= 0xFF10 && r <= 0xFF5A { // full-width digits and letters
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func isDigitRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= '０' && r <= '９'
}

// isWordJoiner joins two word runs into one: 28.58, 1,000, COVID-19,
// O'Brien, 10:30, a/b.
func isWordJoiner(r rune) bool {
	switch r {
	case '.', ',', '-', '\'', ':', '/', '_', '&', '+', '@', '#', '．', '，':
		return true
	}
	return false
}

func isHanRune(r rune) bool { return unicode.Is(unicode.Han, r) }

// canBreakBefore reports whether a line may end between rs[i-1] and rs[i].
func canBreakBefore(rs []rune, i int) bool {
	a, b := rs[i-1], rs[i]
	if unicode.IsSpace(b) || noLineStart(b) {
		return false // spaces stay at the end of the line they follow
	}
	end := a // what the line would visibly end with
	for j := i - 1; j > 0 && unicode.IsSpace(end); j-- {
		end = rs[j-1]
	}
	switch {
	case noLineEnd(end):
		return false
	case unicode.IsSpace(a):
		return true
	case isWordRune(a) && isWordRune(b):
		return false
	case isWordJoiner(b) && isWordRune(a) && i+1 < len(rs) && isWordRune(rs[i+1]):
		return false
	case isWordJoiner(a) && isWordRune(b) && i >= 2 && isWordRune(rs[i-2]):
		return false
	case isDigitRune(a) && isHanRune(b):
		return false // 28.58亿, 2023年: a number stays with its unit
	case a == b && (a == '—' || a == '…' || a == '⋯'):
		return false
	}
	return true
}

// wrapLines breaks s into lines no wider than width. It follows the
// Chinese rules above, breaks inside a word only when the word alone is
// wider than a line, and leaves no lone character on the last line when
// the line before can give it company. Spaces where a line breaks are kept
// at the end of that line, so the lines joined give s back exactly.
func wrapLines(s string, width fixed.Int26_6, adv advanceFunc) []string {
	rs := []rune(s)
	if len(rs) == 0 {
		return nil
	}
	starts := []int{0} // index in rs of each line's first rune
	lineStart := 0
	var lineW fixed.Int26_6
	prev := rune(-1)

	segStart := 0
	for segStart < len(rs) {
		segEnd := segStart + 1
		for segEnd < len(rs) && !canBreakBefore(rs, segEnd) {
			segEnd++
		}
		seg := rs[segStart:segEnd]
		w, visible := measure(seg, prev, adv)
		switch {
		case lineW+visible <= width:
			lineW += w
			prev = seg[len(seg)-1]
		case segStart > lineStart && visibleWidth(seg, adv) <= width:
			starts = append(starts, segStart)
			lineStart = segStart
			lineW, _ = measure(seg, -1, adv)
			prev = seg[len(seg)-1]
		default:
			// Wider than a whole line: break inside the segment.
			if segStart > lineStart {
				starts = append(starts, segStart)
			}
			var more []int
			more, lineStart, lineW, prev = hardBreak(rs, segStart, segEnd, width, adv)
			starts = append(starts, more...)
		}
		segStart = segEnd
	}
	starts = avoidWidow(rs, starts, width, adv)

	lines := make([]string, len(starts))
	for i, st := range starts {
		end := len(rs)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		lines[i] = string(rs[st:end])
	}
	return lines
}

// avoidWidow moves the last break of a paragraph back by one break
// opportunity when the last line would hold a single character (plus its
// closing marks), as long as the new last line fits and the line before
// keeps at least two characters.
func avoidWidow(rs []rune, starts []int, width fixed.Int26_6, adv advanceFunc) []int {
	n := len(starts)
	if n < 2 || letters(rs[starts[n-1]:]) > 1 {
		return starts
	}
	for k := starts[n-1] - 1; k > starts[n-2]; k-- {
		if !canBreakBefore(rs, k) {
			continue
		}
		if letters(rs[starts[n-2]:k]) < 2 || visibleWidth(rs[k:], adv) > width {
			break
		}
		starts[n-1] = k
		break
	}
	return starts
}

// letters counts the runes of rs that are not spaces or punctuation.
func letters(rs []rune) int {
	n := 0
	for _, r := range rs {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) {
			n++
		}
	}
	return n
}

// measure is the width of rs drawn after prev, and its width without the
// trailing spaces (they may hang past the margin).
func measure(rs []rune, prev rune, adv advanceFunc) (w, visible fixed.Int26_6) {
	for _, r := range rs {
		w += adv(prev, r)
		if !unicode.IsSpace(r) {
			visible = w
		}
		prev = r
	}
	return w, visible
}

// visibleWidth is the width of rs at the start of a line, trailing spaces
// left out.
func visibleWidth(rs []rune, adv advanceFunc) fixed.Int26_6 {
	_, v := measure(rs, -1, adv)
	return v
}

// hardBreak splits rs[start:end], which begins a line and is wider than
// one, avoiding a forbidden start or end where it can. It returns where
// the lines it adds start, and the state of the last, open one.
func hardBreak(rs []rune, start, end int, width fixed.Int26_6, adv advanceFunc) (starts []int, lineStart int, lineW fixed.Int26_6, prev rune) {
	lineStart, prev = start, -1
	for i := start; i < end; i++ {
		a := adv(prev, rs[i])
		if i > lineStart && lineW+a > width && !unicode.IsSpace(rs[i]) {
			cut := i
			for cut-1 > lineStart && (noLineStart(rs[cut]) || noLineEnd(rs[cut-1])) {
				cut--
			}
			if noLineStart(rs[cut]) || noLineEnd(rs[cut-1]) {
				cut = i // nowhere legal on this line: break where it is full
			}
			starts = append(starts, cut)
			lineStart = cut
			lineW, _ = measure(rs[cut:i], -1, adv)
			prev = -1
			if i > cut {
				prev = rs[i-1]
			}
			a = adv(prev, rs[i])
		}
		lineW += a
		prev = rs[i]
	}
	return starts, lineStart, lineW, prev
}
