package card

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// fontWanted names the font in messages.
const fontWanted = "Noto Sans CJK SC"

// fontCandidates are the regular-weight files searched for, best first
// (compared without case). The bold file is the same name with "Bold".
func fontCandidates() []string {
	return []string{
		"NotoSansCJK-Regular.ttc",     // Debian/Ubuntu fonts-noto-cjk, Fedora, Arch
		"NotoSansCJKsc-Regular.otf",   // Adobe/Google release, per region
		"NotoSansSC-Regular.otf",      // subset release
		"NotoSansSC-Regular.ttf",      // Google Fonts
		"NotoSansCJK-Regular.otc",     // some distributions name collections .otc
		"SourceHanSansSC-Regular.otf", // Adobe's name for the same design
		"SourceHanSansCN-Regular.otf",
		"SourceHanSans-Regular.ttc",
		"SourceHanSans-Regular.otc",
	}
}

// searchDepth bounds how deep under a font directory the search looks, so
// a home directory with many subfolders stays quick.
const searchDepth = 4

// fontDirs are the usual font directories on Linux and macOS.
func fontDirs() []string {
	dirs := []string{"/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts"}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		dirs = append(dirs,
			filepath.Join(home, ".local/share/fonts"),
			filepath.Join(home, ".fonts"),
			filepath.Join(home, "Library/Fonts"))
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		dirs = append(dirs, filepath.Join(x, "fonts"))
	}
	return dirs
}

// Renderer holds the parsed faces. It is safe for concurrent use: the
// fonts are read-only and each Render takes its own faces, glyph cache and
// buffers from a pool.
//
// The font files stay open and are read as glyphs are needed rather than
// loaded whole: the Noto collections are 20 MB each, which would more than
// double a running bot's memory, and a day's cards use a few hundred
// glyphs.
type Renderer struct {
	regular, bold *sfnt.Font
	name          string
	path          string // the regular font file
	files         []*os.File
	palette       palette
	states        sync.Pool // of *renderState
	encoders      encoderPool
	maxBytes      int // MaxBytes; tests lower it
}

// Load finds and parses the font. An empty path searches the usual font
// directories for Noto Sans CJK (or Source Han Sans); a path may be a
// .ttf, .otf, .ttc or .otc file. A Bold file next to the regular one is
// used for titles when present.
func Load(path string) (*Renderer, error) {
	if path == "" {
		return LoadFrom(fontDirs())
	}
	return loadFile(path)
}

// LoadFrom searches dirs (and their subdirectories) for the font, as
// Load("") does with the usual directories.
func LoadFrom(dirs []string) (*Renderer, error) {
	if p := findFont(dirs); p != "" {
		return loadFile(p)
	}
	where := strings.Join(dirs, ", ")
	if where == "" {
		where = "no directory"
	}
	return nil, fmt.Errorf("card: no Chinese font: %s (%s) not found under %s; install the package fonts-noto-cjk (apt-get install fonts-noto-cjk) or pass --font with the path of a CJK .ttc/.otf/.ttf file",
		fontWanted, fontCandidates()[0], where)
}

// findFont returns the best candidate under dirs, or "".
func findFont(dirs []string) string {
	names := fontCandidates()
	best, bestRank := "", len(names)
	for _, dir := range dirs {
		root := filepath.Clean(dir)
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable or missing: look elsewhere
			}
			if d.IsDir() {
				if p != root && strings.Count(p[len(root):], string(filepath.Separator)) >= searchDepth {
					return filepath.SkipDir
				}
				return nil
			}
			for i := 0; i < bestRank; i++ {
				if strings.EqualFold(d.Name(), names[i]) {
					best, bestRank = p, i
					break
				}
			}
			return nil
		})
		if bestRank == 0 {
			break
		}
	}
	return best
}

// boldSibling is the Bold file next to a Regular one, or "".
func boldSibling(path string) string {
	dir, base := filepath.Split(path)
	i := strings.Index(strings.ToLower(base), "regular")
	if i < 0 {
		return ""
	}
	for _, b := range []string{"Bold", "bold", "BOLD"} {
		p := filepath.Join(dir, base[:i]+b+base[i+len("regular"):])
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func loadFile(path string) (*Renderer, error) {
	regular, name, file, err := parseFontFile(path)
	if err != nil {
		return nil, err
	}
	r := &Renderer{regular: regular, bold: regular, name: name, path: path, files: []*os.File{file}, palette: newPalette(), maxBytes: MaxBytes}
	if bp := boldSibling(path); bp != "" {
		if bold, _, file, err := parseFontFile(bp); err == nil {
			r.bold = bold
			r.files = append(r.files, file)
		}
	}
	return r, nil
}

// parseFontFile opens a font file and picks its Simplified Chinese face.
// The file stays open for the face to read from.
func parseFontFile(path string) (*sfnt.Font, string, *os.File, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("card: font: %w", err)
	}
	c, err := sfnt.ParseCollectionReaderAt(file) // also takes a single-font file
	if err == nil {
		var f *sfnt.Font
		var name string
		if f, name, err = pickSC(c); err == nil {
			return f, name, file, nil
		}
	}
	file.Close()
	return nil, "", nil, fmt.Errorf("card: font %s: %v", path, err)
}

// Close releases the font files. Rendering after Close fails.
func (r *Renderer) Close() error {
	var errs []error
	for _, f := range r.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// scProbe are characters only a font for Simplified Chinese is sure to
// have; a Latin-only face fails on them.
const scProbe = "这说们国发区时门"

// pickSC chooses the face for Simplified Chinese: by name ("… SC",
// "… CN", proportional before Mono), else the first face with the
// probe characters.
func pickSC(c *sfnt.Collection) (*sfnt.Font, string, error) {
	var buf sfnt.Buffer
	var fallback *sfnt.Font
	fallbackName := ""
	for i := 0; i < c.NumFonts(); i++ {
		f, err := c.Font(i)
		if err != nil {
			continue
		}
		name := familyName(f, &buf)
		if !covers(f, &buf, scProbe) {
			continue
		}
		fields := strings.Fields(name)
		sc := false
		for _, w := range fields {
			if w == "SC" || w == "CN" {
				sc = true
			}
		}
		mono := strings.Contains(name, "Mono")
		if sc && !mono {
			return f, name, nil
		}
		if fallback == nil || (sc && !strings.Contains(fallbackName, "SC")) {
			fallback, fallbackName = f, name
		}
	}
	if fallback == nil {
		return nil, "", errors.New("no face covers Simplified Chinese")
	}
	return fallback, fallbackName, nil
}

func familyName(f *sfnt.Font, buf *sfnt.Buffer) string {
	for _, id := range []sfnt.NameID{sfnt.NameIDTypographicFamily, sfnt.NameIDFamily} {
		if s, err := f.Name(buf, id); err == nil && s != "" {
			return s
		}
	}
	return "unnamed font"
}

func covers(f *sfnt.Font, buf *sfnt.Buffer, s string) bool {
	for _, r := range s {
		if x, err := f.GlyphIndex(buf, r); err != nil || x == 0 {
			return false
		}
	}
	return true
}

// FontName is the family of the face in use, e.g. "Noto Sans CJK SC".
func (r *Renderer) FontName() string { return r.name }

// FontPath is the regular font file in use.
func (r *Renderer) FontPath() string { return r.path }
