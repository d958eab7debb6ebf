package bot

import (
	"os"
	"testing"
)

// TestMain is the package's only one: it removes the router benchmarks'
// shared archive after the run. Add other end-of-run cleanups here rather
// than declaring a second TestMain.
func TestMain(m *testing.M) {
	code := m.Run()
	rtBenchCleanup()
	os.Exit(code)
}
