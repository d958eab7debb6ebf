package jsonview_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/jsonview"
)

// TestSameAsCLI builds wxdigest, fills a store through it and checks that
// the builders here print, byte for byte, what its --format json commands
// print for the same store.
func TestSameAsCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wxdigest binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "wxdigest")
	build := exec.Command("go", "build", "-o", bin, "github.com/wxdigest/wxdigest/cmd/wxdigest")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "test.db")
	page := filepath.Join(dir, "page.txt")
	if err := os.WriteFile(page, []byte(digest.SamplePage), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "WXDIGEST_DB="+db, "WXDIGEST_TZ=Asia/Shanghai")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("wxdigest %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	const day = "2023-02-13"
	cli("import", "--date", day, page)
	cli("sub", "add", "--group", "和谐家园群", "--at", "08:00,18:00", "--include", "区,街道")
	cli("sub", "add", "--group", "二群", "--cron", "0 9 * * *", "--weekdays", "--style", "both")

	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	st, err := data.Open(ctx, db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.Subscriptions(ctx)
	if err != nil || len(subs) != 2 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	slot := time.Date(2023, 2, 13, 0, 0, 0, 0, time.UTC)
	if _, err := st.RecordSlot(ctx, subs[0].ID, slot, []string{"第一部分", "第二部分"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordSlot(ctx, subs[1].ID, slot, nil, nil); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Unsent(ctx)
	if err != nil || len(ds) < 2 {
		t.Fatalf("unsent: %v %v", ds, err)
	}
	if err := st.MarkSent(ctx, ds[0].ID, slot.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkFailed(ctx, ds[1].ID, "网络错误 ret 1101"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	gotArticles := cli("articles", "--date", day, "--format", "json")
	gotDigest := cli("digest", "--date", day, "--format", "json")
	gotSubs := cli("sub", "list", "--format", "json")
	gotDeliveries := cli("deliveries", "--since", "2023-02-01", "--format", "json")

	if !strings.Contains(gotDeliveries, `"failed"`) || !strings.Contains(gotSubs, "二群") || !strings.Contains(gotDigest, `"parts"`) {
		t.Fatalf("the CLI printed less than the store holds:\n%s\n%s\n%s", gotDeliveries, gotSubs, gotDigest)
	}
	st, err = data.Open(ctx, db, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	arts, err := st.ArticlesByDate(ctx, day)
	if err != nil || len(arts) == 0 {
		t.Fatalf("articles: %d %v", len(arts), err)
	}
	civil := time.Date(2023, 2, 13, 0, 0, 0, 0, loc)
	d := bot.ComposeDay(arts, civil, digest.DefaultLeadBudget)
	infos, err := bot.Manager{Store: st}.ListSubscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.Deliveries(ctx, time.Date(2023, 2, 1, 0, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, cli string
		v         any
	}{
		{"articles", gotArticles, jsonview.Articles(arts)},
		{"digest", gotDigest, jsonview.Digest(day, d, digest.Render(d, digest.DefaultBudget))},
		{"sub list", gotSubs, jsonview.Subscriptions(infos)},
		{"deliveries", gotDeliveries, jsonview.Deliveries(all, loc)},
	} {
		var b bytes.Buffer
		if err := jsonview.Write(&b, c.v); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.cli {
			t.Errorf("%s: the builder prints\n%s\nthe CLI prints\n%s", c.name, b.String(), c.cli)
		}
	}
}
