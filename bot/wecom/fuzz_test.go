package wecom

import (
	"strings"
	"testing"
)

// FuzzDecode: whatever a server answers, decode returns nil or a one-line
// error, never a panic, and never echoes a credential.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"errcode":0,"errmsg":"ok","access_token":"tok","expires_in":7200}`,
		`{"errcode":45009,"errmsg":"api freq out of limit\nhint: SECRETKEY1234"}`,
		`{"errcode":0,"msgid":"m","fail_list":["a"]}`,
		`{"errcode":0,"task_list":[{"userid":"u","status":2,"send_time":1}]}`,
		`<html>`, `{"errcode":`, ``, `null`, `[]`, `{"errcode":1e40}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out struct {
			status
			AccessToken string `json:"access_token"`
			ExpiresIn   int64  `json:"expires_in"`
			TaskList    []struct {
				Status int `json:"status"`
			} `json:"task_list"`
		}
		err := decode("fuzz", data, &out, []string{"SECRETKEY1234"})
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r") || strings.Contains(msg, "SECRETKEY1234") {
			t.Fatalf("bad error %q", msg)
		}
	})
}
