// Command wxdigest keeps a district paper's articles in SQLite, turns each
// day's items into a digest of their lead sentences and serves it to WeChat
// groups. See README.md for the commands.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "time/tzdata" // the product runs in Asia/Shanghai whatever the host's zone database holds
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, reachable from tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{
		stdin:  os.Stdin,
		stdout: stdout,
		stderr: stderr,
		getenv: os.Getenv,
		now:    time.Now,
	}
	return a.main(ctx, args)
}
