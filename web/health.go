package web

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout bounds the store's answer to /healthz.
const healthTimeout = 3 * time.Second

// HealthJSON is /healthz: no secrets, no error texts.
type HealthJSON struct {
	Status   string            `json:"status"` // "ok", or "degraded": a channel is not up, or (with 503) the store does not answer
	Store    string            `json:"store"`  // "ok" or "unreachable"
	Channels map[string]string `json:"channels"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	h := HealthJSON{Status: "ok", Store: "ok", Channels: s.cfg.Health.ChannelStates(ctx)}
	if h.Channels == nil {
		h.Channels = map[string]string{}
	}
	for _, st := range h.Channels {
		if st != ChannelUp {
			h.Status = "degraded"
		}
	}
	code := http.StatusOK
	if err := s.cfg.Health.Ping(ctx); err != nil {
		s.log.Warn("web: health: store", "err", err)
		h.Status, h.Store, code = "degraded", "unreachable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		s.fail(w, r, http.StatusNotFound, "没有启用指标", "metrics not enabled")
		return
	}
	s.cfg.Metrics.Handler().ServeHTTP(w, r)
}
