package source

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

func TestDecode(t *testing.T) {
	const zh = "中原区召开推进会，刘镕出席。"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(zh)
	big5, _ := traditionalchinese.Big5.NewEncoder().String("中原區召開推進會。")
	latin, _ := charmap.Windows1252.NewEncoder().String("Café crème")
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(zh)
	tests := []struct {
		name, contentType, body, want, charset string
	}{
		{"utf-8 plain", "", zh, zh, "utf-8"},
		{"utf-8 BOM", "", "\xEF\xBB\xBF" + zh, zh, "utf-8"},
		{"utf-16 BOM", "", utf16, zh, "utf-16"},
		{"gbk header", "text/html; charset=GBK", gbk, zh, "gb18030"},
		{"gb2312 header quoted", `text/html; charset="gb2312"`, gbk, zh, "gb18030"},
		{"broken header", "text/html;charset=gbk;;", gbk, zh, "gb18030"},
		{"gbk sniffed", "text/html", gbk, zh, "gb18030"},
		{"meta charset", "", `<meta charset="gb2312">` + gbk, `<meta charset="gb2312">` + zh, "gb18030"},
		{"meta http-equiv", "", `<meta http-equiv="Content-Type" content="text/html; charset=gbk" />` + gbk,
			`<meta http-equiv="Content-Type" content="text/html; charset=gbk" />` + zh, "gb18030"},
		{"xml declaration", "", `<?xml version="1.0" encoding="GB18030"?>` + gbk, `<?xml version="1.0" encoding="GB18030"?>` + zh, "gb18030"},
		{"big5 header", "text/html; charset=big5", big5, "中原區召開推進會。", "big5"},
		{"windows-1252 meta", "", `<meta charset="windows-1252">` + latin, `<meta charset="windows-1252">Café crème`, "windows-1252"},
		{"unknown label sniffs", "text/html; charset=x-unknown", gbk, zh, "gb18030"},
		{"utf-8 label, GBK bytes", "text/html; charset=utf-8", gbk, zh, "gb18030"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs, err := decode([]byte(tt.body), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || cs != tt.charset {
				t.Errorf("decode = %q as %s, want %q as %s", got, cs, tt.want, tt.charset)
			}
		})
	}
	if _, _, err := decode([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\xff\xfe"), ""); err == nil {
		t.Error("binary bytes decoded without error")
	}
}

func TestUTF8XMLRewritesDeclaration(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(`<?xml version="1.0" encoding='gb2312'?><rss/>中原`)
	got, err := utf8XML([]byte(gbk), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := `<?xml version="1.0" encoding='utf-8'?><rss/>中原`; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
