package digest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func gbkEncoder() interface{ Bytes([]byte) ([]byte, error) } {
	return simplifiedchinese.GBK.NewEncoder()
}

func mustEncode(t testing.TB, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func TestDecodeText(t *testing.T) {
	const page = "中原区举办培训会 提高能力\n\n本报讯 2月7日,中原区举办研发费用入统业务培训会。\n记者 鲁燕\n"
	crlf := strings.ReplaceAll(page, "\n", "\r\n")
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	highRandom := make([]byte, 4096) // no control bytes: only the GB18030 path can judge it
	for i := range highRandom {
		highRandom[i] = byte(0x80 + rng.UintN(128))
	}
	pngLike := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 3}, 100)...)
	oneBadByte := append([]byte(page), 0xE4, 0xB8) // a copy cut in mid-character
	for range 5 {
		oneBadByte = append(oneBadByte, []byte(page)...)
	}

	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr error
	}{
		{"UTF-8", []byte(page), page, nil},
		{"UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, page...), page, nil},
		{"CRLF becomes LF", []byte(crlf), page, nil},
		{"lone CR becomes LF", []byte(strings.ReplaceAll(page, "\n", "\r")), page, nil},
		{"GBK", mustEncode(t, simplifiedchinese.GBK.NewEncoder(), page), page, nil},
		{"GBK with CRLF", mustEncode(t, simplifiedchinese.GBK.NewEncoder(), crlf), page, nil},
		{"GB18030 four-byte characters", mustEncode(t, simplifiedchinese.GB18030.NewEncoder(), "𠀀字€ 本报讯。"), "𠀀字€ 本报讯。", nil},
		{"UTF-16LE with BOM", mustEncode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), page), page, nil},
		{"UTF-16BE with BOM", mustEncode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), page), page, nil},
		{"full-width spaces kept", []byte("　　本报讯 近日。"), "　　本报讯 近日。", nil},
		{"UTF-8 with one cut character", oneBadByte, "", nil},
		{"empty", nil, "", ErrEmpty},
		{"whitespace only", []byte(" \r\n\t\n"), "", ErrEmpty},
		{"BOM only", []byte{0xEF, 0xBB, 0xBF, '\n'}, "", ErrEmpty},
		{"random bytes", random, "", ErrNotText},
		{"random high bytes", highRandom, "", ErrNotText},
		{"binary with NULs", pngLike, "", ErrNotText},
		{"control characters", []byte("ab\x01\x02\x03\x04cd"), "", ErrNotText},
		{"replacement characters", []byte(strings.Repeat("\uFFFD", 20) + "本报讯"), "", ErrNotText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeText(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("DecodeText() error = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeText() error = %v", err)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("DecodeText() = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) || strings.Contains(got, "\r") {
				t.Errorf("DecodeText() = %q: invalid UTF-8 or CR left", got)
			}
		})
	}
	t.Run("cut character is one replacement, the rest intact", func(t *testing.T) {
		got, err := DecodeText(oneBadByte)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(got, "\uFFFD"); n != 1 {
			t.Errorf("got %d replacement characters, want 1", n)
		}
		if strings.Count(got, "本报讯") != 6 {
			t.Errorf("text garbled: %q", got)
		}
	})
}

func TestDecodeTextSampleAsGB18030(t *testing.T) {
	raw, err := os.ReadFile("testdata/zhongyuan-page.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []struct {
		name string
		e    interface{ Bytes([]byte) ([]byte, error) }
	}{
		{"GBK", simplifiedchinese.GBK.NewEncoder()},
		{"GB18030", simplifiedchinese.GB18030.NewEncoder()},
	} {
		t.Run(enc.name, func(t *testing.T) {
			b := mustEncode(t, enc.e, string(raw))
			if utf8.Valid(b) {
				t.Fatal("encoded sample is valid UTF-8; the test would not exercise detection")
			}
			got, err := DecodeText(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(raw) {
				t.Error("decoded sample differs from the UTF-8 original")
			}
		})
	}
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("本报讯 近日,中原区举办培训会。"))
	f.Add([]byte{0xEF, 0xBB, 0xBF, 'a', '\r', '\n'})
	f.Add([]byte{0xFF, 0xFE, 'a', 0, 0xD8, 0x00})
	f.Add([]byte{0xB1, 0xBE, 0xB1, 0xA8, 0xD1, 0xB6}) // 本报讯 in GBK
	f.Add([]byte{0x81, 0x30, 0x81, 0x30, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeText(b)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotText) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if s != "" {
				t.Fatalf("text %q returned with error", s)
			}
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 out: %q", s)
		}
		if strings.Contains(s, "\r") {
			t.Fatalf("CR left: %q", s)
		}
		if strings.TrimSpace(s) == "" {
			t.Fatalf("blank text accepted: %q", s)
		}
	})
}
