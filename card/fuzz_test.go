package card

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, its errors are one line, and whatever it
// accepts marshals to a form that parses back to the same card.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"date":"2023-02-13","source":"中原区新闻","items":[{"n":1,"title":"标题","lead":"导语。"}],"part":1,"parts":2,"footer":"回复“详情 序号”查看全文"}`,
		`{"date":"2023-03-01","source":"","items":[]}`,
		`{"date":"2023-02-30"}`,
		`{"date":"2023-02-13","items":null,"part":0,"parts":0}`,
		`{"date":"2023-02-13","items":[{"n":-1,"title":"\u0000<&>","lead":"\n"}]}`,
		`null`, ``, `{`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		m := c.Marshal()
		c2, err := Parse(m)
		if err != nil {
			t.Fatalf("Parse(Marshal(%q)) = %v", m, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip changed %+v into %+v", c, c2)
		}
		if m2 := c2.Marshal(); m2 != m {
			t.Fatalf("Marshal not stable: %q then %q", m, m2)
		}
	})
}
