package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/wxdigest/wxdigest/internal/pgtest"
)

// Environment of a child process: the test binary re-executed as wxdigest
// itself, so a test can kill -9 a real `wxdigest run` and measure its memory.
const (
	envChild     = "WXDIGEST_E2E_CHILD" // "1" in the child
	envChildArgs = "WXDIGEST_E2E_ARGS"  // the command line, as a JSON array
)

// TestMain runs the tests, or, in a child, the program.
func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(childMain())
	}
	os.Exit(pgtest.Main(m)) // m.Run, then stop the throwaway PostgreSQL if a test started one
}

// childMain is main() with its arguments taken from the environment (the
// test binary's own flags would be parsed by the testing package).
func childMain() int {
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(envChildArgs)), &args); err != nil {
		fmt.Fprintf(os.Stderr, "wxdigest e2e child: %s: %v\n", envChildArgs, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr)
}
