// Package card renders one day's digest as a picture (早报图) for WeChat
// groups whose older members would rather look than read.
//
// It owns the Card value (what one image shows, stored as JSON in the
// delivery ledger and rendered at send time), splitting a digest into
// cards, finding and parsing the CJK font, Chinese line breaking (禁则)
// and drawing the PNG. It does no network or store I/O; the only file it
// reads is the font. Rendering uses golang.org/x/image alone, so no C
// library or system font tool is needed at run time.
package card
