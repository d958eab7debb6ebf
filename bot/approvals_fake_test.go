package bot

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// MemApprovals keeps approvals in memory, as the stores do: the
// ApprovalStore of the dispatcher's and the router's tests (exported for
// the package's external tests).
type MemApprovals struct {
	mu sync.Mutex
	as []model.Approval
}

func (m *MemApprovals) Approval(_ context.Context, subID int64, slot time.Time) (model.Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.as {
		if a.SubscriptionID == subID && a.Slot.Equal(slot) {
			return a, nil
		}
	}
	return model.Approval{}, model.ErrNotFound
}

func (m *MemApprovals) PutApproval(_ context.Context, a model.Approval) (model.Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.Slot = a.Slot.UTC()
	for i, o := range m.as {
		if o.SubscriptionID == a.SubscriptionID && o.Slot.Equal(a.Slot) {
			a.ID = o.ID
			m.as[i] = a
			return a, nil
		}
	}
	a.ID = int64(len(m.as) + 1)
	m.as = append(m.as, a)
	return a, nil
}

func (m *MemApprovals) Approvals(_ context.Context, since time.Time) ([]model.Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.Approval
	for _, a := range m.as {
		if !a.Slot.Before(since) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *MemApprovals) Only(t *testing.T) model.Approval {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.as) != 1 {
		t.Fatalf("%d approvals, want 1: %+v", len(m.as), m.as)
	}
	return m.as[0]
}

func (m *MemApprovals) Approve(t *testing.T, by string) {
	t.Helper()
	a := m.Only(t)
	a.State, a.By, a.At = model.ApprovalApproved, by, time.Now()
	if _, err := m.PutApproval(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

// Get is the i-th approval kept.
func (m *MemApprovals) Get(i int) model.Approval {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.as[i]
}
