//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

func TestHolderGone(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name")
	}
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	for _, c := range []struct {
		name, holder string
		gone         bool
	}{
		{"exited process", fmt.Sprintf("%s pid %d (0a1b2c3d)", host, done.Process.Pid), true},
		{"pid running something else", fmt.Sprintf("%s pid %d (0a1b2c3d)", host, other.Process.Pid), true},
		{"this process (a wxdigest)", fmt.Sprintf("%s pid %d (0a1b2c3d)", host, os.Getpid()), false},
		{"another host", fmt.Sprintf("%s-elsewhere pid %d (0a1b2c3d)", host, done.Process.Pid), false},
		{"not ours", "someone else", false},
		{"no pid", host + " pid x (00)", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if gone, why := holderGone(c.holder); gone != c.gone {
				t.Fatalf("holderGone(%q) = %v (%s), want %v", c.holder, gone, why, c.gone)
			}
		})
	}
}
