package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence rules (GB/T 15834-2011, with the habits of real page text):
//
//   - A sentence ends at 。！？｡, and at ASCII ? ! when they are not inside an
//     ASCII word or URL (between Han characters they act as full-width).
//   - ASCII . ends a sentence only when it is not between digits (28.58亿元,
//     3.5%) and is followed by the end, a Han character, CJK punctuation, or
//     spaces and then a Han character. Runs of dots are an ellipsis.
//   - Closing quotes and brackets right after the end mark stay with the
//     sentence (他说：“好。” | 然后…). If a clause mark (，、；：,;:) follows
//     them, the sentence goes on (“好。”，然后…).
//   - ；; and ，,、：: never end a sentence.
//   - Ellipsis policy: …… (or ......) never ends a sentence by itself. In news
//     copy it mostly marks an omission or an open list, and a lead cut at it
//     would read as unfinished; a following 。！？ still ends the sentence.
//   - A newline is a paragraph boundary and always ends a sentence: callers
//     re-join layout breaks first (ParsePage does).
//   - Quotes are not balanced: a 。 inside a quotation ends a sentence, as in
//     HanLP and zhon.

// Sentences splits text into sentences by the rules above. Each sentence is
// trimmed of surrounding whitespace; empty ones are dropped.
func Sentences(text string) []string {
	var out []string
	for start := 0; start < len(text); {
		end, next := sentenceEnd(text, start)
		if s := trimSpace(text[start:end]); s != "" {
			out = append(out, s)
		}
		start = next
	}
	return out
}

// FirstSentence returns the first sentence of paragraph (see Sentences), or
// "" when it holds none.
func FirstSentence(paragraph string) string {
	for start := 0; start < len(paragraph); {
		end, next := sentenceEnd(paragraph, start)
		if s := trimSpace(paragraph[start:end]); s != "" {
			return s
		}
		start = next
	}
	return ""
}

// sentenceEnd finds the sentence starting at byte start: it returns the end of
// the sentence and where the next one starts.
func sentenceEnd(s string, start int) (end, next int) {
	prev := rune(-1)
	for i := start; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\n' {
			return i, i + n
		}
		if isTerminalAt(s, i, r, n, prev) {
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isCloser(r2) && !isFullStop(r2) && r2 != '!' && r2 != '?' {
					break
				}
				j += n2
			}
			if j < len(s) {
				r2, _ := utf8.DecodeRuneInString(s[j:])
				if isClauseMark(r2) || r2 == '…' {
					prev, i = r2, j
					continue
				}
			}
			return j, j
		}
		prev = r
		i += n
	}
	return len(s), len(s)
}

// isFullStop reports the unconditional sentence-final marks.
func isFullStop(r rune) bool {
	return r == '。' || r == '！' || r == '？' || r == '｡'
}

// isTerminalAt decides whether the rune r (n bytes) at s[i] ends a sentence;
// prev is the rune before it, -1 at the start.
func isTerminalAt(s string, i int, r rune, n int, prev rune) bool {
	switch r {
	case '。', '！', '？', '｡':
		return true
	case '!', '?':
		// Inside an ASCII word or URL (a.php?id=3, Yahoo!Japan) they are not
		// sentence marks.
		next := runeAt(s, i+n)
		return !(isASCIIWordy(prev) && isASCIIWordy(next))
	case '.':
		next := runeAt(s, i+n)
		if prev == '.' || next == '.' {
			return false // an ellipsis or a path
		}
		if isASCIIDigit(prev) && isASCIIDigit(next) {
			return false // 28.58
		}
		switch {
		case next < 0, next == '\n', isHan(next), isCloser(next), isCJKPunct(next):
			return true
		case next == ' ' || next == '\t' || next == '\u3000':
			j := i + n
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if strings.HasPrefix(s[j:], "\u3000") {
				j += len("\u3000")
			}
			after := runeAt(s, j)
			return after < 0 || after == '\n' || isHan(after)
		}
	}
	return false
}

// runeAt returns the rune at byte i of s, or -1 past the end.
func runeAt(s string, i int) rune {
	if i >= len(s) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// isASCIIWordy: characters found inside ASCII words, numbers and URLs.
func isASCIIWordy(r rune) bool {
	return isASCIILetter(r) || isASCIIDigit(r) || r == '=' || r == '&' || r == '/' || r == '_' || r == '%' || r == '#'
}

// isHan is a fast Han check: everything below U+2E80 is not Han.
func isHan(r rune) bool {
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// isCloser reports closing quotes and brackets that stay with the sentence
// they follow.
func isCloser(r rune) bool {
	switch r {
	case '”', '’', '」', '』', '）', ')', '》', '〉', '】', '］', ']', '｝', '}',
		'〕', '〗', '〙', '〛', '﹂', '﹄', '"', '\'':
		return true
	}
	return false
}

// isClauseMark reports sentence-internal marks, full-width and ASCII.
func isClauseMark(r rune) bool {
	switch r {
	case '，', ',', '、', '；', ';', '：', ':':
		return true
	}
	return false
}

// isCJKPunct reports full-width punctuation that may follow an ASCII full
// stop used as a Chinese one.
func isCJKPunct(r rune) bool {
	return r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFF65 || r == '“' || r == '‘'
}

// isSpace is unicode.IsSpace plus the zero-width characters copied pages
// carry (ZWSP, ZWNJ, ZWJ, word joiner, BOM).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
		'\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// trimSpace trims isSpace runes from both ends, with an ASCII fast path.
func trimSpace(s string) string {
	start, end := 0, len(s)
	for start < end {
		c := s[start]
		if c < utf8.RuneSelf {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
				break
			}
			start++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		c := s[end-1]
		if c < utf8.RuneSelf {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
				break
			}
			end--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}
