package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/pgtest"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
)

// migrateQueries are searched on both stores after a migration: common
// and rare words, a corrected title's new word, the withdrawn item's, a
// fetched article's, a three-character run, ASCII.
var migrateQueries = []string{"项目", "好少年", "新时代好少年", "区", "复工", "重点项目", "工作", "撤下的稿件",
	"更正后的标题", "采集", "GDP", "中原区", "调研", "的"}

// TestMigrate: a SQLite store with rows in every copied table arrives in
// PostgreSQL whole (ids, states, tombstones, search), a second run copies
// and changes nothing, the sequences are past SQLite's ids, and every
// refusal is one clear line.
func TestMigrate(t *testing.T) {
	ctx := t.Context()
	ta := newTestApp(t)
	dbPath := ta.env["WXDIGEST_DB"]
	fill := fillStore(t, ta)

	pgURL := pgtest.URL(t)
	r := ta.run("", "migrate", "--from", dbPath, "--to", pgURL)
	if r.code != exitOK {
		t.Fatalf("migrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("first run:\n%s", r.stdout)
	counts := parseCounts(t, r.stdout)
	for _, tbl := range migrateTables {
		c, ok := counts[tbl.name]
		if !ok || c[0] == 0 || c[1] != 0 {
			t.Errorf("%s: %v copied/already there, want some copied, none there:\n%s", tbl.name, c, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "articles: ") || !strings.Contains(r.stderr, "(100%)") {
		t.Errorf("no progress on stderr:\n%s", r.stderr)
	}

	lite, err := data.Open(ctx, dbPath, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := pgstore.Open(ctx, pgURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	sameStores(t, ctx, lite, pg, fill)
	checkTablesDecided(t, ctx, pgURL, dbPath)

	// Again: nothing copied, nothing changed.
	before := pgFingerprint(t, pgURL)
	r = ta.run("", "migrate", "--from", dbPath, "--to", pgURL)
	if r.code != exitOK {
		t.Fatalf("second migrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for name, c := range parseCounts(t, r.stdout) {
		if c[0] != 0 || c[2] != 0 || (name != "total" && c[1] != counts[name][0]) {
			t.Errorf("second run, %s: %v, want 0 copied and %d already there:\n%s", name, c, counts[name][0], r.stdout)
		}
	}
	if after := pgFingerprint(t, pgURL); !reflect.DeepEqual(before, after) {
		t.Errorf("the second run changed the target:\n%s", diffMaps(before, after))
	}

	// Rows SQLite gained since are copied; one whose content the target
	// holds under another id is left out and counted.
	both := digest.Article{Source: "本报", Date: "2023-02-14", Title: "两边都导入的稿件", Body: "两边都有。"}
	if _, err := pg.ImportArticles(ctx, []digest.Article{both}); err != nil {
		t.Fatal(err)
	}
	res, err := lite.ImportArticles(ctx, []digest.Article{{Source: "本报", Date: "2023-02-14", Title: "增量稿件", Body: "后来导入的稿件。"}, both})
	if err != nil {
		t.Fatal(err)
	}
	if err := lite.Audit(ctx, model.AuditEntry{Who: "cli", Action: "import", Detail: "增量"}); err != nil {
		t.Fatal(err)
	}
	if err := lite.MarkShown(ctx, fill.subs[0], time.Date(2023, 2, 14, 1, 0, 0, 0, time.UTC), res.IDs[:1]); err != nil {
		t.Fatal(err)
	}
	r = ta.run("", "migrate", "--from", dbPath, "--to", pgURL)
	if r.code != exitOK {
		t.Fatalf("migrate of new rows: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("new rows:\n%s", r.stdout)
	again := parseCounts(t, r.stdout)
	for name, want := range map[string][3]int64{"articles": {1, counts["articles"][0], 1}, "audit": {1, counts["audit"][0], 0},
		"delivery_items": {1, counts["delivery_items"][0], 0}, "roles": {0, counts["roles"][0], 0}} {
		if again[name] != want {
			t.Errorf("new rows, %s: %v, want %v", name, again[name], want)
		}
	}
	if a, err := pg.Article(ctx, res.IDs[0]); err != nil || a.Title != "增量稿件" {
		t.Errorf("the new article on PostgreSQL: %+v, %v", a, err)
	}
	if hits, err := pg.Search(ctx, "增量", 5); err != nil || len(hits) != 1 || hits[0].Article.ID != res.IDs[0] {
		t.Errorf("search for the new article on PostgreSQL: %+v, %v", hits, err)
	}
	if d, err := pg.Delivered(ctx, fill.subs[0], res.IDs[:1]); err != nil || !d[res.IDs[0]] {
		t.Errorf("the new shown mark on PostgreSQL: %v, %v", d, err)
	}
	before = pgFingerprint(t, pgURL)

	// Another store into the same target: refused, nothing changes.
	other := newTestApp(t)
	if r := other.run("", "import", other.file("other.txt", []byte(digest.SamplePage)), "--source", "别的报"); r.code != exitOK {
		t.Fatalf("import into the other store: %+v", r)
	}
	r = other.run("", "migrate", "--from", other.env["WXDIGEST_DB"], "--to", pgURL)
	wantRefusal(t, "another store's target", r, exitFail, "already holds another store")
	if after := pgFingerprint(t, pgURL); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused run changed the target:\n%s", diffMaps(before, after))
	}

	// The sequences are past every id SQLite handed out, deleted ones too.
	res, err = pg.ImportArticles(ctx, []digest.Article{{Source: "本报", Date: "2023-02-14", Title: "迁移后的第一篇", Body: "迁移之后在 PostgreSQL 上导入。"}})
	if err != nil || res.New != 1 || res.IDs[0] <= fill.deletedArticle {
		t.Fatalf("import on PostgreSQL after the migration: %+v, %v (deleted SQLite id %d)", res, err, fill.deletedArticle)
	}
	sub, err := pg.PutSubscription(ctx, model.Subscription{Group: "迁移后新群", Kind: model.ScheduleAt, Spec: "09:00", Enabled: true})
	if err != nil || sub.ID <= fill.maxSubscription {
		t.Fatalf("subscribe on PostgreSQL after the migration: %+v, %v", sub, err)
	}
	if err := pg.Audit(ctx, model.AuditEntry{Who: "cli", Action: "test"}); err != nil {
		t.Fatalf("audit on PostgreSQL after the migration: %v", err)
	}
	if _, err := pg.QueueReply(ctx, model.QueuedReply{Channel: "wechat", TargetKind: "group", TargetName: "g", Text: "x", Created: time.Now()}); err != nil {
		t.Fatalf("queue a reply on PostgreSQL after the migration: %v", err)
	}
	if _, err := pg.RecordSlots(ctx, []model.SlotRecord{{SubscriptionID: sub.ID, Slot: time.Now().UTC(), Parts: []string{"迁移后的一条新文本"}}}); err != nil {
		t.Fatalf("record a slot on PostgreSQL after the migration: %v", err)
	}
	if _, err := pg.AddChannel(ctx, model.Channel{Name: "迁移后机器人", Kind: model.ChannelWeComRobot, URL: "http://127.0.0.1:9/x", AllowPrivate: true, Enabled: true}); err != nil {
		t.Fatalf("add a channel on PostgreSQL after the migration: %v", err)
	}
	if _, err := pg.AddSource(ctx, model.Source{Name: "迁移后来源", Kind: model.SourceFeed, URL: "http://127.0.0.1:9/f", Every: time.Hour, Enabled: true}); err != nil {
		t.Fatalf("add a source on PostgreSQL after the migration: %v", err)
	}

	// Both stores written since: the next run finds another row under a
	// copied id and refuses, changing nothing.
	// (A subscription: both stores hand out the next id after SQLite's.)
	if sub2, err := lite.PutSubscription(ctx, model.Subscription{Group: "SQLite 上的新群", Kind: model.ScheduleAt, Spec: "10:00", Enabled: true}); err != nil || sub2.ID != sub.ID {
		t.Fatalf("subscribe on SQLite after the migration: %+v (PostgreSQL's has id %d), %v", sub2, sub.ID, err)
	}
	before = pgFingerprint(t, pgURL)
	r = ta.run("", "migrate", "--from", dbPath, "--to", pgURL)
	wantRefusal(t, "both stores written", r, exitFail, "subscriptions row "+itoa(sub.ID)+" differs")
	if after := pgFingerprint(t, pgURL); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused run changed the target:\n%s", diffMaps(before, after))
	}

	// A target that holds data of its own.
	own := pgtest.URL(t)
	pgOwn, err := pgstore.Open(ctx, own, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgOwn.GrantRole(ctx, "王主任", model.RoleStaff, "cli"); err != nil {
		t.Fatal(err)
	}
	pgOwn.Close()
	r = ta.run("", "migrate", "--from", dbPath, "--to", own)
	wantRefusal(t, "a target with data", r, exitFail, "already holds data (in roles)")

	// A store that run is using.
	if ok, _, err := lite.AcquireLease(ctx, leaseName, "host:123", time.Hour); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	ta.now = time.Now()
	r = ta.run("", "migrate", "--from", dbPath, "--to", pgtest.URL(t))
	wantRefusal(t, "a store in use", r, exitFail, "in use by wxdigest run (host:123")
	if err := lite.ReleaseLease(ctx, leaseName, "host:123"); err != nil {
		t.Fatal(err)
	}

	// Bad arguments.
	missing := filepath.Join(ta.dir, "missing.db")
	r = ta.run("", "migrate", "--from", missing, "--to", pgURL)
	wantRefusal(t, "a missing file", r, exitFail, "no such store file")
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("migrate created %s: %v", missing, err)
	}
	r = ta.run("", "migrate", "--from", ta.file("page.txt", []byte(digest.SamplePage)), "--to", pgURL)
	wantRefusal(t, "a text file", r, exitFail, "is not a SQLite store file")
	r = ta.run("", "migrate", "--from", dbPath, "--to", "mysql://127.0.0.1/x")
	wantRefusal(t, "a MySQL URL", r, exitUsage, "--to must be a postgres:// or postgresql:// URL")
	r = ta.run("", "migrate", "--from", dbPath, "--to", filepath.Join(ta.dir, "other.db"))
	wantRefusal(t, "a file as target", r, exitUsage, "--to must be a postgres:// or postgresql:// URL")
	r = ta.run("", "migrate", "--from", pgURL, "--to", pgURL)
	wantRefusal(t, "a URL as source", r, exitUsage, "--from must be a SQLite store file")
	r = ta.run("", "migrate", "--to", pgURL)
	wantRefusal(t, "no --from", r, exitUsage, "--from FILE.db is required")

	// The help lists what is copied.
	r = ta.run("", "migrate", "--help")
	for _, want := range []string{"usage: wxdigest migrate --from FILE.db --to postgres://…", "Copied:", "Not copied:", "leases",
		"Safe to re-run", "migrated.from", "--from string", "--to string"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("migrate --help lacks %q:\n%s", want, r.stdout)
		}
	}
}

// wantRefusal checks a refused run: the exit code, one line on stderr
// with want in it, nothing on stdout.
func wantRefusal(t *testing.T, what string, r result, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) || r.stdout != "" {
		t.Errorf("%s: exit %d, want %d with %q\nstdout %q\nstderr %q", what, r.code, code, want, r.stdout, r.stderr)
		return
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if code == exitUsage {
		last = lines[0]
	}
	if !strings.HasPrefix(last, "wxdigest migrate: ") || !strings.Contains(last, want) {
		t.Errorf("%s: the error is not one line: %q", what, r.stderr)
	}
	t.Logf("%s: %s", what, last)
}

// parseCounts reads migrate's summary: table → copied, already there,
// skipped.
func parseCounts(t *testing.T, out string) map[string][3]int64 {
	t.Helper()
	m := map[string][3]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, ok := strings.Cut(line, ": ")
		var c [3]int64
		if !ok {
			t.Fatalf("summary line %q", line)
		}
		if n, _ := fmt.Sscanf(rest, "%d copied, %d already there, %d skipped", &c[0], &c[1], &c[2]); n < 2 {
			t.Fatalf("summary line %q", line)
		}
		m[name] = c
	}
	if _, ok := m["total"]; !ok || len(m) != len(migrateTables)+1 {
		t.Fatalf("summary: want a line per table and a total:\n%s", out)
	}
	return m
}

// filled is what fillStore made that the checks need.
type filled struct {
	withdrawn, corrected, deletedArticle int64
	maxSubscription                      int64
	subs                                 []int64
	articleIDs                           []int64
	channels                             []string
}

// fillStore puts rows in every table migrate copies, through the CLI
// where it has a command and through the store otherwise.
func fillStore(t *testing.T, ta *testApp) filled {
	t.Helper()
	ctx := t.Context()
	var f filled
	cli := func(args ...string) string {
		t.Helper()
		r := ta.run("", args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		return r.stdout
	}
	cli("import", ta.sample())
	cli("role", "grant", "--remark", "王主任", "--role", "staff")
	cli("role", "grant", "--remark", "赵书记", "--role", "admin")
	cli("sub", "add", "--group", "幸福里业主群", "--at", "08:00,18:00", "--weekdays")
	cli("sub", "add", "--group", "和谐家园群", "--cron", "30 7 * * *", "--include", "项目,复工", "--exclude", "调研",
		"--source", "本报,郑州日报", "--style", "both", "--tz", "Asia/Shanghai", "--approve")

	s, err := data.Open(ctx, ta.env["WXDIGEST_DB"], data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := ta.now.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	arts, err := s.ArticlesByDate(ctx, day)
	if err != nil || len(arts) != 5 {
		t.Fatalf("the sample page: %d articles, %v", len(arts), err)
	}
	for _, a := range arts {
		f.articleIDs = append(f.articleIDs, a.ID)
	}
	cli("articles", "edit", "--id", itoa(arts[1].ID), "--title", "更正后的标题："+arts[1].Title)
	f.corrected = arts[1].ID
	// Withdrawn: a tombstone, out of search and digests.
	res, err := s.ImportArticles(ctx, []digest.Article{{Source: "本报", Date: day, Title: "撤下的稿件", Body: "这篇稿件撤下的稿件正文。"}})
	if err != nil {
		t.Fatal(err)
	}
	f.withdrawn = res.IDs[0]
	cli("articles", "delete", "--id", itoa(f.withdrawn))
	// A fetched article (guid), another day.
	if _, err := s.AddSource(ctx, model.Source{Name: "区政府网", Kind: model.SourceFeed, URL: "https://example.com/feed", Every: 30 * time.Minute, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSource(ctx, model.Source{Name: "转发", Kind: model.SourceWeChatForward, Every: time.Hour, Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordFetch(ctx, "区政府网", model.FetchOutcome{Err: "HTTP 503", Next: time.Date(2023, 2, 13, 1, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportFetched(ctx, []model.Fetched{{GUID: "item-7", Article: digest.Article{Source: "区政府网", Date: "2023-02-12",
		URL: "https://example.com/7", Title: "区里采集的新闻 GDP 增长", Body: "自动采集的正文，中原区 GDP 同比增长。"}}}); err != nil {
		t.Fatal(err)
	}
	// The newest article is deleted outright: its id must never come back.
	res, err = s.ImportArticles(ctx, []digest.Article{{Source: "本报", Date: day, Title: "删掉的稿件", Body: "删掉。"}})
	if err != nil {
		t.Fatal(err)
	}
	f.deletedArticle = res.IDs[0]
	if err := s.DeleteArticle(ctx, f.deletedArticle); err != nil {
		t.Fatal(err)
	}

	// Channels: a robot, and a task channel with its chat ids.
	if _, err := s.AddChannel(ctx, model.Channel{Name: "和谐家园机器人", Kind: model.ChannelWeComRobot,
		URL: "http://127.0.0.1:9/cgi-bin/webhook/send?key=k", AllowPrivate: true, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddChannel(ctx, model.Channel{Name: "客户群", Kind: model.ChannelWeComTask, CorpID: "ww01", Secret: "s3cret",
		Sender: "wangzhuren", ChatIDs: []string{"wrA", "wrB"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChannelError(ctx, "客户群", "93000 key revoked", time.Date(2023, 2, 12, 9, 0, 0, 123456000, time.UTC)); err != nil {
		t.Fatal(err)
	}
	f.channels = []string{"和谐家园机器人", "客户群"}
	robot, err := s.PutSubscription(ctx, model.Subscription{Channel: "和谐家园机器人", Group: "和谐家园机器人", Kind: model.ScheduleAt,
		Spec: "07:00", Style: model.StyleImage, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.PutSubscription(ctx, model.Subscription{Channel: "客户群", Group: "客户群", Kind: model.ScheduleAt, Spec: "07:30", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.PutSubscription(ctx, model.Subscription{Group: "退订的群", Kind: model.ScheduleAt, Spec: "12:00", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		f.subs = append(f.subs, sub.ID)
		f.maxSubscription = max(f.maxSubscription, sub.ID)
	}

	// The ledger: every state, attempts and errors, a remote id, the
	// sending account, skipped slots, shown items, a missed slot, and the
	// rows of a removed subscription.
	slot := func(h int) time.Time { return time.Date(2023, 2, 12, h, 0, 0, 0, time.UTC) }
	var recs []model.SlotRecord
	for i, id := range f.subs {
		recs = append(recs, model.SlotRecord{SubscriptionID: id, Slot: slot(0), Parts: []string{"第一部分", fmt.Sprintf("第二部分 %d", i)},
			ArticleIDs: f.articleIDs[:2]})
		recs = append(recs, model.SlotRecord{SubscriptionID: id, Slot: slot(1)}) // skipped
	}
	recs = append(recs, model.SlotRecord{SubscriptionID: robot.ID, Slot: slot(2), Parts: []string{`{"card":1}`, "文字"},
		Kinds: []string{model.PartImage, model.PartText}, ArticleIDs: f.articleIDs[2:4]})
	recs = append(recs, model.SlotRecord{SubscriptionID: task.ID, Slot: slot(3), Parts: []string{"群发任务"}, ArticleIDs: f.articleIDs[4:]})
	if _, err := s.RecordSlots(ctx, recs); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Unsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		switch {
		case d.SubscriptionID == task.ID && d.Slot.Equal(slot(3)):
			if err := s.MarkAwaiting(ctx, d.ID, "msgid-42"); err != nil {
				t.Fatal(err)
			}
		case d.SubscriptionID == robot.ID && d.Slot.Equal(slot(2)):
			// stays pending
		case i%3 == 0:
			if ok, err := s.ClaimDelivery(ctx, d.ID, model.Claim{Holder: "host:1", Account: "bot-a", TTL: time.Minute}); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if err := s.MarkSent(ctx, d.ID, slot(0).Add(time.Duration(i)*time.Second+7*time.Microsecond)); err != nil {
				t.Fatal(err)
			}
		case i%3 == 1:
			for range 2 {
				if err := s.MarkFailed(ctx, d.ID, "1205 发送太频繁"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := s.MarkSlotMissed(ctx, gone.ID, slot(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkShown(ctx, f.subs[0], slot(5), f.articleIDs[2:]); err != nil {
		t.Fatal(err)
	}
	cli("sub", "remove", "--group", "退订的群")

	if err := s.Audit(ctx, model.AuditEntry{At: slot(6), Who: "赵书记", Action: "push", Detail: "幸福里业主群"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, metaWeChatUin, "123456"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []model.QueuedReply{
		{Channel: "wechat", TargetKind: "group", TargetName: "幸福里业主群", TargetID: "@@abc", Text: "已推送", Created: slot(7)},
		{Channel: "和谐家园机器人", TargetKind: "group", TargetName: "和谐家园机器人", Text: "提醒", Created: slot(8)},
	} {
		if _, err := s.QueueReply(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The console: users, API tokens (one revoked), approvals of slots.
	if _, err := s.AddUser(ctx, model.User{Name: "wang", Role: model.RoleStaff, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, model.User{Name: "zhao", Role: model.RoleAdmin, PasswordHash: "$argon2id$x", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dashboard", "old-script"} {
		if _, err := s.AddToken(ctx, model.APIToken{Name: name, Hash: fmt.Sprintf("%064x", len(name)), Role: model.RoleStaff}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeToken(ctx, "old-script"); err != nil {
		t.Fatal(err)
	}
	approved := []string{"第一部分", "第二部分"}
	if _, err := s.PutApproval(ctx, model.Approval{SubscriptionID: f.subs[1], Slot: slot(9), State: model.ApprovalApproved, By: "web:wang",
		At: slot(8).Add(123 * time.Microsecond), Text: strings.Join(approved, model.PartSeparator), TextHash: model.DigestHash(approved)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutApproval(ctx, model.Approval{SubscriptionID: f.subs[1], Slot: slot(10), State: model.ApprovalPending}); err != nil {
		t.Fatal(err)
	}

	// Per-process rows and logins, not copied.
	if err := s.BindAccount(ctx, "bot-a", []string{"幸福里业主群"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, model.Session{ID: fmt.Sprintf("%064x", 7), User: "wang", CSRF: "c", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return f
}

// sameStores compares what the two stores answer, through their APIs.
func sameStores(t *testing.T, ctx context.Context, lite *data.Store, pg *pgstore.Store, f filled) {
	t.Helper()
	same := func(what string, a, b any, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil {
			t.Errorf("%s: SQLite %v, PostgreSQL %v", what, errA, errB)
			return
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\nSQLite     %+v\nPostgreSQL %+v", what, a, b)
		}
	}
	dl, e1 := lite.Dates(ctx)
	dp, e2 := pg.Dates(ctx)
	same("dates", dl, dp, e1, e2)
	for _, d := range dl {
		al, e1 := lite.ArticlesByDate(ctx, d)
		ap, e2 := pg.ArticlesByDate(ctx, d)
		same("articles of "+d, al, ap, e1, e2)
	}
	if _, err := pg.Article(ctx, f.withdrawn); !errors.Is(err, model.ErrWithdrawn) {
		t.Errorf("the withdrawn article on PostgreSQL: %v", err)
	}
	if _, err := pg.Article(ctx, f.deletedArticle); !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrWithdrawn) {
		t.Errorf("the deleted article on PostgreSQL: %v", err)
	}
	for _, q := range migrateQueries {
		hl, e1 := lite.Search(ctx, q, 50)
		hp, e2 := pg.Search(ctx, q, 50)
		same("search "+q, hl, hp, e1, e2)
	}
	if hits, _ := pg.Search(ctx, "更正后的标题", 10); len(hits) != 1 || hits[0].Article.ID != f.corrected {
		t.Errorf("the corrected article by its new title on PostgreSQL: %+v", hits)
	}
	// The same page again: everything is already there (corrected and
	// withdrawn ones by their content hash).
	if res, err := pg.ImportArticles(ctx, []digest.Article{{Source: "本报", Date: "2023-02-13", Title: "撤下的稿件", Body: "这篇稿件撤下的稿件正文。"}}); err != nil || res.New != 0 || res.IDs[0] != f.withdrawn {
		t.Errorf("re-importing the withdrawn article on PostgreSQL: %+v, %v", res, err)
	}
	page, err := digest.ParsePage(digest.SamplePage)
	if err == nil {
		for i := range page {
			page[i].Source, page[i].Date = "本报", "2023-02-13"
		}
		if res, err := pg.ImportArticles(ctx, page); err != nil || res.New != 0 {
			t.Errorf("re-importing the sample page on PostgreSQL: %+v, %v", res, err)
		}
	}

	sl, e1 := lite.Subscriptions(ctx)
	sp, e2 := pg.Subscriptions(ctx)
	same("subscriptions", sl, sp, e1, e2)
	cl, e1 := lite.Channels(ctx)
	cp, e2 := pg.Channels(ctx)
	same("channels", cl, cp, e1, e2)
	srl, e1 := lite.Sources(ctx)
	srp, e2 := pg.Sources(ctx)
	same("sources", srl, srp, e1, e2)
	rl, e1 := lite.Roles(ctx)
	rp, e2 := pg.Roles(ctx)
	same("roles", rl, rp, e1, e2)
	al, e1 := lite.AuditLog(ctx, 0)
	ap, e2 := pg.AuditLog(ctx, 0)
	same("audit", al, ap, e1, e2)
	ml, e1 := lite.Meta(ctx, metaWeChatUin)
	mp, e2 := pg.Meta(ctx, metaWeChatUin)
	same("meta", ml, mp, e1, e2)
	if _, err := pg.Meta(ctx, metaStoreID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the SQLite store's own id was copied: %v", err)
	}
	for _, ch := range []string{"wechat", f.channels[0]} {
		ql, e1 := lite.QueuedReplies(ctx, ch)
		qp, e2 := pg.QueuedReplies(ctx, ch)
		same("outbox of "+ch, ql, qp, e1, e2)
	}

	// The ledger: claims stay behind, everything else arrives.
	unclaim := func(ds []model.Delivery) []model.Delivery {
		for i := range ds {
			ds[i].ClaimedBy, ds[i].ClaimUntil = "", time.Time{}
		}
		return ds
	}
	dll, e1 := lite.Deliveries(ctx, time.Time{})
	dlp, e2 := pg.Deliveries(ctx, time.Time{})
	states := map[string]int{}
	accounts := 0
	for _, d := range dll {
		states[d.State]++
		if d.Account != "" {
			accounts++
		}
	}
	if len(states) != 6 || accounts == 0 {
		t.Errorf("the test ledger lacks a state or an account: %v, %d with an account", states, accounts)
	}
	same("deliveries", unclaim(dll), unclaim(dlp), e1, e2)
	ul, e1 := lite.Unsent(ctx)
	up, e2 := pg.Unsent(ctx)
	same("unsent", unclaim(ul), unclaim(up), e1, e2)
	wl, e1 := lite.Awaiting(ctx)
	wp, e2 := pg.Awaiting(ctx)
	same("awaiting", unclaim(wl), unclaim(wp), e1, e2)
	for _, id := range f.subs {
		dl, e1 := lite.Delivered(ctx, id, f.articleIDs)
		dp, e2 := pg.Delivered(ctx, id, f.articleIDs)
		same(fmt.Sprintf("delivered to subscription %d", id), dl, dp, e1, e2)
		ll, e1 := lite.LastSlot(ctx, id)
		lp, e2 := pg.LastSlot(ctx, id)
		if !errors.Is(e1, model.ErrNotFound) || !errors.Is(e2, model.ErrNotFound) {
			same(fmt.Sprintf("last slot of subscription %d", id), ll, lp, e1, e2)
		}
	}
	if groups, err := pg.AccountGroups(ctx); err != nil || len(groups) != 0 {
		t.Errorf("account bindings were copied: %v, %v", groups, err)
	}
	if _, err := lite.Session(ctx, fmt.Sprintf("%064x", 7)); err != nil {
		t.Errorf("the test session on SQLite: %v", err)
	}
	if _, err := pg.Session(ctx, fmt.Sprintf("%064x", 7)); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a console session was copied: %v", err)
	}
	ul2, e1 := lite.Users(ctx)
	up2, e2 := pg.Users(ctx)
	same("users", ul2, up2, e1, e2)
	tl, e1 := lite.Tokens(ctx)
	tp, e2 := pg.Tokens(ctx)
	same("API tokens", tl, tp, e1, e2)
	apl, e1 := lite.Approvals(ctx, time.Time{})
	app, e2 := pg.Approvals(ctx, time.Time{})
	same("approvals", apl, app, e1, e2)
	if len(apl) != 2 || len(tl) != 2 || len(ul2) != 2 || !sl[1].Approve {
		t.Errorf("the test store lacks console rows: %d approvals, %d tokens, %d users, subscription %+v", len(apl), len(tl), len(ul2), sl[1])
	}
}

// checkTablesDecided: every table of both schemas is copied or left
// behind on purpose (a new table must be decided here).
func checkTablesDecided(t *testing.T, ctx context.Context, pgURL, dbPath string) {
	t.Helper()
	decided := map[string]bool{"schema_version": true}
	for _, tbl := range migrateTables {
		decided[tbl.name] = true
	}
	for name := range migrateSkipped {
		decided[name] = true
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	pgTables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	snap, err := openSnapshot(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.close()
	srows, err := snap.tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var liteTables []string
	for srows.Next() {
		var n string
		if err := srows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		liteTables = append(liteTables, n)
	}
	srows.Close()
	for _, n := range append(pgTables, liteTables...) {
		if !decided[n] {
			t.Errorf("table %s is neither copied nor skipped by migrate: decide it in migrateTables or migrateSkipped", n)
		}
	}
}

// pgFingerprint is every table's row count and a hash of its rows, and
// every sequence's position.
func pgFingerprint(t *testing.T, pgURL string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	fp := map[string]string{}
	for _, name := range tables {
		var v string
		if err := conn.QueryRow(ctx, `SELECT count(*) || ' ' || md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), ''))
			FROM `+pgx.Identifier{name}.Sanitize()+` x`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		fp[name] = v
	}
	rows, err = conn.Query(ctx, `SELECT sequencename || '=' || COALESCE(last_value, 0) FROM pg_sequences`)
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(seqs)
	fp["sequences"] = strings.Join(seqs, " ")
	return fp
}

func diffMaps(a, b map[string]string) string {
	var sb strings.Builder
	for k, v := range a {
		if b[k] != v {
			fmt.Fprintf(&sb, "%s: %s → %s\n", k, v, b[k])
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			fmt.Fprintf(&sb, "%s: new %s\n", k, v)
		}
	}
	return sb.String()
}

// TestMigrateProgress: plain lines at every tenth when stderr is not a
// terminal; a bar redrawn in place when it is.
func TestMigrateProgress(t *testing.T) {
	var sb strings.Builder
	b := newRowBar(&sb, "articles", 200)
	for range 200 {
		b.add(1)
	}
	b.finish()
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	if len(lines) != 10 || lines[0] != "articles: 20/200 rows (10%)" || lines[9] != "articles: 200/200 rows (100%)" {
		t.Errorf("plain progress:\n%s", sb.String())
	}
	sb.Reset()
	b = newRowBar(&sb, "roles", 0)
	b.finish()
	if sb.String() != "roles: 0/0 rows (100%)\n" {
		t.Errorf("an empty table: %q", sb.String())
	}
	sb.Reset()
	b = &rowBar{w: &sb, tty: true, name: "audit", total: 4, shown: -1}
	b.add(1)
	b.add(1)
	if got := sb.String(); got != "\r\x1b[Kaudit           [#####---------------]  25%  1/4 rows\r\x1b[Kaudit           [##########----------]  50%  2/4 rows" {
		t.Errorf("terminal progress: %q", got)
	}
}

var migrateArticles = flag.Int("migrate.articles", 100_000, "articles in BenchmarkMigrate's store")

// BenchmarkMigrate copies a SQLite store of -migrate.articles synthetic
// articles (default 100,000, about 600 characters each, 20 a day) into an
// empty PostgreSQL database, then runs again over it. Reported: the first
// run's seconds and articles per second, the second run's seconds, and the
// largest Go heap seen during the first run.
func BenchmarkMigrate(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a store of 100,000 articles; skipped under -short")
	}
	ctx := context.Background()
	dir := b.TempDir()
	dbPath := filepath.Join(dir, "archive.db")
	start := time.Now()
	if err := synthStore(ctx, dbPath, *migrateArticles); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a SQLite store of %d articles in %v", *migrateArticles, time.Since(start).Round(time.Millisecond))
	var first, second time.Duration
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		pgURL := pgtest.URL(b)
		b.StartTimer()
		stop := heapPeak(&peak)
		start := time.Now()
		out, errOut, code := runCLI(ctx, "migrate", "--from", dbPath, "--to", pgURL)
		first = time.Since(start)
		stop()
		if code != exitOK || !strings.Contains(out, fmt.Sprintf("articles: %d copied", *migrateArticles)) {
			b.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
		}
		start = time.Now()
		out, errOut, code = runCLI(ctx, "migrate", "--from", dbPath, "--to", pgURL)
		second = time.Since(start)
		if code != exitOK || !strings.Contains(out, fmt.Sprintf("articles: 0 copied, %d already there", *migrateArticles)) {
			b.Fatalf("second migrate: exit %d\n%s%s", code, out, errOut)
		}
		b.Logf("first run %v, second run %v\n%s", first.Round(time.Millisecond), second.Round(time.Millisecond), out)
	}
	b.ReportMetric(first.Seconds(), "s/first-run")
	b.ReportMetric(float64(*migrateArticles)/first.Seconds(), "art/s")
	b.ReportMetric(second.Seconds(), "s/second-run")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// runCLI runs one command as main does, outside a testing.T.
func runCLI(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	var out, errb strings.Builder
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	code = a.main(ctx, args)
	return out.String(), errb.String(), code
}

// heapPeak samples the Go heap until the returned stop is called, keeping
// the largest in *peak.
func heapPeak(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// synthWords are the words synthetic articles are made of: news words and
// two-character words drawn from common characters, so the search tokens
// are as many and as varied as in real text.
var synthWords = func() []string {
	words := strings.Fields(`的 在 和 了 是 工作 发展 建设 项目 推进 全区 群众 服务 社区 街道 企业 经济 活动 加强 开展
		提升 进行 会议 重点 部门 坚持 落实 举行 有关 负责 干部 相关 实现 持续 文化 创新 产业 安全 民生 环境 治理 提高
		政策 城市 改革 基层 单位 质量 保障 全面 稳定 完成 高质量 新时代 党建 教育 卫生 健康 就业 交通 道路 绿化 居民
		志愿者 老年人 学校 学生 家庭 儿童 乡村 振兴 生态 保护 公园 文明 创建 宣传 培训 指导 检查 整改 问题 中原区 GDP 5G`)
	chars := []rune(`人民国家中华政府地方区域市县乡镇村组户口业务生产生活经营管理组织领导群众会议活动工程规划计划目标任务措施办法制度机制体系标准水平能力效率效果成果经验困难矛盾风险隐患资源能源运输桥梁水利电力通信网络信息技术科学研究医院医生病人艺术体育旅游商业市场公司工厂产品价格消费投资金融银行税收财政预算资金收入支出社会养老妇女青年老人爱心公益慈善救助帮扶致富农业农民土地粮食蔬菜水果畜牧林业广场小区物业住房更新改造拆迁安置设计施工监理验收`)
	r := rand.New(rand.NewPCG(20230213, 0))
	for len(words) < 5000 {
		words = append(words, string([]rune{chars[r.IntN(len(chars))], chars[r.IntN(len(chars))]}))
	}
	return words
}()

// synthArticle is article i of a synthetic archive: deterministic, a title
// of 8 to 18 characters and a body of about 600, 20 articles a day from
// 2010-01-01, two sources.
func synthArticle(i int) digest.Article {
	r := rand.New(rand.NewPCG(20230213, uint64(i)+1))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(synthWords)-1))
	word := func() string { return synthWords[z.Uint64()] }
	var title strings.Builder
	for n := 0; n < 8+r.IntN(10); {
		w := word()
		title.WriteString(w)
		n += len([]rune(w))
	}
	var body strings.Builder
	for runes, target := 0, 540+r.IntN(120); runes < target; {
		for c := 2 + r.IntN(3); c > 0; c-- {
			for w := 3 + r.IntN(6); w > 0; w-- {
				x := word()
				body.WriteString(x)
				runes += len([]rune(x))
			}
			body.WriteString("，")
		}
		body.WriteString("。\n")
		runes += 2
	}
	return digest.Article{
		Source: []string{"中原区报", "郑州日报"}[i%2],
		Date:   time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/20).Format(time.DateOnly),
		Title:  title.String(),
		Byline: "记者 王磊",
		Body:   body.String(),
	}
}

// synthStore makes a SQLite store of n synthetic articles, imported 1,000
// at a time.
func synthStore(ctx context.Context, path string, n int) error {
	s, err := data.Open(ctx, path, data.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	for from := 0; from < n; from += 1000 {
		arts := make([]digest.Article, 0, 1000)
		for i := from; i < min(n, from+1000); i++ {
			arts = append(arts, synthArticle(i))
		}
		if _, err := s.ImportArticles(ctx, arts); err != nil {
			return err
		}
	}
	return s.Close()
}
