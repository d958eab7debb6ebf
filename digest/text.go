package digest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Errors returned (wrapped) by DecodeText and ParsePage.
var (
	// ErrEmpty: the input holds nothing but whitespace.
	ErrEmpty = errors.New("empty input")
	// ErrNotText: the input is binary or in an encoding we cannot read.
	ErrNotText = errors.New("not text")
)

// maxBadPermille is how many control or replacement characters per thousand
// runes a decoded text may hold before it is refused. Real pages copied from
// an e-paper have none or a handful; random bytes and binaries have hundreds.
const maxBadPermille = 10

// utf8BOM and the UTF-16 byte-order marks.
var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// DecodeText turns the bytes of a page into text: UTF-8 (with or without a
// BOM), UTF-16 with a BOM, or GB18030/GBK. Line ends become "\n". Input that
// decodes to mostly control or replacement characters is refused with
// ErrNotText; whitespace-only input with ErrEmpty.
func DecodeText(b []byte) (string, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return "", fmt.Errorf("decode text: %w", ErrEmpty)
	}
	var (
		s   string
		enc string
		gb  bool
	)
	switch {
	case bytes.HasPrefix(b, utf8BOM):
		s, enc = toValidUTF8(b[len(utf8BOM):]), "UTF-8"
	case bytes.HasPrefix(b, utf16LEBOM), bytes.HasPrefix(b, utf16BEBOM):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", fmt.Errorf("decode text: UTF-16: %w", ErrNotText)
		}
		s, enc = string(out), "UTF-16"
	case utf8.Valid(b):
		s, enc = string(b), "UTF-8"
	default:
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return "", fmt.Errorf("decode text: GB18030: %w", ErrNotText)
		}
		s, enc, gb = string(out), "GB18030", true
		// A UTF-8 text with a stray bad byte (a copy cut in mid-character)
		// is still UTF-8: read as GB18030 it garbles into many more bad
		// characters than it has invalid sequences.
		if gbBad, _ := countBad(s, true); invalidUTF8(b) < gbBad {
			s, enc, gb = toValidUTF8(b), "UTF-8", false
		}
	}
	if bad, total := countBad(s, gb); bad*1000 > total*maxBadPermille {
		return "", fmt.Errorf("decode text: %w (as %s, %d of %d characters are control or undecodable)",
			ErrNotText, enc, bad, total)
	}
	s = normalizeNewlines(s)
	if strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF")) == "" {
		return "", fmt.Errorf("decode text: %w", ErrEmpty)
	}
	return s, nil
}

// invalidUTF8 counts the invalid byte sequences in b.
func invalidUTF8(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			n++
		}
		b = b[size:]
	}
	return n
}

func toValidUTF8(b []byte) string {
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// countBad reports how many runes of s are control characters (other than
// whitespace controls) or replacement characters, and how many runes s has.
// For GB18030 output, private-use characters count as bad too: the decoder
// maps GBK's unassigned user areas there, and random bytes land in them.
func countBad(s string, gb bool) (bad, total int) {
	for _, r := range s {
		total++
		switch {
		case r == '\t', r == '\n', r == '\r', r == '\f', r == '\v':
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0:
			bad++
		case r == utf8.RuneError:
			bad++
		case gb && r >= 0xE000 && r <= 0xF8FF:
			bad++
		}
	}
	return bad, total
}

// normalizeNewlines turns CRLF and lone CR into LF, and drops NUL
// characters (dropNUL): every way text enters the parsers passes here.
func normalizeNewlines(s string) string {
	s = dropNUL(s)
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// dropNUL removes U+0000, which no printed text holds and PostgreSQL's
// text type cannot store: the stores refuse an article with one, so the
// text pipeline never hands them one (a page file with a stray NUL byte
// still imports).
func dropNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
