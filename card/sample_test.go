package card

import (
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/digest"
)

// sampleDigest is the bundled sample page composed as the bot composes a
// day (bot.ComposeDay), built here from digest alone.
func sampleDigest(t testing.TB) digest.Digest {
	t.Helper()
	arts, err := digest.ParsePage(digest.SamplePage)
	if err != nil {
		t.Fatalf("ParsePage: %v", err)
	}
	day := time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC)
	return digest.Compose(day, arts, digest.Options{Source: "中原区新闻"})
}

// sampleRenderer loads the system font; the tests need it (.ci/run
// installs fonts-noto-cjk).
func sampleRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}
