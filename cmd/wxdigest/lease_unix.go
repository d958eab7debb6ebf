//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processGone reports whether pid on this host no longer runs wxdigest:
// no such process, a zombie waiting to be reaped, or a pid reused by some
// other program. Anything it cannot tell counts as alive, so a running
// bot is never pushed out.
func processGone(pid int) (bool, string) {
	if pid <= 0 || pid == os.Getpid() {
		return false, ""
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true, fmt.Sprintf("process %d is gone", pid)
	}
	dir := "/proc/" + strconv.Itoa(pid)
	if stat, err := os.ReadFile(dir + "/stat"); err == nil {
		// pid (comm) STATE …: comm may hold spaces and parentheses.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return true, fmt.Sprintf("process %d has exited", pid)
		}
	}
	if cmdline, err := os.ReadFile(dir + "/cmdline"); err == nil && len(cmdline) > 0 &&
		!strings.Contains(string(cmdline), "wxdigest") {
		return true, fmt.Sprintf("process %d is no longer wxdigest", pid)
	}
	return false, ""
}
