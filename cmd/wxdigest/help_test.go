package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestHelpEverywhere: every command answers --help (and help CMD) with its
// usage, every flag and the WXDIGEST_* variables it reads, exit 0; groups
// list their verbs, and each verb answers --help too.
func TestHelpEverywhere(t *testing.T) {
	ta := newTestApp(t)
	groups := map[string][]string{
		"sub": {"add", "list", "remove"}, "role": {"grant", "list", "revoke"}, "channel": {"add", "list", "remove"},
		"source": {"add", "list", "remove", "fetch", "enable", "disable"}, "articles": {"list", "edit", "delete"},
		"user": {"add", "list", "remove", "passwd"}, "token": {"create", "list", "revoke"},
	}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
				r := ta.run("", args...)
				if r.code != exitOK || r.stderr != "" {
					t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
				}
				if !strings.HasPrefix(r.stdout, "usage: wxdigest "+c.name) || !strings.Contains(r.stdout, "environment: ") {
					t.Fatalf("%v printed:\n%s", args, r.stdout)
				}
			}
			verbs, group := groups[c.name]
			r := ta.run("", c.name, "--help")
			if group != strings.Contains(r.stdout, "verbs: ") {
				t.Fatalf("%s --help lists verbs = %v, want %v:\n%s", c.name, !group, group, r.stdout)
			}
			for _, v := range verbs {
				r := ta.run("", c.name, v, "--help")
				if r.code != exitOK || !strings.HasPrefix(r.stdout, "usage: wxdigest "+c.name+" "+v) || !strings.Contains(r.stdout, "flags:") {
					t.Fatalf("%s %s --help: exit %d\n%s%s", c.name, v, r.code, r.stdout, r.stderr)
				}
			}
		})
	}
	// Flags with their defaults, and the variables a command reads.
	r := ta.run("", "run", "--help")
	for _, want := range []string{"--alert-channel", "--no-wechat", "--min-gap duration", "(default 3s)", "--per-minute int",
		"(default 20)", "WXDIGEST_DB", "WXDIGEST_ALERT_CHANNEL", "WXDIGEST_WECHAT_SERVER", "WXDIGEST_LOG_LEVEL"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help lacks %q:\n%s", want, r.stdout)
		}
	}
	// A bad flag is still one line on stderr, not the help.
	if r := ta.run("", "digest", "--no-such-flag"); r.code != exitUsage || r.stdout != "" || strings.Contains(r.stderr, "flags:") {
		t.Errorf("a bad flag: %+v", r)
	}
	if r := ta.run("", "help"); r.code != exitOK || !strings.Contains(r.stdout, "usage: wxdigest COMMAND") {
		t.Errorf("help: %+v", r)
	}
}

func TestVersion(t *testing.T) {
	r := newTestApp(t).run("", "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "wxdigest ") || !strings.Contains(r.stdout, "commit ") ||
		!strings.Contains(r.stdout, runtime.Version()) {
		t.Fatalf("version: %+v", r)
	}
}
