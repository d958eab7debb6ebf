package data

import (
	"fmt"

	"github.com/wxdigest/wxdigest/searchtext"
)

// Index terms in byte form, the order segments keep them in. A CJK token
// is a sort key: the character, or for a pair 1<<42 | first<<21 | second
// (runes fit 21 bits), written as 0x01 and six big-endian bytes; a word
// is 0x02 and its UTF-8. Byte order of the CJK form is numeric order of
// the key, so the radix-sorted pairs of a builder come out in term order.
const (
	termCJK  = 0x01
	termWord = 0x02
	pairBit  = 1 << 42
	cjkBits  = 43 // significant bits of a CJK sort key
)

func uniKey(r rune) uint64     { return uint64(r) }
func pairKey(p, r rune) uint64 { return pairBit | uint64(p)<<21 | uint64(r) }

func appendCJKTerm(b []byte, k uint64) []byte {
	return append(b, termCJK, byte(k>>40), byte(k>>32), byte(k>>24), byte(k>>16), byte(k>>8), byte(k))
}

func appendWordTerm(b []byte, w string) []byte {
	return append(append(b, termWord), w...)
}

// termOf gives the byte form of a token as searchtext.ParseQuery returns it.
func termOf(tok string) []byte {
	rs := []rune(tok)
	if len(rs) > 0 && searchtext.IsCJK(rs[0]) {
		switch len(rs) {
		case 1:
			return appendCJKTerm(nil, uniKey(rs[0]))
		case 2:
			return appendCJKTerm(nil, pairKey(rs[0], rs[1]))
		}
	}
	return appendWordTerm(nil, tok)
}

// termText is termOf's inverse, for tests and debugging.
func termText(t []byte) string {
	if len(t) == 7 && t[0] == termCJK {
		var k uint64
		for _, c := range t[1:] {
			k = k<<8 | uint64(c)
		}
		r := rune(k & (1<<21 - 1))
		if k&pairBit != 0 {
			return string([]rune{rune(k >> 21 & (1<<21 - 1)), r})
		}
		return string(r)
	}
	if len(t) > 0 && t[0] == termWord {
		return string(t[1:])
	}
	return fmt.Sprintf("%x", t)
}
