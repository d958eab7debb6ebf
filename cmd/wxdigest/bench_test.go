package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
	"github.com/wxdigest/wxdigest/digest"
)

// BenchmarkIdleRunRSS measures the resident memory of an idle `wxdigest
// run` (target < 60 MB): a child process logged into the fake WeChat
// server, with the sample page, roles and a subscription in its store, and
// nothing to send. MB is the highest VmRSS seen while idle, hwm-MB the
// peak since start (VmHWM, login included); ns/op is one read of
// /proc/PID/status.
func BenchmarkIdleRunRSS(b *testing.B) {
	if testing.Short() {
		b.Skip("starts a bot process; skipped under -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("no /proc here: cannot read a process's resident memory")
	}
	e := newE2E(b)
	const group = "幸福里业主群"
	e.importPage("sample.txt", digest.SamplePage)
	e.cli("role", "grant", "--remark", "赵书记", "--role", "admin")
	e.cli("sub", "add", "--group", group, "--at", "08:00", "--tz", e2eZone)
	if err := e.srv.AddFriend("老赵", "赵书记"); err != nil {
		b.Fatal(err)
	}
	if err := e.srv.AddGroup(wechattest.Group{Name: group, Saved: true, Members: []wechattest.Member{
		{Friend: "老赵"}, {ID: "li", Nick: "李阿姨"}, {ID: "zhang", Nick: "张大爷"},
	}}); err != nil {
		b.Fatal(err)
	}
	p := e.startChild(nil)
	ctx := e.ctx(30 * time.Second)
	e.online(ctx, p, 1)
	// Idle: a few more long polls went by since the login settled.
	synccheck := func(rs []wechattest.RequestRecord) int {
		n := 0
		for _, r := range rs {
			if strings.HasSuffix(r.Path, "/synccheck") {
				n++
			}
		}
		return n
	}
	polls := synccheck(e.srv.Requests())
	if _, err := e.srv.WaitRequests(ctx, func(rs []wechattest.RequestRecord) bool { return synccheck(rs) >= polls+3 }); err != nil {
		b.Fatalf("the bot stopped polling: %v", err)
	}
	if n := len(e.srv.Sent()); n != 0 {
		b.Fatalf("an idle bot sent %d messages", n)
	}

	path := fmt.Sprintf("/proc/%d/status", p.pid)
	var peak, hwm int64
	for b.Loop() {
		f, err := procStatus(path, "VmRSS:", "VmHWM:")
		if err != nil {
			b.Fatal(err)
		}
		peak, hwm = max(peak, f[0]), max(hwm, f[1])
	}
	b.ReportMetric(float64(peak)/1024, "MB")
	b.ReportMetric(float64(hwm)/1024, "hwm-MB")
	if peak > 60*1024 {
		b.Logf("idle RSS %.1f MB is over the 60 MB target", float64(peak)/1024)
	}
	e.stopClean(p)
}

// procStatus reads the kB values of the named fields of /proc/PID/status.
func procStatus(path string, fields ...string) ([]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make([]int64, len(fields))
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for i, name := range fields {
			rest, ok := strings.CutPrefix(sc.Text(), name)
			if !ok {
				continue
			}
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", path, name, err)
			}
			out[i] = v
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if found != len(fields) {
		return nil, fmt.Errorf("%s: want %v, found %d of them", path, fields, found)
	}
	return out, nil
}
