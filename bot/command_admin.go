package bot

import (
	"context"
	"errors"
	"strconv"

	"github.com/wxdigest/wxdigest/model"
)

// subscribeCmd: 订阅 08:00[,18:00] [工作日] /subscribe, for the group it
// is said in.
type subscribeCmd struct{}

func (subscribeCmd) info() commandInfo {
	return commandInfo{words: []string{"订阅"}, alias: "subscribe", args: "08:00[,18:00] [工作日]",
		help: "本群每天按时收到新闻摘要", role: RoleAdmin, takesArgs: true,
		attached: func(s string) bool { _, err := ParseSubscribeArgs(s, ""); return err == nil }}
}

func (subscribeCmd) run(ctx context.Context, c *call) {
	if c.m.Chat.Kind != ChatGroup {
		c.reply("请在要订阅的群里发送“订阅 08:00”")
		return
	}
	if c.args == "" {
		c.reply("请写上推送时间。" + subscribeUsage)
		return
	}
	sub, err := ParseSubscribeArgs(c.args, c.r.zoneName)
	if err != nil {
		c.reply(rtHint(err, subscribeUsage))
		return
	}
	sub.Group = c.m.Chat.Name
	// A new time from chat never turns off 审核 an admin set up.
	if subs, err := c.r.store.Subscriptions(ctx); err == nil {
		for _, old := range subs {
			if old.Group == sub.Group && isWeChat(old.Channel) {
				sub.Approve = old.Approve
			}
		}
	}
	saved, err := c.r.manager().Subscribe(ctx, c.who(), sub)
	switch {
	case errIsNotAudited(err):
		c.r.log.Error("subscribe: audit", "group", sub.Group, "err", err)
	case err != nil:
		if hint := rtHint(err, ""); hint != "" {
			c.reply(hint)
			return
		}
		c.r.log.Error("subscribe", "group", sub.Group, "err", err)
		c.reply("订阅没有保存成功，请稍后再试")
		return
	}
	msg := "已订阅：本群" + DescribeSchedule(saved) + " 收到新闻摘要"
	if s, err := NewSchedule(saved); err == nil {
		if next := s.Next(c.now); !next.IsZero() {
			msg += "，下次 " + rtWhen(next, c.now, c.r.zone)
		}
	}
	c.reply(msg + "。发送“退订”可取消")
}

// rtHint is the Chinese hint of an *ArgError in err, else fallback.
func rtHint(err error, fallback string) string {
	var ae *ArgError
	if errors.As(err, &ae) && ae.Hint != "" {
		return ae.Hint
	}
	return fallback
}

// unsubscribeCmd: 退订 /unsubscribe [群名].
type unsubscribeCmd struct{}

func (unsubscribeCmd) info() commandInfo {
	return commandInfo{words: []string{"退订", "取消订阅"}, alias: "unsubscribe", args: "[群名]",
		help: "本群（或指定的群）不再定时收到", role: RoleAdmin, takesArgs: true}
}

func (unsubscribeCmd) run(ctx context.Context, c *call) {
	group := c.args
	if group == "" {
		if c.m.Chat.Kind != ChatGroup {
			c.reply("请在要退订的群里发送“退订”，或发送“退订 群名”")
			return
		}
		group = c.m.Chat.Name
	}
	err := c.r.manager().Unsubscribe(ctx, c.who(), group)
	switch {
	case errIsNotAudited(err):
		c.r.log.Error("unsubscribe: audit", "group", group, "err", err)
	case errors.Is(err, model.ErrNotFound):
		c.reply("“" + group + "”没有订阅。发送“订阅列表”查看所有订阅")
		return
	case err != nil:
		c.r.log.Error("unsubscribe", "group", group, "err", err)
		c.reply("退订没有成功，请稍后再试")
		return
	}
	if group == c.m.Chat.Name && c.m.Chat.Kind == ChatGroup {
		c.reply("已退订，本群不再定时收到新闻。发送“订阅 08:00”可重新订阅")
		return
	}
	c.reply("已退订“" + group + "”")
}

// subsCmd: 订阅列表 /subs.
type subsCmd struct{}

func (subsCmd) info() commandInfo {
	return commandInfo{words: []string{"订阅列表"}, alias: "subs",
		help: "所有订阅和下次推送时间", role: RoleAdmin}
}

func (subsCmd) run(ctx context.Context, c *call) {
	subs, err := c.r.manager().ListSubscriptions(ctx)
	if err != nil {
		c.r.log.Error("subs", "err", err)
		c.reply("暂时读不到订阅，请稍后再试")
		return
	}
	if len(subs) == 0 {
		c.reply("还没有订阅。在群里发送“订阅 08:00”即可订阅")
		return
	}
	lines := []string{"共 " + strconv.Itoa(len(subs)) + " 个订阅："}
	for i, s := range subs {
		l := strconv.Itoa(i+1) + ". " + s.Group + "：" + s.Schedule
		switch {
		case !s.Enabled:
			l += "（已停用）"
		case s.Next.IsZero():
			l += "（不会再推送）"
		default:
			l += "，下次 " + rtWhen(s.Next, c.now, c.r.zone)
		}
		lines = append(lines, l)
	}
	c.reply(rtPack(lines, c.r.budget)...)
}
