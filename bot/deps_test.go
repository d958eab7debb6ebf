package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The bot, the sources and the channels speak to storage through model's
// types and their own small interfaces: none of them links a database
// driver (the SQLite store is wired in by cmd/wxdigest).
func TestNoDriverBelowCmd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/wxdigest/wxdigest/bot/...",
		"github.com/wxdigest/wxdigest/source", "github.com/wxdigest/wxdigest/model").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/mattn/go-sqlite3" || dep == "github.com/wxdigest/wxdigest/data" {
			t.Fatalf("%s is linked below cmd", dep)
		}
	}
}
