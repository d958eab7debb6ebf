package data

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestChannelMigrationKeepsLedger upgrades a store from the schema before
// channels: subscriptions keep their ids (and the id sequence, so a removed
// subscription's id is not handed out again), become personal-WeChat text
// subscriptions, and the ledger and what each group was handed survive the
// table rebuilds with their references intact.
func TestChannelMigrationKeepsLedger(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, _ := storeBefore(t, path, "_channels.sql")
	const at = "2026-03-01T00:00:00.000000Z"
	for _, q := range []string{
		`INSERT INTO subscriptions (group_name, kind, spec, tz, weekdays, source, enabled, created_at, updated_at)
			VALUES ('幸福里业主群', 'at', '08:00', '', 1, '', 1, '` + at + `', '` + at + `')`,
		`INSERT INTO subscriptions (group_name, kind, spec, tz, weekdays, source, enabled, created_at, updated_at)
			VALUES ('和谐家园群', 'cron', '0 9 * * *', 'UTC', 0, '本报', 0, '` + at + `', '` + at + `')`,
		`INSERT INTO subscriptions (group_name, kind, spec, created_at, updated_at)
			VALUES ('已退订群', 'at', '07:00', '` + at + `', '` + at + `')`,
		`DELETE FROM subscriptions WHERE group_name = '已退订群'`,
		`INSERT INTO delivery_texts (id, hash, text) VALUES (1, x'01', '【本报】第一部分')`,
		`INSERT INTO deliveries (subscription_id, group_name, slot, part, parts, text_id, state, created_at)
			VALUES (1, '幸福里业主群', '` + at + `', 1, 1, 1, 'pending', '` + at + `')`,
		`INSERT INTO delivery_items (subscription_id, slot, article_id) VALUES (1, '` + at + `', 7)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path, Options{Now: func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	subs, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("subscriptions after the upgrade: %+v", subs)
	}
	for _, sub := range subs {
		if sub.Channel != ChannelWeChat || sub.Style != StyleText {
			t.Errorf("%s: channel %q style %q, want wechat text", sub.Group, sub.Channel, sub.Style)
		}
	}
	if subs[0].Group != "和谐家园群" || subs[0].ID != 2 || subs[0].Enabled || subs[0].Source != "本报" ||
		subs[1].Group != "幸福里业主群" || subs[1].ID != 1 || !subs[1].Weekdays {
		t.Fatalf("subscriptions changed: %+v", subs)
	}
	unsent, err := s.Unsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(unsent) != 1 || unsent[0].SubscriptionID != 1 || unsent[0].Channel != ChannelWeChat ||
		unsent[0].Kind != PartText || unsent[0].Text != "【本报】第一部分" {
		t.Fatalf("unsent after the upgrade: %+v", unsent)
	}
	got, err := s.Delivered(ctx, 1, []int64{7})
	if err != nil || !got[7] {
		t.Fatalf("Delivered after the upgrade = %v, %v", got, err)
	}
	// The sequence carried over: id 3 was used once and stays retired.
	sub, err := s.PutSubscription(ctx, Subscription{Group: "新群", Kind: ScheduleAt, Spec: "08:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID != 4 {
		t.Fatalf("new subscription id %d, want 4 (3 was used before the upgrade)", sub.ID)
	}
	// Foreign keys are on again and point at the rebuilt table: removing
	// the subscription unlinks its ledger rows and drops its items.
	if err := s.RemoveSubscription(ctx, "幸福里业主群"); err != nil {
		t.Fatal(err)
	}
	var items, linked int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM delivery_items`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE subscription_id IS NOT NULL`).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	if items != 0 || linked != 0 {
		t.Fatalf("after removing the subscription: %d items, %d linked deliveries; want 0, 0", items, linked)
	}
}
