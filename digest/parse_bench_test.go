package digest

import (
	"os"
	"testing"
)

// BenchmarkParsePage measures parsing throughput on the sample page (MB/s is
// reported through SetBytes; the target is ≥ 20 MB/s on one core):
//
//	go test -tags sqlite_fts5 -run XXX -bench BenchmarkParsePage -cpu 1 ./digest/
func BenchmarkParsePage(b *testing.B) {
	raw, err := os.ReadFile("testdata/zhongyuan-page.txt")
	if err != nil {
		b.Fatal(err)
	}
	text, err := DecodeText(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePage(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeText measures decoding the sample page as UTF-8 and GBK.
func BenchmarkDecodeText(b *testing.B) {
	raw, err := os.ReadFile("testdata/zhongyuan-page.txt")
	if err != nil {
		b.Fatal(err)
	}
	gbk := mustEncode(b, gbkEncoder(), string(raw))
	for _, in := range []struct {
		name string
		b    []byte
	}{{"UTF-8", raw}, {"GBK", gbk}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.b)))
			for b.Loop() {
				if _, err := DecodeText(in.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
