package bot

import (
	"context"
	"strings"
	"time"
)

// command is one chat command: a small type per command, all listed in
// rtCommands, which is also where the help text comes from.
type command interface {
	info() commandInfo
	run(ctx context.Context, c *call)
}

// commandInfo is what the router needs to recognise, authorise and
// explain a command.
type commandInfo struct {
	words []string // Chinese words; words[0] is the one help shows
	alias string   // English alias, typed with a leading "/"
	args  string   // argument pattern for help, e.g. "[日期]"; "" = none
	help  string   // what it does, in Chinese
	role  Role     // the least role allowed
	// takesArgs false: text after the word means it is not a command
	// ("状态不错" or "帮助 我们" stays chat).
	takesArgs bool
	// attached, when set, accepts arguments written right after the word
	// without a space ("详情3", "订阅8:00"); it must be strict, so that
	// ordinary words starting with a command word stay chat.
	attached func(args string) bool
	// freeText: the arguments are text as long as a lead (修改), so the
	// message may be longer than other commands.
	freeText bool
}

// rtCommands lists every chat command in help order, least role first.
func rtCommands() []command {
	return []command{
		todayCmd{}, moreCmd{}, searchCmd{}, helpCmd{},
		previewCmd{}, pushCmd{}, approveCmd{}, editCmd{}, withdrawCmd{}, statusCmd{},
		subscribeCmd{}, unsubscribeCmd{}, subsCmd{},
	}
}

// CommandNames lists every chat command by its English alias, as
// RouterConfig.OnCommand names them.
func CommandNames() []string {
	var out []string
	for _, c := range rtCommands() {
		out = append(out, c.info().alias)
	}
	return out
}

// call is one command being run.
type call struct {
	r    *Router
	m    Message
	role Role
	args string // normalised: full-width made half-width, spaces single
	now  time.Time
}

// reply answers in the chat the command came from. Staff and admins are
// answered ahead of residents' replies and digests when the outbox can.
func (c *call) reply(parts ...string) {
	if f, ok := c.r.out.(firstReplier); ok && c.role > RoleResident {
		f.ReplyFirst(c.m.Chat, parts...)
		return
	}
	c.r.out.Reply(c.m.Chat, parts...)
}

// firstReplier is an Outbox that can send a reply ahead of the others
// (*Pacer is one).
type firstReplier interface {
	ReplyFirst(to Target, parts ...string)
}

// today is the current civil date in the router's zone.
func (c *call) today() time.Time { return rtDayOf(c.now, c.r.zone) }

// who is the sender as the audit log names them.
func (c *call) who() string { return auditWho(c.m.From) }

// Help is the command list for a role, generated from the same list the
// router dispatches on: what a sender may use and how to type it.
func (r *Router) Help(role Role) string {
	var b strings.Builder
	b.WriteString("可以发送以下命令：")
	last := RoleResident
	for _, cmd := range r.cmds {
		in := cmd.info()
		if in.role > role {
			continue
		}
		if in.role != last {
			last = in.role
			b.WriteString("\n【" + in.role.zh() + "】")
		}
		b.WriteString("\n" + in.words[0])
		if in.args != "" {
			b.WriteString(" " + in.args)
		}
		b.WriteString(" — " + in.help)
		also := append([]string{}, in.words[1:]...)
		if in.alias != "" {
			also = append(also, "/"+in.alias)
		}
		if len(also) > 0 {
			b.WriteString("（也可发 " + strings.Join(also, "、") + "）")
		}
	}
	b.WriteString("\n日期可写 2023-02-13、2月13日、昨天")
	return b.String()
}

// helpCmd: 帮助 /help.
type helpCmd struct{}

func (helpCmd) info() commandInfo {
	return commandInfo{words: []string{"帮助", "菜单"}, alias: "help", help: "显示本说明", role: RoleResident}
}

func (helpCmd) run(_ context.Context, c *call) { c.reply(c.r.Help(c.role)) }
