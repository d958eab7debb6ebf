package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/internal/jsonview"
)

// cliWho is the audit log's name for changes made from the command line.
const cliWho = "cli"

// subcommand picks the verb of a two-level command such as `sub add`.
func subcommand(args []string, verbs ...string) (string, []string, error) {
	if len(args) > 0 && isHelpArg(args[0]) {
		return "", nil, verbHelp{verbs}
	}
	if len(args) == 0 {
		return "", nil, usagef("want one of: %s", strings.Join(verbs, ", "))
	}
	for _, v := range verbs {
		if args[0] == v {
			return v, args[1:], nil
		}
	}
	return "", nil, usagef("unknown %q, want one of: %s", args[0], strings.Join(verbs, ", "))
}

func (a *app) manager(st store) bot.Manager {
	return bot.Manager{Store: st, Now: a.now}
}

func cmdSub(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "add", "list", "remove")
	if err != nil {
		return err
	}
	fs := newFlags(a, "sub "+verb)
	storeFlags(fs, &cfg)
	group := fs.String("group", "", "group name, exactly as in WeChat (the personal account)")
	channel := fs.String("channel", "", "a WeCom robot or customer-group task channel (see wxdigest channel list) instead of a WeChat group")
	style := fs.String("style", data.StyleText, "what a slot sends: text, image (the day as image cards) or both")
	at := fs.String("at", "", "times of day, HH:MM[,HH:MM]")
	spec := fs.String("cron", "", "cron spec: 5 fields, or 6 with seconds")
	weekdays := fs.Bool("weekdays", false, "working days only, by China's official calendar (holidays off, 调休 weekend days on; see wxdigest calendar)")
	source := fs.String("source", "", "only articles of these sources, comma-separated: `NAME,…`")
	include := fs.String("include", "", "only items with any of these words in the title or body: `词,词`")
	exclude := fs.String("exclude", "", "no items with any of these words in the title or body: `词,词`")
	approve := fs.Bool("approve", false, "a slot waits until a staff member approves its digest (审核: in the web console, or 批准 in a private chat)")
	format := fs.String("format", "text", "output format of list: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	*group, *channel = strings.TrimSpace(*group), strings.TrimSpace(*channel)
	if *channel == data.ChannelWeChat {
		*channel = ""
	}
	if verb != "list" && (*group == "") == (*channel == "") {
		return usagef("want exactly one of --group NAME (a WeChat group) or --channel NAME")
	}
	switch *style {
	case data.StyleText, data.StyleImage, data.StyleBoth:
	default:
		return usagef("--style %q: want text, image or both", *style)
	}
	sub := data.Subscription{Group: *group, Channel: *channel, TZ: cfg.Zone, Weekdays: *weekdays,
		Source: strings.Join(bot.SplitList(*source), ","), Include: bot.SplitList(*include), Exclude: bot.SplitList(*exclude),
		Style: *style, Enabled: true, Approve: *approve}
	if verb == "add" {
		switch {
		case (*at == "") == (*spec == ""):
			return usagef("want exactly one of --at HH:MM[,HH:MM] or --cron SPEC")
		case *at != "":
			sub.Kind, sub.Spec = data.ScheduleAt, *at
		default:
			sub.Kind, sub.Spec = data.ScheduleCron, *spec
		}
		if _, err := bot.NewSchedule(sub); err != nil {
			return usageError{err.Error()}
		}
	}

	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	m := a.manager(st)
	var ch data.Channel
	if *channel != "" && verb == "add" {
		if ch, err = st.Channel(ctx, *channel); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no channel named %q; add it first with wxdigest channel add (see wxdigest channel list)", *channel)
			}
			return err
		}
		if ch.Kind == data.ChannelWeComTask && sub.Style != data.StyleText {
			return usagef("a customer-group task channel sends text only; drop --style %s", sub.Style)
		}
	}
	switch verb {
	case "add":
		saved, err := m.Subscribe(ctx, cliWho, sub)
		if err != nil {
			return err
		}
		next := "—"
		if s, err := bot.NewSchedule(saved); err == nil {
			if t := s.Next(a.now()); !t.IsZero() {
				next = t.Format("2006-01-02 15:04 MST")
			}
		}
		target := saved.Group
		if *channel != "" {
			target = "渠道 " + saved.Channel + "（" + kindZH(ch.Kind) + "）"
		}
		fmt.Fprintf(a.stdout, "已订阅：%s，%s（%s），下次推送 %s\n", target, bot.DescribeSchedule(saved), saved.TZ, next)
		if saved.Approve {
			fmt.Fprintln(a.stdout, "每次推送前需工作人员审核：在控制台“摘要预览”批准，或私信机器人发送“批准”。")
		}
		if ch.Kind == data.ChannelWeComTask && (saved.Kind == data.ScheduleCron || strings.Contains(saved.Spec, ",")) {
			fmt.Fprintln(a.stdout, "注意：企业微信每个客户群每月收到的群发不超过当月天数，一天推送多次会很快用完额度。")
		}
	case "remove":
		if *channel != "" {
			if err := m.UnsubscribeChannel(ctx, cliWho, *channel); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "已退订：渠道 %s\n", *channel)
			return nil
		}
		if err := m.Unsubscribe(ctx, cliWho, sub.Group); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已退订：%s\n", sub.Group)
	case "list":
		subs, err := m.ListSubscriptions(ctx)
		if err != nil {
			return err
		}
		return writeSubs(a, subs, *format)
	}
	return nil
}

func writeSubs(a *app, subs []bot.SubscriptionInfo, format string) error {
	if format == "json" {
		// The API answers with the same rows (jsonview).
		return jsonview.Write(a.stdout, jsonview.Subscriptions(subs))
	}
	if len(subs) == 0 {
		fmt.Fprintln(a.stdout, "还没有订阅。用 wxdigest sub add --group 群名 --at 08:00 添加。")
		return nil
	}
	for _, s := range subs {
		state, next := "启用", "—"
		if !s.Enabled {
			state = "停用"
		}
		if !s.Next.IsZero() {
			next = s.Next.Format("2006-01-02 15:04 MST")
		}
		target := s.Group
		if s.Channel != data.ChannelWeChat {
			target = "渠道 " + s.Channel
		}
		if s.Style != data.StyleText {
			state += "，" + map[string]string{data.StyleImage: "图片", data.StyleBoth: "图片+文字"}[s.Style]
		}
		fmt.Fprintf(a.stdout, "%s\t%s（%s）\t%s\t下次 %s\n", target, s.Schedule, s.TZ, state, next)
	}
	return nil
}

func cmdRole(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "grant", "list", "revoke")
	if err != nil {
		return err
	}
	fs := newFlags(a, "role "+verb)
	storeFlags(fs, &cfg)
	remark := fs.String("remark", "", "the friend's RemarkName (备注) set by the bot owner")
	roleName := fs.String("role", "", "admin or staff")
	format := fs.String("format", "text", "output format of list: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	if verb != "list" && strings.TrimSpace(*remark) == "" {
		return usagef("--remark is required")
	}
	var role data.Role
	if verb == "grant" {
		if role, err = bot.ParseRole(*roleName); err != nil {
			return usageError{err.Error()}
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	m := a.manager(st)
	switch verb {
	case "grant":
		if err := m.GrantRole(ctx, cliWho, strings.TrimSpace(*remark), role); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已授权：%s 为 %s\n", strings.TrimSpace(*remark), role)
	case "revoke":
		if err := m.RevokeRole(ctx, cliWho, strings.TrimSpace(*remark)); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已撤销：%s\n", strings.TrimSpace(*remark))
	case "list":
		grants, err := m.ListRoles(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			type row struct {
				Remark    string `json:"remark"`
				Role      string `json:"role"`
				GrantedBy string `json:"granted_by"`
				GrantedAt string `json:"granted_at"`
			}
			out := []row{}
			for _, g := range grants {
				out = append(out, row{g.Remark, string(g.Role), g.GrantedBy, g.GrantedAt.Format(time.RFC3339)})
			}
			return writeJSON(a.stdout, out)
		}
		if len(grants) == 0 {
			fmt.Fprintln(a.stdout, "还没有授权。用 wxdigest role grant --remark 备注名 --role admin|staff 添加。")
		}
		for _, g := range grants {
			fmt.Fprintf(a.stdout, "%s\t%s\t%s 由 %s 授权\n", g.Remark, g.Role, g.GrantedAt.In(cfg.loc).Format("2006-01-02 15:04"), g.GrantedBy)
		}
	}
	return nil
}

func cmdDeliveries(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "deliveries")
	storeFlags(fs, &cfg)
	since := fs.String("since", "", "first day to list, YYYY-MM-DD (default: 7 days ago)")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	from := a.now().In(cfg.loc).AddDate(0, 0, -7)
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, cfg.loc)
	if *since != "" {
		var err error
		if from, err = parseDate(*since, cfg.loc); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Deliveries(ctx, from)
	if err != nil {
		return err
	}
	if *format == "json" {
		// Times in the configured zone, as the operator reads them; the
		// API answers with the same rows.
		return jsonview.Write(a.stdout, jsonview.Deliveries(ds, cfg.loc))
	}
	if len(ds) == 0 {
		fmt.Fprintf(a.stdout, "%s 以来没有推送记录\n", from.Format(time.DateOnly))
		return nil
	}
	for _, d := range ds {
		target := d.Group
		if d.Channel != data.ChannelWeChat {
			target = "渠道 " + d.Channel
		}
		line := fmt.Sprintf("%s  %s  %d/%d  %s", d.Slot.In(cfg.loc).Format("2006-01-02 15:04"), target, d.Part, d.Parts, jsonview.StateLabel(d.State))
		if d.Kind == data.PartImage {
			line += "  图片"
		}
		if d.Attempts > 0 {
			line += fmt.Sprintf("  尝试%d次", d.Attempts)
		}
		if !d.SentAt.IsZero() {
			line += "  发于 " + d.SentAt.In(cfg.loc).Format("15:04:05")
			if d.Account != "" {
				line += " 由 " + d.Account
			}
		}
		if d.Error != "" {
			line += "  " + oneLine(d.Error)
		}
		fmt.Fprintln(a.stdout, line)
	}
	return nil
}
