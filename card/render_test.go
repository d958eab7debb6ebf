package card

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wxdigest/wxdigest/digest"
)

var update = flag.Bool("update", false, "write testdata/golden/<font>.sha256 for the font in use")

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	if len(b) > MaxBytes {
		t.Errorf("PNG is %d bytes, more than %d", len(b), MaxBytes)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func TestRenderSampleDay(t *testing.T) {
	r := sampleRenderer(t)
	full := FromDigest(sampleDigest(t))
	if len(full) != 1 {
		t.Fatalf("sample day gave %d cards", len(full))
	}
	one := full[0]
	one.Items = one.Items[:1]
	split := full[0]
	split.Part, split.Parts = 1, 2
	noFooter := full[0]
	noFooter.Footer = ""

	heights := map[string]int{}
	tests := []struct {
		name string
		card Card
	}{
		{"whole day", full[0]},
		{"one item", one},
		{"part of two", split},
		{"no footer", noFooter},
		{"empty day", Card{Date: "2023-03-01", Items: []Item{}}},
		{"long source and odd text", Card{Date: "2024-02-29", Source: "中原区融媒体中心 Zhongyuan District News Center 新闻",
			Items: []Item{{N: 128, Title: "", Lead: "https://example.com/a/very/long/path/that/cannot/be/broken/at/all/anywhere/really 😀 éà"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := r.Render(tt.card)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			bd := img.Bounds()
			if bd.Dx() != 1080 {
				t.Errorf("width %d, want 1080", bd.Dx())
			}
			if bd.Dy() < 400 || bd.Dy() > MaxHeight {
				t.Errorf("height %d", bd.Dy())
			}
			heights[tt.name] = bd.Dy()
			t.Logf("%dx%d, %d bytes", bd.Dx(), bd.Dy(), len(b))
		})
	}
	if heights["one item"] >= heights["whole day"] || heights["no footer"] >= heights["whole day"] {
		t.Errorf("height does not grow with content: %v", heights)
	}
}

func TestRenderForty(t *testing.T) {
	r := sampleRenderer(t)
	cards := FromDigest(manyDigest(40, 120))
	for _, c := range []Card{cards[0], cards[len(cards)-1]} { // the others are alike
		t.Run(c.Marshal()[:40], func(t *testing.T) {
			b, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b)
		})
	}
}

// denseDigest has leads of characters picked at random (fixed seed) from
// the whole CJK block: the least compressible text a card can carry.
func denseDigest(n, leadRunes int) digest.Digest {
	d := manyDigest(n, 10)
	seed := uint32(1)
	for i := range d.Items {
		var b strings.Builder
		for range leadRunes {
			seed = seed*1664525 + 1013904223
			b.WriteRune(rune(0x4E00 + seed>>8%20000))
		}
		d.Items[i].Lead = b.String()
	}
	return d
}

func TestRenderDenseStaysSmall(t *testing.T) {
	r := sampleRenderer(t)
	long := denseDigest(1, 20000)
	long.Items[0].Article.Title = denseDigest(1, 1000).Items[0].Lead
	cards := append(FromDigest(denseDigest(16, digest.DefaultLeadBudget)), FromDigest(long)...)
	for _, c := range cards {
		t.Run(strconv.Itoa(c.Items[0].N)+"/"+strconv.Itoa(c.Part), func(t *testing.T) {
			b, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			t.Logf("%d items, %dx%d, %d bytes", len(c.Items), img.Bounds().Dx(), img.Bounds().Dy(), len(b))
		})
	}
}

func TestRenderRejects(t *testing.T) {
	r := sampleRenderer(t)
	small, err := Load(r.FontPath())
	if err != nil {
		t.Fatal(err)
	}
	small.maxBytes = 50 << 10
	huge := Card{Date: "2023-02-13"}
	for i := 1; i <= 400; i++ {
		huge.Items = append(huge.Items, Item{N: i, Title: "标题", Lead: "导语"})
	}
	tests := []struct {
		name string
		card Card
		want string
	}{
		{"bad date", Card{Date: "13/02/2023"}, "bad date"},
		{"bad part", Card{Date: "2023-02-13", Part: 2, Parts: 1}, "bad part"},
		{"too tall", huge, "taller than"},
		{"too many bytes", FromDigest(sampleDigest(t))[0], "more than 51200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := small.Render(tt.card); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestRenderConcurrent renders from several goroutines at once; every
// result must be the same picture (the race detector watches the caches).
func TestRenderConcurrent(t *testing.T) {
	r := sampleRenderer(t)
	c := FromDigest(sampleDigest(t))[0]
	want, err := r.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	errs := make([]error, len(got))
	for i := range got {
		wg.Go(func() { got[i], errs[i] = r.Render(c) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !bytes.Equal(got[i], want) {
			t.Errorf("goroutine %d: %v, same picture: %v", i, errs[i], bytes.Equal(got[i], want))
		}
	}
}

// TestGolden pins the sample day's picture per font file: a change in
// layout or drawing shows up here. A font without a golden file fails, so
// taking a new font is a conscious step (-update).
func TestGolden(t *testing.T) {
	r := sampleRenderer(t)
	f, err := os.Open(r.FontPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	fontID := hex.EncodeToString(h.Sum(nil))[:12]
	golden := filepath.Join("testdata", "golden", fontID+".sha256")

	b, err := r.Render(FromDigest(sampleDigest(t))[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:])
	if *update {
		if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s for %s (%s)", golden, r.FontPath(), r.FontName())
		return
	}
	want, err := os.ReadFile(golden)
	if os.IsNotExist(err) {
		t.Fatalf("no golden picture for font %s (%s, sha256 %s…): check a rendered card by eye, then run go test -run TestGolden ./card/ -update", r.FontPath(), r.FontName(), fontID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != got {
		out := filepath.Join(t.TempDir(), "sample.png")
		_ = os.WriteFile(out, b, 0o644)
		t.Errorf("sample card changed with font %s: sha256 %s, golden %s says %s; if the change is intended, look at the picture and run with -update", fontID, got, golden, strings.TrimSpace(string(want)))
	}
}

func BenchmarkRenderSampleDay(b *testing.B) {
	r := sampleRenderer(b)
	c := FromDigest(sampleDigest(b))[0]
	if _, err := r.Render(c); err != nil { // fonts parsed, faces pooled
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(c); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/n, "ms/card")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20)/n, "MB/card")
}
