package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot/wecom"
	"github.com/wxdigest/wxdigest/data"
)

// cmdChannel manages the delivery channels besides the personal account:
// WeCom group robots and WeCom customer-group tasks.
func cmdChannel(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "add", "list", "remove")
	if err != nil {
		return err
	}
	fs := newFlags(a, "channel "+verb)
	storeFlags(fs, &cfg)
	name := fs.String("name", "", "channel name, e.g. the group it reaches")
	robotURL := fs.String("wecom-robot", "", "a WeCom group robot's webhook URL, as copied from WeCom")
	corp := fs.String("wecom-corp", "", "WeCom corp id (企业ID) for customer-group mass sending")
	secretFile := fs.String("secret-file", "", "file holding the secret of the corp's customer-contact app")
	sender := fs.String("sender", "", "WeCom userid of the staff member who confirms each task")
	chatIDs := fs.String("chat-ids", "", "customer-group chat ids, comma-separated (default: all the sender's groups)")
	api := fs.String("api", "", "WeCom API base URL (default "+wecom.DefaultAPI+")")
	allowPrivate := fs.Bool("allow-private", false, "allow http and loopback/private addresses (a fake WeCom for tests)")
	format := fs.String("format", "text", "output format of list: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	*name = strings.TrimSpace(*name)
	if verb != "list" && *name == "" {
		return usagef("--name is required")
	}
	var ch data.Channel
	if verb == "add" {
		if ch, err = channelFromFlags(*name, *robotURL, *corp, *secretFile, *sender, *chatIDs, *api, *allowPrivate); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "add":
		saved, err := st.AddChannel(ctx, ch)
		verbZH := "已添加"
		if errors.Is(err, data.ErrExists) {
			// The same name again replaces its settings: how an admin
			// puts in a robot's new URL after the old key was revoked.
			saved, err = st.UpdateChannel(ctx, ch)
			verbZH = "已更新"
		}
		if err != nil {
			return err
		}
		if err := st.Audit(ctx, data.AuditEntry{Who: cliWho, Action: "channel.add", Detail: fmt.Sprintf("name=%s kind=%s", saved.Name, saved.Kind)}); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s渠道：%s（%s）%s\n", verbZH, saved.Name, kindZH(saved.Kind), channelTarget(saved))
		fmt.Fprintf(a.stdout, "订阅：wxdigest sub add --channel %s --at 08:00；正在运行的 wxdigest run 需重启才会启用新渠道（更换地址会自动生效）。\n", saved.Name)
	case "remove":
		if err := st.RemoveChannel(ctx, *name); err != nil {
			if errors.Is(err, data.ErrInUse) {
				return fmt.Errorf("channel %q still has a subscription; remove it first: wxdigest sub remove --channel %s", *name, *name)
			}
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no channel named %q (see wxdigest channel list)", *name)
			}
			return err
		}
		if err := st.Audit(ctx, data.AuditEntry{Who: cliWho, Action: "channel.remove", Detail: "name=" + *name}); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已删除渠道：%s\n", *name)
	case "list":
		chs, err := st.Channels(ctx)
		if err != nil {
			return err
		}
		return writeChannels(a, cfg, chs, *format)
	}
	return nil
}

// channelFromFlags checks the flags of `channel add`.
func channelFromFlags(name, robotURL, corp, secretFile, sender, chatIDs, api string, allowPrivate bool) (data.Channel, error) {
	if name == data.ChannelWeChat {
		return data.Channel{}, usagef("the name %q is the personal WeChat account's; choose another", name)
	}
	ch := data.Channel{Name: name, AllowPrivate: allowPrivate, Enabled: true}
	switch {
	case (robotURL == "") == (corp == ""):
		return data.Channel{}, usagef("want exactly one of --wecom-robot URL or --wecom-corp CORPID")
	case robotURL != "":
		if secretFile != "" || sender != "" || chatIDs != "" || api != "" {
			return data.Channel{}, usagef("--secret-file, --sender, --chat-ids and --api belong to --wecom-corp")
		}
		endpoint, _, err := wecom.ParseRobotURL(strings.TrimSpace(robotURL))
		if err != nil {
			return data.Channel{}, usageError{err.Error()}
		}
		if err := wecom.CheckURL(endpoint, allowPrivate); err != nil {
			return data.Channel{}, usageError{err.Error()}
		}
		ch.Kind, ch.URL = data.ChannelWeComRobot, strings.TrimSpace(robotURL)
	default:
		if secretFile == "" || strings.TrimSpace(sender) == "" {
			return data.Channel{}, usagef("--wecom-corp needs --secret-file FILE and --sender USERID")
		}
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return data.Channel{}, fmt.Errorf("secret file: %w", err)
		}
		secret := strings.TrimSpace(string(b))
		if secret == "" || strings.ContainsAny(secret, "\n\r") {
			return data.Channel{}, fmt.Errorf("secret file %s: want the secret alone on one line", secretFile)
		}
		base := api
		if base == "" {
			base = wecom.DefaultAPI
		}
		if err := wecom.CheckURL(base, allowPrivate); err != nil {
			return data.Channel{}, usageError{err.Error()}
		}
		ch.Kind, ch.URL, ch.CorpID, ch.Secret, ch.Sender = data.ChannelWeComTask, api, strings.TrimSpace(corp), secret, strings.TrimSpace(sender)
		for _, id := range strings.Split(chatIDs, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ch.ChatIDs = append(ch.ChatIDs, id)
			}
		}
		if len(ch.ChatIDs) > wecom.ChatIDsMax {
			return data.Channel{}, usagef("%d chat ids: a task reaches at most %d groups", len(ch.ChatIDs), wecom.ChatIDsMax)
		}
	}
	return ch, nil
}

func kindZH(kind string) string {
	switch kind {
	case data.ChannelWeComRobot:
		return "企业微信群机器人"
	case data.ChannelWeComTask:
		return "企业微信客户群群发"
	}
	return kind
}

// channelTarget says where a channel delivers, with no secret in it: a
// robot's webhook shows only the last four characters of its key.
func channelTarget(c data.Channel) string {
	switch c.Kind {
	case data.ChannelWeComRobot:
		endpoint, key, err := wecom.ParseRobotURL(c.URL)
		if err != nil {
			return "(bad webhook URL)"
		}
		r := []rune(key)
		if len(r) > 4 {
			r = r[len(r)-4:]
		} else {
			r = nil
		}
		return endpoint + "?key=…" + string(r)
	case data.ChannelWeComTask:
		chats := "all"
		if len(c.ChatIDs) > 0 {
			chats = strings.Join(c.ChatIDs, ",")
		}
		t := fmt.Sprintf("corp=%s sender=%s chats=%s", c.CorpID, c.Sender, chats)
		if c.URL != "" {
			t += " api=" + c.URL
		}
		return t
	}
	return ""
}

func writeChannels(a *app, cfg config, chs []data.Channel, format string) error {
	if format == "json" {
		type row struct {
			Name        string `json:"name"`
			Kind        string `json:"kind"`
			Target      string `json:"target"`
			Enabled     bool   `json:"enabled"`
			LastError   string `json:"last_error"`
			LastErrorAt string `json:"last_error_at,omitempty"`
		}
		out := []row{}
		for _, c := range chs {
			at := ""
			if !c.LastErrorAt.IsZero() {
				at = c.LastErrorAt.Format(time.RFC3339)
			}
			out = append(out, row{c.Name, c.Kind, channelTarget(c), c.Enabled, c.LastError, at})
		}
		return writeJSON(a.stdout, out)
	}
	if len(chs) == 0 {
		fmt.Fprintln(a.stdout, "除个人微信外还没有渠道。用 wxdigest channel add --name 名称 --wecom-robot 机器人地址 添加。")
		return nil
	}
	for _, c := range chs {
		state := "正常"
		if !c.Enabled {
			state = "停用"
		}
		if c.LastError != "" {
			state = fmt.Sprintf("故障（%s 起）：%s", c.LastErrorAt.In(cfg.loc).Format("01-02 15:04"), oneLine(c.LastError))
		}
		fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%s\n", c.Name, kindZH(c.Kind), channelTarget(c), state)
	}
	return nil
}
