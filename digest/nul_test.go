package digest

import (
	"reflect"
	"strings"
	"testing"
)

// The text pipeline drops NUL characters, which the stores refuse: a page
// file or a web page with a stray NUL imports as if it had none.
func TestNULDropped(t *testing.T) {
	clean, err := ParsePage(SamplePage)
	if err != nil {
		t.Fatal(err)
	}
	dirty := strings.Replace(SamplePage, "本报讯", "本报\x00讯", 1)
	dirty = strings.Replace(dirty, "。", "。\x00", 3)
	text, err := DecodeText([]byte(dirty))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(text, 0) {
		t.Error("DecodeText kept a NUL")
	}
	for _, in := range []string{text, dirty} {
		got, err := ParsePage(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, clean) {
			t.Errorf("ParsePage with NULs differs from the page without them")
		}
	}

	want, err := ArticleFromParagraphs("樱花节开幕", []string{"本报讯 樱花节在须水街道开幕。", "市民纷纷前往赏花。"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ArticleFromParagraphs("樱花节\x00开幕", []string{"本报讯 樱花节在须水\x00街道开幕。", "\x00市民纷纷前往赏花。\x00"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ArticleFromParagraphs with NULs = %+v, want %+v", got, want)
	}
}
