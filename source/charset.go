package source

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/wxdigest/wxdigest/digest"
)

// Where the charset comes from, in order: the Content-Type header, a BOM,
// the document's own declaration (<meta charset>, <meta http-equiv
// content="…charset=gbk">, <?xml … encoding="gb2312"?>), then sniffing —
// valid UTF-8 is UTF-8, anything else is read as GB18030 (digest.DecodeText).
// GB2312, GBK and GB18030 are all decoded as GB18030, their superset: pages
// labelled gb2312 routinely use GBK characters.

// declWindow is how far into a document its charset declaration is looked
// for (the HTML standard says 1024 bytes; real pages put scripts first).
const declWindow = 4096

var (
	metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)`)
	xmlDeclRe     = regexp.MustCompile(`(?i)^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:\-]+)["']`)
	xmlEncAttrRe  = regexp.MustCompile(`(?i)(encoding\s*=\s*["'])[a-z0-9_.:\-]+(["'])`)
)

// decode turns a body into UTF-8 text using the header's content type, the
// document's declaration, or sniffing, and reports the charset used.
func decode(body []byte, contentType string) (string, string, error) {
	if bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
		return string(bytes.ToValidUTF8(body[3:], []byte("\uFFFD"))), "utf-8", nil
	}
	if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
		s, err := digest.DecodeText(body)
		return s, "utf-16", err
	}
	label := headerCharset(contentType)
	if label == "" {
		label = declaredCharset(body)
	}
	if label != "" {
		if s, name, ok := decodeLabel(body, label); ok {
			return s, name, nil
		}
	}
	if utf8.Valid(body) {
		return string(body), "utf-8", nil
	}
	s, err := digest.DecodeText(body)
	if err != nil {
		return "", "", err
	}
	return s, "gb18030", nil
}

// headerCharset is the charset parameter of a Content-Type header.
func headerCharset(ct string) string {
	if ct == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		// Servers send things like "text/html;charset=gbk;": fall back to a
		// plain search.
		if i := strings.Index(strings.ToLower(ct), "charset="); i >= 0 {
			v := ct[i+len("charset="):]
			if j := strings.IndexAny(v, "; "); j >= 0 {
				v = v[:j]
			}
			return strings.Trim(v, `"'`)
		}
		return ""
	}
	return params["charset"]
}

// declaredCharset is the encoding a document declares in its first bytes.
func declaredCharset(body []byte) string {
	head := body
	if len(head) > declWindow {
		head = head[:declWindow]
	}
	if m := xmlDeclRe.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	if m := metaCharsetRe.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// decodeLabel decodes body as the named charset. It reports false when the
// label is unknown, or when a UTF-8 label is contradicted by the bytes (then
// sniffing decides).
func decodeLabel(body []byte, label string) (string, string, bool) {
	label = strings.ToLower(strings.TrimSpace(label))
	var enc encoding.Encoding
	name := label
	switch label {
	case "utf-8", "utf8":
		if !utf8.Valid(body) {
			return "", "", false
		}
		return string(body), "utf-8", true
	case "gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312", "gb_2312-80", "chinese":
		if hasMultibyteUTF8(body) {
			// Pages re-saved as UTF-8 keep their old gb2312 label; GBK text
			// that happens to be valid UTF-8 is vanishingly rare.
			return string(body), "utf-8", true
		}
		enc, name = simplifiedchinese.GB18030, "gb18030"
	default:
		e, err := htmlindex.Get(label)
		if err != nil {
			return "", "", false
		}
		enc = e
		if n, err := htmlindex.Name(e); err == nil {
			name = n
		}
		if name == "gbk" || name == "gb18030" {
			return decodeLabel(body, "gbk")
		}
		if name == "utf-8" {
			return decodeLabel(body, "utf-8")
		}
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return "", "", false
	}
	return string(out), name, true
}

// utf8XML decodes a feed body to UTF-8 and rewrites its XML declaration to
// say so, so the XML parser does not decode it a second time.
func utf8XML(body []byte, contentType string) ([]byte, error) {
	s, _, err := decode(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	b := []byte(s)
	if loc := xmlDeclRe.FindIndex(b); loc != nil {
		decl := xmlEncAttrRe.ReplaceAll(b[loc[0]:loc[1]], []byte("${1}utf-8${2}"))
		b = append(decl, b[loc[1]:]...)
	}
	return b, nil
}

// hasMultibyteUTF8: b is valid UTF-8 and holds characters beyond ASCII.
func hasMultibyteUTF8(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return false
}
