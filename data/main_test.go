package data

import (
	"os"
	"testing"
)

// TestMain removes the benchmarks' shared archive after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	closeSharedArchive()
	os.Exit(code)
}
