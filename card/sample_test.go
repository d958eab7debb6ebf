package card

import (
	"os"
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

// sampleRenderer loads the system font. Without one the drawing tests are
// skipped, saying what to install — except where WXDIGEST_TEST_REQUIRE_FONT
// is set (.ci/run sets it, after installing fonts-noto-cjk), so CI always
// draws.
func sampleRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := Load("")
	if err != nil {
		if os.Getenv("WXDIGEST_TEST_REQUIRE_FONT") == "" {
			t.Skipf("no CJK font here (%v); install fonts-noto-cjk to run the drawing tests", err)
		}
		t.Fatal(err)
	}
	return r
}
