package data_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/data"
)

// TakeLease takes a lease from a holder known to be gone, before it
// expires, only while that holder still has it; Lease reads it.
func TestTakeLease(t *testing.T) {
	ctx := context.Background()
	clock := newBTClock()
	s := btOpen(t, "", clock)
	if _, _, err := s.Lease(ctx, "bot"); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("Lease of nobody: %v", err)
	}
	if ok, _, err := s.AcquireLease(ctx, "bot", "host pid 1 (a)", 45*time.Second); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	holder, until, err := s.Lease(ctx, "bot")
	if err != nil || holder != "host pid 1 (a)" || !until.Equal(clock.Now().Add(45*time.Second)) {
		t.Fatalf("Lease = %q %v %v", holder, until, err)
	}
	// A third party is not the holder: nothing changes.
	if ok, err := s.TakeLease(ctx, "bot", "host pid 3 (c)", "host pid 2 (b)", 45*time.Second); ok || err != nil {
		t.Fatalf("take from the wrong holder: %v %v", ok, err)
	}
	clock.Advance(time.Second)
	if ok, err := s.TakeLease(ctx, "bot", "host pid 2 (b)", "host pid 1 (a)", 45*time.Second); !ok || err != nil {
		t.Fatalf("take from the dead holder: %v %v", ok, err)
	}
	holder, until, _ = s.Lease(ctx, "bot")
	if holder != "host pid 2 (b)" || !until.Equal(clock.Now().Add(45*time.Second)) {
		t.Fatalf("after taking: %q until %v", holder, until)
	}
	// The dead holder cannot renew any more; the new one can.
	if ok, cur, _ := s.AcquireLease(ctx, "bot", "host pid 1 (a)", 45*time.Second); ok || cur != "host pid 2 (b)" {
		t.Fatalf("old holder renewed: %v %q", ok, cur)
	}
	if ok, err := s.TakeLease(ctx, "bot", "host pid 4 (d)", "host pid 1 (a)", 45*time.Second); ok || err != nil {
		t.Fatalf("a second take from the same dead holder: %v %v", ok, err)
	}
}
