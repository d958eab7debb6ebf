package wecom_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wecom"
)

func TestBadResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"html", 200, "<html><body>portal</body></html>", "not JSON"},
		{"truncated", 200, `{"errcode":0,"errm`, "not JSON"},
		{"empty", 200, "", "empty response"},
		{"no errcode", 200, `{"ok":true}`, "no errcode"},
		{"wrong shape", 200, `{"errcode":"zero"}`, "unexpected response shape"},
		{"array", 200, `[1,2]`, "unexpected response shape"},
		{"server error", 502, `{"errcode":0}`, "HTTP 502"},
		{"too large", 200, `{"errcode":0,"errmsg":"` + strings.Repeat("x", 1<<20) + `"}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			r := newRobot(t, srv.URL)
			err := r.Text(context.Background(), "x")
			if !errors.Is(err, bot.ErrNetwork) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), testKey) {
				t.Fatalf("error %q", err)
			}
		})
	}
}

func TestAPIErrorMapping(t *testing.T) {
	tests := []struct {
		code int
		want error
	}{
		{45009, bot.ErrRateLimited},
		{45033, bot.ErrRateLimited},
		{93000, bot.ErrRejected},
		{93004, bot.ErrRejected},
		{40001, bot.ErrRejected},
		{40013, bot.ErrRejected},
		{40091, bot.ErrRejected},
		{48002, bot.ErrRejected},
		{41048, wecom.ErrQuota},
		{-1, bot.ErrNetwork},
		{40058, nil},
	}
	for _, tt := range tests {
		err := error(&wecom.APIError{API: "x", Code: tt.code, Msg: "m"})
		if tt.want == nil {
			if errors.Unwrap(err) != nil {
				t.Errorf("%d maps to %v, want nothing", tt.code, errors.Unwrap(err))
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%d does not map to %v", tt.code, tt.want)
		}
	}
}
