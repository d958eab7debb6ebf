package digest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePage checks that any text parses without panicking into articles
// that hold the invariants, or fails with one of the documented errors.
// Seeds: the sample page and every fixture page; found inputs live in
// testdata/fuzz/FuzzParsePage.
func FuzzParsePage(f *testing.F) {
	paths, _ := filepath.Glob("testdata/pages/*.txt")
	paths = append(paths, "testdata/zhongyuan-page.txt")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if s, err := DecodeText(b); err == nil {
			f.Add(s)
		}
	}
	for _, s := range []string{
		"标题\n本报讯",
		"标题\n\n本报讯（记者 甲乙）正文。",
		"标题\n记者 甲乙\n正文。\n记者 丙丁",
		"一\n二\n三\n四\n本报讯 正文。",
		"标题\n正文（完）",
		"标题\n正文。记者",
		"【讯】\n【大河报讯",
		"标题\n新华社北京3月14日电（",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// The line scanner decodes UTF-8 by hand; it must agree with the
		// standard library.
		if sc := scanLine(text); sc.runes != utf8.RuneCountInString(text) || sc.invalid == utf8.ValidString(text) {
			t.Fatalf("scanLine(%q): %d runes, invalid %v", text, sc.runes, sc.invalid)
		}
		arts, err := ParsePage(text)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNoArticles) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if arts != nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("bad error result: %v, %q", arts, err)
			}
			return
		}
		if len(arts) == 0 {
			t.Fatal("no articles and no error")
		}
		checkInvariants(t, arts)
		for i, a := range arts {
			first, _, _ := strings.Cut(a.Body, "\n")
			if a.Lead != FirstSentence(first) {
				t.Errorf("article %d: lead %q is not the first sentence of %q", i, a.Lead, first)
			}
		}
		again, _ := ParsePage(text)
		if !reflect.DeepEqual(arts, again) {
			t.Error("ParsePage is not deterministic")
		}
	})
}
