package data

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBotQueryPlans checks that the ledger's hot queries are served by
// their indexes: no full scan of a growing table and no sort of all its
// rows (Deliveries sorts only within a slot). The queries are the constants
// the methods run.
func TestBotQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name string
		q    string
		args []any
		want string // in the plan: the index it must use
	}{
		{"Unsent", unsentQuery, nil, "deliveries_unsent"},
		{"Deliveries", deliveriesQuery, []any{"2026"}, "deliveries_by_slot"},
		{"Delivered", deliveredQuery + ", ?)", []any{1, 2, 3}, "sqlite_autoindex_delivery_items_1"},
		{"LastSlot", lastSlotQuery, []any{1}, "sqlite_autoindex_deliveries_1"},
		{"MarkSlotMissed", missQuery, []any{1, "x"}, "SEARCH deliveries USING"},
		{"release", releaseQuery, []any{1, "x"}, "delivery_items_by_slot"},
	} {
		t.Run(c.name, func(t *testing.T) {
			all := queryPlan(t, s, c.q, c.args...)
			t.Logf("%s:\n%s", c.name, all)
			if !strings.Contains(all, c.want) {
				t.Errorf("plan does not use %s:\n%s", c.want, all)
			}
			for _, bad := range []string{"SCAN d\n", "SCAN deliveries\n", "SCAN delivery_items\n", "TEMP B-TREE FOR ORDER BY"} {
				if strings.Contains(all+"\n", bad) {
					t.Errorf("plan has %q:\n%s", strings.TrimSpace(bad), all)
				}
			}
		})
	}
}

// queryPlan returns the EXPLAIN QUERY PLAN details of q, one per line.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
