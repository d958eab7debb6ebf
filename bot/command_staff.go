package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// previewCmd: 预览 /preview [日期], sent privately to the sender.
type previewCmd struct{}

func (previewCmd) info() commandInfo {
	return commandInfo{words: []string{"预览"}, alias: "preview", args: "[日期]",
		help: "把要推送的摘要私信给您看", role: RoleStaff, takesArgs: true, attached: rtIsDay}
}

func (previewCmd) run(ctx context.Context, c *call) {
	day, ok := rtParseDay(c.args, c.today())
	if !ok {
		c.reply("看不懂日期“" + rtCut(c.args, 20) + "”。" + dateUsage + "，如“预览 昨天”")
		return
	}
	to, ok := privateTarget(c.m.From)
	if !ok { // staff always have a remark; kept for safety
		c.reply("预览只能私信发送，请先加为好友")
		return
	}
	parts, ids, err := c.r.dayDigest(ctx, day)
	if err != nil {
		c.r.log.Error("preview: read articles", "day", day.Format(dayLayout), "err", err)
		c.reply("暂时查不到新闻，请稍后再试")
		return
	}
	c.r.out.Reply(to, parts...)
	if len(ids) > 0 {
		c.r.Shown(to, ids)
	}
	if to.Key() != c.m.Chat.Key() {
		c.reply("预览已私信发给您")
	}
}

// pushCmd: 推送 /push [全部].
type pushCmd struct{}

func (pushCmd) info() commandInfo {
	return commandInfo{words: []string{"推送"}, alias: "push", args: "[全部] [重发]",
		help: "马上把今天的新内容推送到本群，加“全部”则推送所有订阅的群，加“重发”连已发过的也再发", role: RoleStaff, takesArgs: true}
}

// maxPushLines bounds the per-group lines of a 推送 全部 summary.
const maxPushLines = 30

func (pushCmd) run(ctx context.Context, c *call) {
	all, again := false, false
	for _, w := range strings.Fields(strings.ToLower(c.args)) {
		switch w {
		case "全部", "所有", "all":
			all = true
		case "重发", "again":
			again = true
		default:
			c.reply("请发送“推送”推送本群，或“推送 全部”推送所有订阅的群；加“重发”连已经发过的也再发一次")
			return
		}
	}
	if c.r.disp == nil {
		c.reply("推送暂不可用：定时推送没有启动")
		return
	}
	push := c.r.disp.PushNow
	if again {
		p, ok := c.r.disp.(interface {
			PushAgain(ctx context.Context, groups []string) ([]PushResult, error)
		})
		if !ok {
			c.reply("重发暂不可用")
			return
		}
		push = p.PushAgain
	}
	var groups []string
	if !all {
		if c.m.Chat.Kind != ChatGroup {
			c.reply("请在要推送的群里发送“推送”，或发送“推送 全部”")
			return
		}
		subs, err := c.r.store.Subscriptions(ctx)
		if err != nil {
			c.r.log.Error("push: read subscriptions", "err", err)
			c.reply("暂时读不到订阅，请稍后再试")
			return
		}
		found := false
		for _, s := range subs {
			found = found || s.Group == c.m.Chat.Name
		}
		if !found {
			c.reply("本群还没有订阅，不能推送。管理员可发送“订阅 08:00”")
			return
		}
		groups = []string{c.m.Chat.Name}
	}
	results, err := push(ctx, groups)
	detail := "all"
	if !all {
		detail = "group=" + c.m.Chat.Name
	}
	if again {
		detail += " again"
	}
	items, failed, held := 0, 0, 0
	for _, res := range results {
		items += res.Items
		switch {
		case errors.Is(res.Err, ErrAwaitingApproval):
			held++
		case res.Err != nil:
			failed++
		}
	}
	detail += fmt.Sprintf(" groups=%d items=%d failed=%d awaiting_approval=%d", len(results), items, failed, held)
	if err != nil {
		detail += " err=" + err.Error()
	}
	if aerr := c.r.audit(ctx, c.who(), "push", detail); aerr != nil {
		c.r.log.Error("push: audit", "err", aerr)
	}
	if err != nil {
		c.r.log.Error("push", "groups", groups, "err", err)
		c.reply("推送失败，请稍后再试，或发送“状态”查看原因")
		return
	}
	if !all {
		// The digest itself is the confirmation; say something only when
		// nothing (or an error) went out.
		for _, res := range results {
			switch {
			case errors.Is(res.Err, ErrAwaitingApproval):
				c.reply("本群的摘要需要先审核：请私信机器人发送“批准”，或在控制台“摘要预览”里审核通过后再推送")
			case res.Err != nil:
				c.r.log.Error("push", "group", res.Group, "err", res.Err)
				c.reply("推送失败，请稍后再试，或发送“状态”查看原因")
			case res.Items == 0:
				c.reply("今天没有新内容可推送，本群已收到全部新闻")
			}
		}
		if len(results) == 0 {
			c.reply("今天没有新内容可推送")
		}
		return
	}
	if len(results) == 0 {
		c.reply("还没有订阅的群。管理员可在群里发送“订阅 08:00”")
		return
	}
	sent, none := 0, 0
	var lines []string
	for _, res := range results {
		var line string
		switch {
		case errors.Is(res.Err, ErrAwaitingApproval):
			line = res.Group + "：待审核，未推送"
		case res.Err != nil:
			c.r.log.Error("push", "group", res.Group, "err", res.Err)
			line = res.Group + "：失败"
		case res.Items == 0:
			none++
			line = res.Group + "：没有新内容"
		default:
			sent++
			line = res.Group + "：" + strconv.Itoa(res.Items) + " 条"
		}
		if len(lines) < maxPushLines {
			lines = append(lines, line)
		}
	}
	head := fmt.Sprintf("已推送：%d 个群有新内容，%d 个群没有新内容", sent, none)
	if held > 0 {
		head += fmt.Sprintf("，%d 个群的摘要待审核未推送（私信机器人发送“批准”）", held)
	}
	if failed > 0 {
		head += fmt.Sprintf("，%d 个群失败（发送“状态”查看原因）", failed)
	}
	if len(results) > maxPushLines {
		lines = append(lines, fmt.Sprintf("……另有 %d 个群", len(results)-maxPushLines))
	}
	c.reply(rtPack(append([]string{head}, lines...), c.r.budget)...)
}

// statusCmd: 状态 /status.
type statusCmd struct{}

func (statusCmd) info() commandInfo {
	return commandInfo{words: []string{"状态"}, alias: "status",
		help: "登录、下次推送、发送队列和最近的错误", role: RoleStaff}
}

// statusSlots is how many upcoming slots 状态 lists.
const statusSlots = 5

func (statusCmd) run(_ context.Context, c *call) {
	r := c.r
	when := func(t time.Time) string { return rtWhen(t, c.now, r.zone) }
	var lines []string
	if r.state == nil {
		lines = append(lines, "登录：未知")
	} else {
		st := r.state()
		if st.LoggedIn {
			l := "登录：在线"
			if st.Self != "" {
				l += "（" + st.Self + "）"
			}
			if !st.Since.IsZero() {
				l += "，" + when(st.Since) + " 起"
			}
			if st.Logins > 1 {
				l += fmt.Sprintf("，已登录 %d 次", st.Logins)
			}
			lines = append(lines, l)
		} else {
			lines = append(lines, "登录：离线，请扫码或等待重新登录")
		}
		if st.LastErr != "" {
			lines = append(lines, "登录错误："+rtCut(st.LastErr, 100))
		}
		for _, p := range st.Problems {
			lines = append(lines, "问题："+rtCut(p, 100))
		}
	}
	if r.disp == nil {
		lines = append(lines, "定时推送：未启动")
	} else if next := r.disp.Next(statusSlots); len(next) == 0 {
		lines = append(lines, "下次推送：没有订阅")
	} else {
		lines = append(lines, "下次推送：")
		for _, u := range next {
			lines = append(lines, "· "+when(u.At)+" "+u.Group)
		}
	}
	os := r.out.Stats()
	lines = append(lines, fmt.Sprintf("发送队列：%d 条待发，今天已发 %d 条", os.Queued, os.SentToday))
	if os.LastSend.IsZero() {
		lines = append(lines, "上次发送：还没有")
	} else {
		lines = append(lines, "上次发送："+when(os.LastSend))
	}
	if os.LastErr != "" {
		lines = append(lines, "最近错误："+rtCut(os.LastErr, 100))
	}
	if os.PausedUntil.After(c.now) {
		lines = append(lines, "因发送太频繁暂停到 "+when(os.PausedUntil))
	}
	if r.channels != nil {
		if chs := r.channels(); len(chs) > 0 {
			lines = append(lines, "其他渠道：")
			for _, ch := range chs {
				lines = append(lines, "· "+channelStatusLine(ch, c.now, when))
			}
		}
	}
	c.reply(rtPack(lines, r.budget)...)
}

// errIsNotAudited reports an error that only says the audit write failed.
func errIsNotAudited(err error) bool { return errors.Is(err, ErrNotAudited) }
