package card

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const debianFont = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

func TestLoadNoFont(t *testing.T) {
	empty := t.TempDir()
	latinOnly := t.TempDir()
	if err := os.WriteFile(filepath.Join(latinOnly, "DejaVuSans.ttf"), []byte("not a CJK font"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dirs := range [][]string{{empty}, {latinOnly, filepath.Join(empty, "missing")}, nil} {
		t.Run(strings.Join(dirs, ","), func(t *testing.T) {
			r, err := LoadFrom(dirs)
			if err == nil {
				t.Fatalf("LoadFrom found %s", r.FontPath())
			}
			msg := err.Error()
			for _, want := range []string{"Noto Sans CJK", "fonts-noto-cjk", "--font"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	if _, err := os.Stat(debianFont); err != nil {
		if os.Getenv("WXDIGEST_TEST_REQUIRE_FONT") == "" {
			t.Skipf("%v: install fonts-noto-cjk to run this test (.ci/run does, and requires it)", err)
		}
		t.Fatalf("%v: install fonts-noto-cjk (.ci/run does)", err)
	}
	// A font dir with the collection linked under a subfolder, as a
	// user's ~/.fonts might be.
	linked := t.TempDir()
	if err := os.MkdirAll(filepath.Join(linked, "noto"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"} {
		if err := os.Symlink(filepath.Join(filepath.Dir(debianFont), n), filepath.Join(linked, "noto", n)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		load func() (*Renderer, error)
		path string
	}{
		{"system search", func() (*Renderer, error) { return Load("") }, ""},
		{"explicit .ttc", func() (*Renderer, error) { return Load(debianFont) }, debianFont},
		{"search under a given dir", func() (*Renderer, error) { return LoadFrom([]string{linked}) }, filepath.Join(linked, "noto", "NotoSansCJK-Regular.ttc")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.load()
			if err != nil {
				t.Fatal(err)
			}
			if r.FontName() != "Noto Sans CJK SC" {
				t.Errorf("FontName = %q, want the SC face", r.FontName())
			}
			if tt.path != "" && r.FontPath() != tt.path {
				t.Errorf("FontPath = %q, want %q", r.FontPath(), tt.path)
			}
			if r.bold == r.regular {
				t.Errorf("the Bold file next to %s was not used", r.FontPath())
			}
		})
	}
	t.Run("not a font", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.ttf")
		if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%s) = %v, want an error naming the file", p, err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := Load(filepath.Join(t.TempDir(), "none.otf")); err == nil {
			t.Error("Load of a missing file succeeded")
		}
	})
}
