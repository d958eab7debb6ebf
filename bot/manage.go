package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/model"
)

// ManageStore is the slice of the store that management changes.
type ManageStore interface {
	Subscriptions
	ArticleEditor
	Roles
	Audit
}

// Manager changes subscriptions and roles. Chat commands (订阅, 退订,
// 订阅列表) and the CLI (wxdigest sub …, role …) both go through it, so
// they validate, audit and reload the same way.
type Manager struct {
	Store ManageStore
	// Dispatcher is told to reload after a subscription changed; nil when
	// no bot runs in this process (the CLI).
	Dispatcher Dispatcher
	Now        func() time.Time // default time.Now; stamps audit entries
	Logger     *slog.Logger     // default: discard
}

// ErrBadArgs is wrapped by every *ArgError: what a person typed or passed
// cannot be used.
var ErrBadArgs = errors.New("bad arguments")

// ErrNotAudited is wrapped when a change was made but its audit entry
// could not be written: the change stands, the caller should report it.
var ErrNotAudited = errors.New("change made but not audited")

// ArgError is bad input from a person. Error is a one-line English
// message for logs and the CLI; Hint says the same in Chinese for chat,
// with what to type instead.
type ArgError struct {
	Msg  string
	Hint string
	Err  error // the underlying cause, if any (e.g. ErrBadSchedule)
}

func (e *ArgError) Error() string { return e.Msg }

// Unwrap lets errors.Is find both ErrBadArgs and the cause.
func (e *ArgError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBadArgs}
	}
	return []error{ErrBadArgs, e.Err}
}

// argErrorf builds an *ArgError; cause may be nil.
func argErrorf(cause error, hint, format string, args ...any) *ArgError {
	return &ArgError{Msg: fmt.Sprintf(format, args...), Hint: hint, Err: cause}
}

// SubscriptionInfo is a subscription as listed: with its schedule in
// Chinese and its next firing (zero when disabled or never again).
type SubscriptionInfo struct {
	model.Subscription
	Schedule string
	Next     time.Time
}

// maxRemark bounds a RemarkName; WeChat's own limit is well below.
const maxRemark = 64

func (m Manager) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

func (m Manager) log() *slog.Logger {
	if m.Logger == nil {
		return discardLogger()
	}
	return m.Logger
}

// audit writes one entry. The change it records is already made, so a
// failure here is returned for the caller to report, not undone.
func (m Manager) audit(ctx context.Context, who, action, detail string) error {
	if who == "" {
		who = "unknown"
	}
	if err := m.Store.Audit(ctx, model.AuditEntry{At: m.now(), Who: who, Action: action, Detail: detail}); err != nil {
		return fmt.Errorf("bot: audit %s: %w: %w", action, ErrNotAudited, err)
	}
	return nil
}

// reload tells a running dispatcher about changed subscriptions. A failure
// is logged, not returned: the change is stored and the dispatcher reads
// it at its next reload.
func (m Manager) reload(ctx context.Context) {
	if m.Dispatcher == nil {
		return
	}
	if err := m.Dispatcher.Reload(ctx); err != nil {
		m.log().Warn("reload subscriptions", "err", err)
	}
}

// Subscribe validates sub (group, schedule that fires, time zone — ""
// means DefaultZone), stores it enabled, replacing the group's previous
// subscription, audits it as who and reloads the dispatcher. Bad input
// gives an *ArgError.
func (m Manager) Subscribe(ctx context.Context, who string, sub model.Subscription) (model.Subscription, error) {
	sub.Group = strings.TrimSpace(sub.Group)
	sub.Spec = strings.TrimSpace(sub.Spec)
	sub.TZ = strings.TrimSpace(sub.TZ)
	sub.Source = strings.TrimSpace(sub.Source)
	if sub.TZ == "" {
		sub.TZ = DefaultZone
	}
	sub.Enabled = true
	sub.Channel = strings.TrimSpace(sub.Channel)
	if !isWeChat(sub.Channel) {
		// A robot or task channel is the whole target.
		sub.Group = sub.Channel
	}
	switch sub.Style {
	case "":
		sub.Style = model.StyleText
	case model.StyleText, model.StyleImage, model.StyleBoth:
	default:
		return model.Subscription{}, argErrorf(nil, "样式只能是 text、image 或 both",
			"bot: subscribe: style %q: want text, image or both", sub.Style)
	}
	if sub.Group == "" {
		return model.Subscription{}, argErrorf(nil, "请在要订阅的群里发送“订阅 08:00”",
			"bot: subscribe: empty group name")
	}
	sched, err := NewSchedule(sub)
	if err != nil {
		return model.Subscription{}, argErrorf(err, "时间看不懂，请这样写：订阅 08:00 或 订阅 08:00,18:00 工作日",
			"bot: subscribe %q: %v", sub.Group, err)
	}
	if sched.Next(m.now()).IsZero() {
		return model.Subscription{}, argErrorf(ErrBadSchedule, "这个时间表永远不会触发，请换一个时间",
			"bot: subscribe %q: schedule %q never fires", sub.Group, sub.Spec)
	}
	saved, err := m.Store.PutSubscription(ctx, sub)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("bot: subscribe %q: %w", sub.Group, err)
	}
	detail := fmt.Sprintf("group=%s %s %s tz=%s", saved.Group, saved.Kind, saved.Spec, saved.TZ)
	if !isWeChat(saved.Channel) {
		detail = fmt.Sprintf("channel=%s %s %s tz=%s", saved.Channel, saved.Kind, saved.Spec, saved.TZ)
	}
	if saved.Style != model.StyleText {
		detail += " style=" + saved.Style
	}
	if saved.Weekdays {
		detail += " weekdays"
	}
	if saved.Source != "" {
		detail += " source=" + saved.Source
	}
	if len(saved.Include) > 0 {
		detail += " include=" + strings.Join(saved.Include, ",")
	}
	if len(saved.Exclude) > 0 {
		detail += " exclude=" + strings.Join(saved.Exclude, ",")
	}
	m.reload(ctx)
	return saved, m.audit(ctx, who, "subscribe", detail)
}

// Unsubscribe removes the group's subscription (an error wrapping
// model.ErrNotFound when it has none), audits it and reloads the dispatcher.
func (m Manager) Unsubscribe(ctx context.Context, who, group string) error {
	group = strings.TrimSpace(group)
	if group == "" {
		return argErrorf(nil, "请在要退订的群里发送“退订”", "bot: unsubscribe: empty group name")
	}
	if err := m.Store.RemoveSubscription(ctx, group); err != nil {
		return fmt.Errorf("bot: unsubscribe %q: %w", group, err)
	}
	m.reload(ctx)
	return m.audit(ctx, who, "unsubscribe", "group="+group)
}

// UnsubscribeChannel removes the subscription of a robot or task channel
// (an error wrapping model.ErrNotFound when it has none), audits it and
// reloads the dispatcher.
func (m Manager) UnsubscribeChannel(ctx context.Context, who, channel string) error {
	channel = strings.TrimSpace(channel)
	if channel == "" {
		return argErrorf(nil, "请指定渠道", "bot: unsubscribe: empty channel name")
	}
	if err := m.Store.RemoveChannelSubscription(ctx, channel); err != nil {
		return fmt.Errorf("bot: unsubscribe channel %q: %w", channel, err)
	}
	m.reload(ctx)
	return m.audit(ctx, who, "unsubscribe", "channel="+channel)
}

// ListSubscriptions lists every subscription by group name, with its
// schedule described and its next firing after now.
func (m Manager) ListSubscriptions(ctx context.Context) ([]SubscriptionInfo, error) {
	subs, err := m.Store.Subscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: list subscriptions: %w", err)
	}
	now := m.now()
	out := make([]SubscriptionInfo, 0, len(subs))
	for _, s := range subs {
		info := SubscriptionInfo{Subscription: s, Schedule: DescribeSchedule(s)}
		if s.Enabled {
			if sched, err := NewSchedule(s); err == nil {
				info.Next = sched.Next(now)
			}
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out, nil
}

// ParseRole reads "admin" or "staff" (also 管理员, 工作人员).
func ParseRole(s string) (model.Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "admin", "管理员":
		return model.RoleAdmin, nil
	case "staff", "工作人员":
		return model.RoleStaff, nil
	}
	return "", argErrorf(nil, "角色只能是 admin（管理员）或 staff（工作人员）",
		"bot: role %q: want admin or staff", s)
}

// checkRemark validates a RemarkName to grant to.
func checkRemark(op, remark string) (string, error) {
	remark = strings.TrimSpace(remark)
	switch {
	case remark == "":
		return "", argErrorf(nil, "请写上好友的备注名", "bot: %s: empty remark", op)
	case utf8.RuneCountInString(remark) > maxRemark:
		return "", argErrorf(nil, "备注名太长", "bot: %s: remark longer than %d characters", op, maxRemark)
	case strings.ContainsAny(remark, "\n\r\t"):
		return "", argErrorf(nil, "备注名不能换行", "bot: %s: remark %q holds a line break", op, remark)
	}
	return remark, nil
}

// GrantRole gives role (admin or staff) to the friend with this
// RemarkName and audits it as who.
func (m Manager) GrantRole(ctx context.Context, who, remark string, role model.Role) error {
	remark, err := checkRemark("grant role", remark)
	if err != nil {
		return err
	}
	if role, err = ParseRole(string(role)); err != nil {
		return err
	}
	if err := m.Store.GrantRole(ctx, remark, role, who); err != nil {
		return fmt.Errorf("bot: grant %s to %q: %w", role, remark, err)
	}
	return m.audit(ctx, who, "role.grant", "remark="+remark+" role="+string(role))
}

// RevokeRole takes the friend's role away (an error wrapping
// model.ErrNotFound when there is none) and audits it as who.
func (m Manager) RevokeRole(ctx context.Context, who, remark string) error {
	remark, err := checkRemark("revoke role", remark)
	if err != nil {
		return err
	}
	if err := m.Store.RevokeRole(ctx, remark); err != nil {
		return fmt.Errorf("bot: revoke role of %q: %w", remark, err)
	}
	return m.audit(ctx, who, "role.revoke", "remark="+remark)
}

// ListRoles lists every grant.
func (m Manager) ListRoles(ctx context.Context) ([]model.Grant, error) {
	g, err := m.Store.Roles(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: list roles: %w", err)
	}
	return g, nil
}

// subscribeUsage is the Chinese hint for 订阅's arguments.
const subscribeUsage = "请这样写：订阅 08:00，或 订阅 08:00,18:00 工作日"

// maxSubscribeTimes bounds the times of one subscription.
const maxSubscribeTimes = 24

// ParseSubscribeArgs reads what follows 订阅 into an enabled subscription
// without a group:
//
//	08:00                 every day at 08:00
//	08:00,18:00 工作日    twice, Monday to Friday (，、; and spaces separate too)
//	周一至周五 8点半       工作日 synonyms: 周一至周五, 周一到周五, weekdays
//	下午6点 / 18点 / 18点30分
//	cron 0 8 * * *        a robfig/cron spec, 5 fields or 6 with seconds
//	08:00 Asia/Tokyo      a time zone (defaultTZ, else DefaultZone, otherwise)
//
// Full-width digits and colons (０８：００) are fine. Bad input gives an
// *ArgError whose Hint says what to type.
func ParseSubscribeArgs(args string, defaultTZ string) (model.Subscription, error) {
	tz := strings.TrimSpace(defaultTZ)
	if tz == "" {
		tz = DefaultZone
	}
	s := rtNormalize(args)
	sub := model.Subscription{Kind: model.ScheduleAt, TZ: tz, Enabled: true}
	if s == "" {
		return model.Subscription{}, argErrorf(nil, subscribeUsage, "bot: subscribe: no times given (want HH:MM[,HH:MM] [工作日])")
	}
	tokens := strings.Fields(s)
	if strings.EqualFold(tokens[0], "cron") {
		var spec []string
		for _, t := range tokens[1:] {
			switch {
			case rtIsWeekdays(t):
				sub.Weekdays = true
			case rtIsZone(t):
				sub.TZ = t
			default:
				spec = append(spec, t)
			}
		}
		sub.Kind = model.ScheduleCron
		sub.Spec = strings.Join(spec, " ")
		if _, err := NewSchedule(sub); err != nil {
			return model.Subscription{}, argErrorf(err, "cron 写法不对，请这样写：订阅 cron 0 8 * * *", "bot: subscribe: %v", err)
		}
		return sub, nil
	}
	seen := make(map[int]bool)
	var mins []int
	for _, tok := range tokens {
		switch {
		case rtIsWeekdays(tok):
			sub.Weekdays = true
			continue
		case tok == "每天" || tok == "每日" || strings.EqualFold(tok, "daily"):
			continue
		case rtIsZone(tok):
			sub.TZ = tok
			continue
		}
		for _, f := range strings.FieldsFunc(tok, func(r rune) bool { return strings.ContainsRune(",、;", r) }) {
			if rtIsWeekdays(f) {
				sub.Weekdays = true
				continue
			}
			m, ok := rtParseClock(f)
			if !ok {
				return model.Subscription{}, argErrorf(ErrBadSchedule, "看不懂时间“"+rtCut(f, 20)+"”，"+subscribeUsage,
					"bot: subscribe: time %q is not HH:MM between 00:00 and 23:59", f)
			}
			if !seen[m] {
				seen[m] = true
				mins = append(mins, m)
			}
		}
	}
	if len(mins) == 0 {
		return model.Subscription{}, argErrorf(nil, subscribeUsage, "bot: subscribe: no times given (want HH:MM[,HH:MM] [工作日])")
	}
	if len(mins) > maxSubscribeTimes {
		return model.Subscription{}, argErrorf(nil, "一天最多 "+strconv.Itoa(maxSubscribeTimes)+" 个时间",
			"bot: subscribe: %d times, at most %d", len(mins), maxSubscribeTimes)
	}
	sort.Ints(mins)
	spec := make([]string, len(mins))
	for i, m := range mins {
		spec[i] = fmt.Sprintf("%02d:%02d", m/60, m%60)
	}
	sub.Spec = strings.Join(spec, ",")
	if _, err := NewSchedule(sub); err != nil {
		return model.Subscription{}, argErrorf(err, subscribeUsage, "bot: subscribe: %v", err)
	}
	return sub, nil
}

// rtIsWeekdays reports a word meaning Monday to Friday.
func rtIsWeekdays(s string) bool {
	switch strings.ToLower(s) {
	case "工作日", "周一至周五", "周一到周五", "周一~周五", "周一-周五",
		"星期一至星期五", "星期一到星期五", "weekdays", "workdays":
		return true
	}
	return false
}

// rtIsZone reports an IANA zone name such as Asia/Tokyo (or UTC).
func rtIsZone(s string) bool {
	if s != "UTC" && !strings.Contains(s, "/") {
		return false
	}
	if strings.ContainsAny(s, ":,") || len(s) > 64 {
		return false
	}
	_, err := time.LoadLocation(s)
	return err == nil
}

// rtParseClock reads one time of day into minutes: 8:00, 08:00, 8点,
// 8点半, 18点30, 18点30分, with an optional 早上/上午/中午/下午/晚上 that
// moves afternoon hours past noon.
func rtParseClock(s string) (int, bool) {
	shift := func(h int) int { return h }
	for _, p := range []struct {
		word string
		pm   func(h int) int
	}{
		{"早上", nil}, {"上午", nil}, {"凌晨", nil},
		{"中午", func(h int) int { return h + 12*rtB2i(h >= 1 && h <= 3) }},
		{"下午", func(h int) int { return h + 12*rtB2i(h >= 1 && h <= 11) }},
		{"晚上", func(h int) int { return h + 12*rtB2i(h >= 1 && h <= 11) }},
	} {
		if rest, ok := strings.CutPrefix(s, p.word); ok {
			s = rest
			if p.pm != nil {
				shift = p.pm
			}
			break
		}
	}
	var hs, ms string
	switch {
	case strings.Contains(s, ":"):
		hs, ms, _ = strings.Cut(s, ":")
		if len(ms) != 2 {
			return 0, false
		}
	case strings.Contains(s, "点"):
		hs, ms, _ = strings.Cut(s, "点")
		ms = strings.TrimSuffix(ms, "分")
		switch ms {
		case "", "整":
			ms = "0"
		case "半":
			ms = "30"
		}
	default:
		return 0, false
	}
	if hs == "" || ms == "" {
		return 0, false
	}
	h, ok1 := rtAtoi(hs)
	mm, ok2 := rtAtoi(ms)
	if !ok1 || !ok2 || h > 23 || mm > 59 {
		return 0, false
	}
	h = shift(h)
	if h > 23 {
		return 0, false
	}
	return h*60 + mm, true
}

// rtB2i is 1 for true.
func rtB2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
