package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Alert defaults.
const (
	DefaultAlertAfter = time.Minute      // a channel down this long is reported
	DefaultAlertPoll  = 10 * time.Second // how often channels are looked at
)

// Channel kinds as the alerter words them.
const (
	KindWeChat    = "wechat"
	KindWeComBot  = "wecom-robot"
	KindWeComTask = "wecom-task"
)

// WatchedChannel is one running channel as the Alerter sees it.
type WatchedChannel struct {
	Name      string // the channel's name (data.ChannelWeChat for the personal account)
	Kind      string // KindWeChat, KindWeComBot or KindWeComTask
	Transport Transport
	Queue     *Pacer // its paced queue; a rate-limit pause shows there
}

// AlerterConfig configures an Alerter. Send is where alerts go (the alert
// channel's admin chat); they are always logged too.
type AlerterConfig struct {
	Channels []WatchedChannel
	Send     func(text string)
	// Via names the channel Send goes through: its own failures are
	// logged only, as an alert it carries could not arrive.
	Via string
	// OnChange records a channel's current failure ("" when it is up),
	// e.g. for `wxdigest channel list`.
	OnChange func(channel, errText string)
	Clock    Clock         // default SystemClock
	After    time.Duration // default DefaultAlertAfter
	Poll     time.Duration // default DefaultAlertPoll
	Zone     *time.Location
	Logger   *slog.Logger
}

// Alerter tells admins when a channel has been down for longer than After
// (personal WeChat logged out or refused, a robot's key rejected, a
// rate-limit pause) and again when it is back.
type Alerter struct {
	cfg AlerterConfig
	log *slog.Logger

	mu    sync.Mutex
	state map[string]*alertState
}

type alertState struct {
	down    bool
	since   time.Time
	reason  string
	alerted bool
}

// NewAlerter fills in defaults.
func NewAlerter(cfg AlerterConfig) *Alerter {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.After <= 0 {
		cfg.After = DefaultAlertAfter
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultAlertPoll
	}
	if cfg.Zone == nil {
		cfg.Zone = loadZone(DefaultZone)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Alerter{cfg: cfg, log: log, state: make(map[string]*alertState)}
}

// Run looks at the channels every Poll until ctx is done.
func (a *Alerter) Run(ctx context.Context) error {
	return every(ctx, a.cfg.Clock, a.cfg.Poll, a.Check)
}

// Check looks at every channel once and sends what is due.
func (a *Alerter) Check() {
	now := a.cfg.Clock.Now()
	for _, ch := range a.cfg.Channels {
		down, reason, text := a.health(ch, now)
		a.mu.Lock()
		st := a.state[ch.Name]
		if st == nil {
			st = &alertState{}
			a.state[ch.Name] = st
		}
		var msg string
		changed := false
		switch {
		case down && !st.down:
			st.down, st.since, st.reason, st.alerted = true, now, reason, false
			changed = true
		case down && st.down:
			if reason != st.reason {
				st.reason = reason
				changed = true
			}
			if !st.alerted && now.Sub(st.since) >= a.cfg.After {
				st.alerted = true
				msg = text
			}
		case !down && st.down:
			if st.alerted {
				msg = fmt.Sprintf("【wxdigest 恢复】%s已恢复正常（中断了%s），积压的消息会按顺序补发。", label(ch), zhDuration(now.Sub(st.since)))
			}
			*st = alertState{}
			changed = true
		}
		a.mu.Unlock()
		if changed {
			if down {
				a.log.Warn("bot: channel down", "channel", ch.Name, "kind", ch.Kind, "reason", reason)
			} else {
				a.log.Info("bot: channel up again", "channel", ch.Name, "kind", ch.Kind)
			}
			if a.cfg.OnChange != nil {
				a.cfg.OnChange(ch.Name, reason)
			}
		}
		if msg != "" {
			a.log.Warn("bot: alert for admins", "channel", ch.Name, "text", msg)
			if a.cfg.Send != nil && ch.Name != a.cfg.Via {
				a.cfg.Send(msg)
			}
		}
	}
}

// label names a channel for admins.
func label(ch WatchedChannel) string {
	switch ch.Kind {
	case KindWeChat:
		return "个人微信"
	case KindWeComBot:
		return "企业微信群机器人「" + ch.Name + "」"
	case KindWeComTask:
		return "企业微信客户群群发「" + ch.Name + "」"
	}
	return "渠道「" + ch.Name + "」"
}

// health says whether ch is down, why (for the log and channel list), and
// the alert text that tells admins what to do.
func (a *Alerter) health(ch WatchedChannel, now time.Time) (down bool, reason, alert string) {
	st := ch.Transport.State()
	name := label(ch)
	if !st.LoggedIn {
		reason = st.LastErr
		if reason == "" {
			reason = "not connected"
		}
		switch {
		case ch.Kind == KindWeChat && strings.Contains(reason, ErrLoginRefused.Error()):
			return true, reason, fmt.Sprintf("【wxdigest 告警】%s被拒绝登录（%s）：这个微信号可能被限制使用网页/桌面版登录。请在手机上查看账号状态，解除限制或换号后重新登录；其他渠道照常发送，个人微信待发的消息会保留。",
				name, oneLineText(reason))
		case ch.Kind == KindWeChat:
			return true, reason, fmt.Sprintf("【wxdigest 告警】%s已掉线（%s），定时推送和群里的命令都暂停了，待发的消息会保留。请重新登录：查看运行 wxdigest run 的终端或日志里的二维码，用机器人微信扫码登录。",
				name, oneLineText(reason))
		case ch.Kind == KindWeComBot:
			return true, reason, fmt.Sprintf("【wxdigest 告警】%s的地址被企业微信拒绝（%s）：机器人可能已被移出群或 key 被重置。请在群里重新添加机器人，复制新的 webhook 地址后运行 wxdigest channel add --name %s --wecom-robot 新地址。待发的消息会保留，修好后自动补发。",
				name, oneLineText(reason), ch.Name)
		default:
			return true, reason, fmt.Sprintf("【wxdigest 告警】%s被企业微信拒绝（%s）：请检查 corpid、secret 和发送人是否正确、应用是否有客户联系权限，然后用 wxdigest channel add --name %s 更新。待发的消息会保留。",
				name, oneLineText(reason), ch.Name)
		}
	}
	if ch.Queue != nil {
		if until := ch.Queue.Stats().PausedUntil; until.After(now) {
			reason = "rate limited until " + until.UTC().Format(time.RFC3339)
			return true, reason, fmt.Sprintf("【wxdigest 告警】%s发送过于频繁，被限流，已暂停到 %s，之后自动继续，消息不会丢失。如经常出现，请减少这个渠道的推送。",
				name, until.In(a.cfg.Zone).Format("15:04"))
		}
	}
	return false, "", ""
}

// oneLineText folds an error into one short line for chat.
func oneLineText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

// channelStatusLine sums up a channel for 状态: up or why not, and its
// queue.
func channelStatusLine(ch WatchedChannel, now time.Time, when func(time.Time) string) string {
	line := label(ch) + "："
	st := ch.Transport.State()
	switch {
	case !st.LoggedIn:
		line += "故障"
		if st.LastErr != "" {
			line += "（" + oneLineText(st.LastErr) + "）"
		}
	default:
		line += "正常"
	}
	if ch.Queue != nil {
		qs := ch.Queue.Stats()
		line += fmt.Sprintf("，%d 条待发，今天已发 %d 条", qs.Queued, qs.SentToday)
		if qs.PausedUntil.After(now) {
			line += "，限流暂停到 " + when(qs.PausedUntil)
		}
	}
	return line
}
