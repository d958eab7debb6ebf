package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployUnit: the systemd unit in deploy/ passes systemd-analyze
// verify (where systemd is installed), with the binary it names pointed at
// this test binary, and keeps the settings the README promises.
func TestDeployUnit(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "wxdigest.service"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(unit)
	for _, want := range []string{"Restart=on-failure", "User=wxdigest", "StateDirectory=wxdigest",
		"WorkingDirectory=/var/lib/wxdigest", "EnvironmentFile=/etc/wxdigest/wxdigest.env", "ExecStart=/usr/local/bin/wxdigest run"} {
		if !strings.Contains(text, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	env, err := os.ReadFile(filepath.Join("..", "..", "deploy", "wxdigest.env"))
	if err != nil || !strings.Contains(string(env), "WXDIGEST_DB=/var/lib/wxdigest/wxdigest.db") {
		t.Errorf("deploy/wxdigest.env: %v", err)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed here; the unit's settings were checked above")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text = strings.ReplaceAll(text, "/usr/local/bin/wxdigest", exe)
	text = strings.ReplaceAll(text, "EnvironmentFile=/etc/wxdigest/wxdigest.env", "EnvironmentFile=-"+filepath.Join(dir, "wxdigest.env"))
	path := filepath.Join(dir, "wxdigest.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
