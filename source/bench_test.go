package source

import (
	"bytes"
	"testing"
)

// BenchmarkExtractArticle measures extraction of the fixture pages, one page
// per op.
func BenchmarkExtractArticle(b *testing.B) {
	var pages []string
	total := 0
	for _, f := range pageFixtures {
		text, _, err := decode(readFixture(b, "pages/"+f.file), "")
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, text)
		total += len(text)
	}
	b.SetBytes(int64(total / len(pages)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := ExtractArticle(pages[i%len(pages)], "http://site.example/a.html"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/page")
}

// BenchmarkParseFeed measures a 200-item RSS feed.
func BenchmarkParseFeed(b *testing.B) {
	one := readFixture(b, "feeds/rss2.xml")
	start := bytes.Index(one, []byte("<item>"))
	end := bytes.LastIndex(one, []byte("</item>")) + len("</item>")
	items := bytes.Repeat(one[start:end], 67)
	feed := append(append(append([]byte{}, one[:start]...), items...), one[end:]...)
	b.SetBytes(int64(len(feed)))
	for b.Loop() {
		f, err := ParseFeed(feed)
		if err != nil || len(f.Items) != 201 {
			b.Fatalf("%d items, %v", len(f.Items), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/201, "µs/item")
}
