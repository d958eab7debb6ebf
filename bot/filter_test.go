package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
)

func TestFilterArticles(t *testing.T) {
	arts := []digest.Article{
		{ID: 1, Source: "中原区新闻", Title: "中原区召开经济运行分析会", Body: "会议分析了一季度GDP增长情况。"},
		{ID: 2, Source: "中原区新闻", Title: "辖区新增三处口袋公园", Body: "公园位于桐柏路。"},
		{ID: 3, Source: "郑州日报", Title: "郑州地铁新线开通", Body: "地铁6号线开通运营。"},
		{ID: 4, Source: "中原区政府网", Kicker: "民生实事", Title: "老旧小区改造启动", Body: "涉及桐柏路街道。"},
	}
	for _, c := range []struct {
		name string
		sub  data.Subscription
		want []int64
	}{
		{"no filter", data.Subscription{}, []int64{1, 2, 3, 4}},
		{"one source", data.Subscription{Source: "郑州日报"}, []int64{3}},
		{"sources", data.Subscription{Source: "郑州日报,中原区政府网"}, []int64{3, 4}},
		{"include in body", data.Subscription{Include: []string{"桐柏路"}}, []int64{2, 4}},
		{"include any", data.Subscription{Include: []string{"地铁", "公园"}}, []int64{2, 3}},
		{"include in kicker", data.Subscription{Include: []string{"民生"}}, []int64{4}},
		{"include ignores Latin case", data.Subscription{Include: []string{"gdp"}}, []int64{1}},
		{"exclude", data.Subscription{Exclude: []string{"地铁", "会议"}}, []int64{2, 4}},
		{"include and exclude", data.Subscription{Include: []string{"桐柏路"}, Exclude: []string{"改造"}}, []int64{2}},
		{"source and include", data.Subscription{Source: "中原区新闻", Include: []string{"桐柏路"}}, []int64{2}},
		{"nothing left", data.Subscription{Include: []string{"樱花"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []int64
			for _, a := range bot.FilterArticles(c.sub, arts) {
				got = append(got, a.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("kept %v, want %v", got, c.want)
			}
		})
	}
}

// Each group's slot carries only what its filter takes; a group whose
// filter leaves nothing new gets nothing (the slot is skipped).
func TestSlotFilters(t *testing.T) {
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	e.importDay("2026-12-06", "中原区召开经济运行分析会", "辖区新增三处口袋公园", "秋冬季消防安全检查启动")
	for group, f := range map[string][2][]string{
		"公园群": {{"口袋公园"}, nil},
		"无消防": {nil, {"消防"}},
		"樱花群": {{"樱花"}, nil},
	} {
		sub := e.sub(group, "08:00", false)
		sub.Include, sub.Exclude = f[0], f[1]
		if _, err := e.store.PutSubscription(e.ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 0))
	e.drain(time.Hour)
	park := strings.Join(e.tr.SentTo(scGroup("公园群")), "\n")
	if !strings.Contains(park, "辖区新增三处口袋公园") || strings.Contains(park, "消防") || strings.Contains(park, "经济运行") {
		t.Fatalf("公园群 got:\n%s", park)
	}
	nofire := strings.Join(e.tr.SentTo(scGroup("无消防")), "\n")
	if strings.Contains(nofire, "消防") || !strings.Contains(nofire, "经济运行") {
		t.Fatalf("无消防 got:\n%s", nofire)
	}
	if got := e.tr.SentTo(scGroup("樱花群")); len(got) != 0 {
		t.Fatalf("樱花群 has nothing to take but got %q", got)
	}
	for _, d := range e.deliveries() {
		if d.Group == "樱花群" && d.State != data.DeliverySkipped {
			t.Fatalf("樱花群's slot %+v, want skipped", d)
		}
	}
	// The preview of a subscription is what its next slot would carry:
	// nothing new for the park group now.
	subs, _ := e.store.Subscriptions(context.Background())
	for _, s := range subs {
		parts, _, ids, err := bot.SlotPreview(context.Background(), e.store, s, e.at(2026, 12, 6, 9, 0), bot.Format{}, 0, 0)
		if err != nil || len(parts) != 0 || len(ids) != 0 {
			t.Fatalf("preview of %s after its slot: %q %v %v", s.Group, parts, ids, err)
		}
	}
}

// 推送 never re-sends what the group has; 推送 重发 (PushAgain) does.
func TestPushAgain(t *testing.T) {
	e := scNewEnv(t, time.Date(2026, 12, 6, 7, 0, 0, 0, scShanghai(t)), scOpts{})
	e.importDay("2026-12-06", "中原区召开经济运行分析会")
	e.sub("幸福里", "08:00", false)
	e.start(true)
	e.runUntil(e.at(2026, 12, 6, 8, 0))
	e.drain(time.Hour)
	if n := len(e.tr.SentTo(scGroup("幸福里"))); n != 1 {
		t.Fatalf("%d messages at the slot", n)
	}
	res, err := e.disp.PushNow(context.Background(), []string{"幸福里"})
	if err != nil || len(res) != 1 || res[0].Items != 0 {
		t.Fatalf("PushNow = %+v, %v; want nothing new", res, err)
	}
	e.clk.Advance(time.Minute)
	res, err = e.disp.PushAgain(context.Background(), []string{"幸福里"})
	if err != nil || len(res) != 1 || res[0].Items != 1 {
		t.Fatalf("PushAgain = %+v, %v; want the item again", res, err)
	}
	e.drain(time.Hour)
	if got := e.tr.SentTo(scGroup("幸福里")); len(got) != 2 || got[1] != got[0] {
		t.Fatalf("sent %q, want the digest twice", got)
	}
}

func TestSplitList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"樱花, 公园，樱花、 ,健身", []string{"樱花", "公园", "健身"}},
		{" 中原区报 ", []string{"中原区报"}},
	} {
		if got := bot.SplitList(c.in); !slices.Equal(got, c.want) {
			t.Errorf("SplitList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
