package digest_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The -update flag rewrites golden files. It is looked up rather than
// declared outright so that other test files of this package may declare
// the same flag without a "flag redefined" panic: package-level vars and
// the internal test package initialise before this init runs.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata golden files")
	}
}

func renderUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// renderJoinParts lays parts out for a golden file, one banner per part with
// its rune count, so a reviewer sees the split and the sizes.
func renderJoinParts(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		fmt.Fprintf(&b, "----- part %d/%d: %d runes -----\n%s\n", i+1, len(parts), utf8.RuneCountInString(p), p)
	}
	return b.String()
}

// renderCheckGolden compares got with testdata/golden/NAME.golden.
func renderCheckGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if renderUpdating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s: %v (run go test -tags sqlite_fts5 ./digest -run %s -update)", path, err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file (rerun with -update to accept)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
