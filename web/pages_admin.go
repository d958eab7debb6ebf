package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/model"
)

// ---- 订阅

type subscriptionsPage struct {
	Subs  []subRow
	Form  subForm
	Error string
}

type subRow struct {
	Info     bot.SubscriptionInfo
	Target   string
	WeChat   bool
	Binding  string
	Schedule string // when it fires, in Chinese
}

// subForm is the subscription form, as typed.
type subForm struct {
	Group, Channel, At, Cron, TZ, Style, Source, Include, Exclude string
	Weekdays, Approve                                             bool
	Editing                                                       bool // filled from a stored subscription
}

func (s *Server) subscriptionsPage(w http.ResponseWriter, r *http.Request) {
	f := subForm{TZ: s.cfg.Zone.String(), Style: model.StyleText}
	if id := r.URL.Query().Get("edit"); id != "" && who(r).IsAdmin() {
		sub, ok, err := s.findSubscription(r.Context(), id)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if ok {
			f = formOf(sub, s.cfg.Zone)
		}
	}
	s.showSubscriptions(w, r, http.StatusOK, f, "")
}

// formOf fills the subscription form from a stored subscription, to edit
// it.
func formOf(sub model.Subscription, zone *time.Location) subForm {
	f := subForm{Group: sub.Group, TZ: sub.TZ, Style: sub.Style, Source: strings.ReplaceAll(sub.Source, ",", "、"),
		Include: strings.Join(sub.Include, "、"), Exclude: strings.Join(sub.Exclude, "、"),
		Weekdays: sub.Weekdays, Approve: sub.Approve, Editing: true}
	if sub.Channel != "" && sub.Channel != model.ChannelWeChat {
		f.Group, f.Channel = "", sub.Channel
	}
	if sub.Kind == model.ScheduleCron {
		f.Cron = sub.Spec
	} else {
		f.At = sub.Spec
	}
	if f.TZ == "" {
		f.TZ = zone.String()
	}
	if f.Style == "" {
		f.Style = model.StyleText
	}
	return f
}

func (s *Server) showSubscriptions(w http.ResponseWriter, r *http.Request, code int, f subForm, msg string) {
	ctx := r.Context()
	infos, err := s.manager.ListSubscriptions(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var groups map[string]string
	if s.cfg.Login != nil {
		if li, err := s.cfg.Login.LoginInfo(ctx); err == nil {
			groups = li.Groups
		} else {
			s.log.Warn("web: login info", "err", err)
		}
	}
	p := subscriptionsPage{Form: f, Error: msg}
	for _, in := range infos {
		wc := in.Channel == "" || in.Channel == model.ChannelWeChat
		p.Subs = append(p.Subs, subRow{Info: in, Target: target(in.Subscription), WeChat: wc, Binding: groups[in.Group],
			Schedule: describeSchedule(in.Subscription, s.cfg.Zone)})
	}
	s.render(w, r, code, "subscriptions", "订阅", p)
}

// subscriptionOf checks a form (or API request) and makes the
// subscription to store; msg is the Chinese reason when it cannot.
func subscriptionOf(f subForm) (model.Subscription, string, error) {
	f.Group, f.Channel = strings.TrimSpace(f.Group), strings.TrimSpace(f.Channel)
	if f.Channel == model.ChannelWeChat {
		f.Channel = ""
	}
	if (f.Group == "") == (f.Channel == "") {
		return model.Subscription{}, "请填写微信群名或企业微信渠道（二选一）", errors.New("want exactly one of group or channel")
	}
	f.At, f.Cron = strings.TrimSpace(f.At), strings.TrimSpace(f.Cron)
	if (f.At == "") == (f.Cron == "") {
		return model.Subscription{}, "请填写推送时间，或在“高级（cron 表达式）”里填写（二选一）", errors.New("want exactly one of at or cron")
	}
	switch f.Style {
	case "":
		f.Style = model.StyleText
	case model.StyleText, model.StyleImage, model.StyleBoth:
	default:
		return model.Subscription{}, "样式只能是文字、图片或图片+文字", fmt.Errorf("style %q: want text, image or both", f.Style)
	}
	sub := model.Subscription{Group: f.Group, Channel: f.Channel, TZ: strings.TrimSpace(f.TZ), Weekdays: f.Weekdays,
		Source: strings.Join(bot.SplitList(f.Source), ","), Include: bot.SplitList(f.Include), Exclude: bot.SplitList(f.Exclude),
		Style: f.Style, Enabled: true, Approve: f.Approve, Kind: model.ScheduleAt, Spec: f.At}
	if f.Cron != "" {
		sub.Kind, sub.Spec = model.ScheduleCron, f.Cron
	}
	return sub, "", nil
}

// checkChannel refuses a subscription to a WeCom channel that is not
// configured, and an image style on a customer-group task channel (it
// sends text only), as `wxdigest sub add` does. zh and en say why; err
// is set when the store failed.
func (s *Server) checkChannel(ctx context.Context, sub model.Subscription) (zh, en string, err error) {
	if sameChannel(sub.Channel, "") {
		return "", "", nil
	}
	ch, err := s.cfg.Channels.Channel(ctx, sub.Channel)
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Sprintf("没有名为「%s」的企业微信渠道，请先在服务器上用 wxdigest channel add 添加", sub.Channel),
			fmt.Sprintf("no channel named %q; add it first with wxdigest channel add", sub.Channel), nil
	}
	if err != nil {
		return "", "", err
	}
	if ch.Kind == model.ChannelWeComTask && sub.Style != model.StyleText {
		return fmt.Sprintf("渠道「%s」是企业微信客户群群发，只能发文字，请把样式改为文字", sub.Channel),
			fmt.Sprintf("channel %q is a customer-group task channel and sends text only; use style text", sub.Channel), nil
	}
	return "", "", nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	f := subForm{Group: r.PostFormValue("group"), Channel: r.PostFormValue("channel"), At: r.PostFormValue("at"),
		Cron: r.PostFormValue("cron"), TZ: r.PostFormValue("tz"), Style: r.PostFormValue("style"), Source: r.PostFormValue("source"),
		Include: r.PostFormValue("include"), Exclude: r.PostFormValue("exclude"),
		Weekdays: r.PostFormValue("weekdays") != "", Approve: r.PostFormValue("approve") != ""}
	sub, msg, err := subscriptionOf(f)
	if err != nil {
		s.showSubscriptions(w, r, http.StatusBadRequest, f, msg)
		return
	}
	if msg, _, err := s.checkChannel(r.Context(), sub); err != nil {
		s.internal(w, r, err)
		return
	} else if msg != "" {
		s.showSubscriptions(w, r, http.StatusBadRequest, f, msg)
		return
	}
	// Editing a paused subscription keeps it paused.
	paused := false
	if subs, err := s.cfg.Subscriptions.Subscriptions(r.Context()); err == nil {
		for _, old := range subs {
			same := sameChannel(old.Channel, sub.Channel) && (old.Group == sub.Group || !sameChannel(sub.Channel, ""))
			if same && !old.Enabled {
				paused = true
			}
		}
	}
	saved, err := s.manager.Subscribe(r.Context(), who(r).Who(), sub)
	if err == nil && paused {
		saved.Enabled = false
		if _, err := s.cfg.Subscriptions.PutSubscription(r.Context(), saved); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	if err != nil {
		var argErr *bot.ArgError
		switch {
		case errors.As(err, &argErr):
			s.showSubscriptions(w, r, http.StatusBadRequest, f, argErr.Hint)
		case errors.Is(err, bot.ErrNotAudited):
			s.log.Error("web: subscribe not audited", "err", err)
			redirectOK(w, r, "/subscriptions", "subscribed")
		default:
			s.internal(w, r, err)
		}
		return
	}
	redirectOK(w, r, "/subscriptions", "subscribed")
}

// sameChannel reports whether two subscriptions' channels are one ("" is
// the personal account).
func sameChannel(a, b string) bool {
	norm := func(c string) string {
		if c == "" {
			return model.ChannelWeChat
		}
		return c
	}
	return norm(a) == norm(b)
}

// changeSubscription pauses, resumes or removes a subscription.
func (s *Server) changeSubscription(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sub, ok := s.subscriptionOr404(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	p := who(r)
	verb := r.PathValue("verb")
	switch verb {
	case "pause", "resume":
		sub.Enabled = verb == "resume"
		if _, err := s.cfg.Subscriptions.PutSubscription(ctx, sub); err != nil {
			s.internal(w, r, err)
			return
		}
		if s.cfg.Pusher != nil {
			if err := s.cfg.Pusher.Reload(ctx); err != nil {
				s.log.Warn("web: reload subscriptions", "err", err)
			}
		}
		s.audit(r, p.Who(), "subscription."+verb, targetDetail(sub))
		redirectOK(w, r, "/subscriptions", map[bool]string{true: "resumed", false: "paused"}[sub.Enabled])
	case "remove":
		if err := s.unsubscribe(r, sub); err != nil && !errors.Is(err, bot.ErrNotAudited) {
			if errors.Is(err, model.ErrNotFound) {
				s.fail(w, r, http.StatusNotFound, "没有这个订阅", "no such subscription")
				return
			}
			s.internal(w, r, err)
			return
		}
		redirectOK(w, r, "/subscriptions", "removed")
	default:
		s.fail(w, r, http.StatusNotFound, "没有这个操作", "no such action")
	}
}

func (s *Server) unsubscribe(r *http.Request, sub model.Subscription) error {
	if sub.Channel == "" || sub.Channel == model.ChannelWeChat {
		return s.manager.Unsubscribe(r.Context(), who(r).Who(), sub.Group)
	}
	return s.manager.UnsubscribeChannel(r.Context(), who(r).Who(), sub.Channel)
}

// ---- 发送记录

type deliveriesPage struct {
	Since string
	// Slots are the slots that fired (newest first): their ledger rows,
	// or, for a slot held for approval or missed without it, its 审核.
	Slots []slotRows
	// Upcoming are today's slots still to come of subscriptions that
	// need approval.
	Upcoming []approvalView
}

type slotRows struct {
	Slot   time.Time
	Target string
	Date   string // the slot's issue date, for 摘要预览
	Rows   []model.Delivery
	// Approval is the slot's 审核, when its subscription needs one.
	Approval *model.Approval
	// Held: the slot fired and waits for approval; nothing is in the
	// ledger yet.
	Held bool
	// Approved: approved, its parts not in the ledger yet (about to go).
	Approved bool
	// Missed: nobody approved it in time.
	Missed bool
}

// since reads ?since= (default a week ago) as the start of a civil day.
func (s *Server) since(v string) (string, time.Time, error) {
	if strings.TrimSpace(v) == "" {
		t := s.today().AddDate(0, 0, -7)
		return t.Format(time.DateOnly), t, nil
	}
	return s.parseDay(v)
}

func (s *Server) deliveriesPage(w http.ResponseWriter, r *http.Request) {
	day, from, err := s.since(r.URL.Query().Get("since"))
	if err != nil {
		s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
		return
	}
	ctx := r.Context()
	ds, err := s.cfg.Deliveries.Deliveries(ctx, from)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	subs, err := s.cfg.Subscriptions.Subscriptions(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	byID := map[int64]model.Subscription{}
	for _, sub := range subs {
		byID[sub.ID] = sub
	}
	p := deliveriesPage{Since: day}
	idx := map[string]int{}
	slotOf := func(subID int64, slot time.Time, sub model.Subscription) *slotRows {
		k := ledgerKey(subID, slot)
		i, ok := idx[k]
		if !ok {
			i = len(p.Slots)
			idx[k] = i
			p.Slots = append(p.Slots, slotRows{Slot: slot, Target: target(sub), Date: slot.In(s.subZone(sub)).Format(time.DateOnly)})
		}
		return &p.Slots[i]
	}
	for _, d := range ds {
		sub, ok := byID[d.SubscriptionID]
		if !ok {
			sub = model.Subscription{Group: d.Group, Channel: d.Channel}
		}
		sr := slotOf(d.SubscriptionID, d.Slot, sub)
		sr.Rows = append(sr.Rows, d)
	}
	as, err := s.cfg.Approvals.Approvals(ctx, from)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	now := s.cfg.Now()
	for _, a := range as {
		if a.Slot.After(now) {
			continue // a slot still to come: see Upcoming
		}
		sub, ok := byID[a.SubscriptionID]
		if !ok {
			if _, inLedger := idx[ledgerKey(a.SubscriptionID, a.Slot)]; !inLedger {
				continue // a removed subscription's slot that never went out
			}
		}
		sr := slotOf(a.SubscriptionID, a.Slot, sub)
		sr.Approval = &a
		if len(sr.Rows) == 0 {
			switch a.State {
			case model.ApprovalPending:
				sr.Held = true
			case model.ApprovalApproved:
				sr.Approved = true
			case model.ApprovalMissed:
				sr.Missed = true
			}
		}
	}
	sort.SliceStable(p.Slots, func(i, j int) bool { return p.Slots[i].Slot.After(p.Slots[j].Slot) })
	if p.Upcoming, err = s.upcoming(r, byID); err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "deliveries", "发送记录", p)
}

// upcoming lists today's slots still to come of enabled subscriptions
// that need approval and have something to send: not approved yet, or
// approved ahead of time.
func (s *Server) upcoming(r *http.Request, subs map[int64]model.Subscription) ([]approvalView, error) {
	ctx := r.Context()
	today := s.today()
	now := s.cfg.Now()
	var out []approvalView
	for _, sub := range subs {
		if !sub.Approve || !sub.Enabled {
			continue
		}
		var next []time.Time
		for _, slot := range s.approvalSlots(sub, today, 48) {
			if slot.After(now) {
				next = append(next, slot)
			}
		}
		if len(next) == 0 {
			continue
		}
		pv, err := s.cfg.Digests.Preview(ctx, sub, today)
		if err != nil {
			return nil, err
		}
		av, err := s.approvalState(ctx, sub, next[0], pv.Parts, nil)
		if err != nil {
			return nil, err
		}
		if len(pv.Parts) == 0 && av.State != model.ApprovalApproved {
			continue
		}
		out = append(out, av)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Slot.Equal(out[j].Slot) {
			return out[i].Slot.Before(out[j].Slot)
		}
		return out[i].Target < out[j].Target
	})
	return out, nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "没有这条记录", "no such delivery")
		return
	}
	err := s.cfg.Deliveries.RetryDelivery(r.Context(), id)
	switch {
	case errors.Is(err, model.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "没有这条记录", "no such delivery")
		return
	case errors.Is(err, model.ErrInvalid):
		s.fail(w, r, http.StatusConflict, "只有发送失败的消息可以重发", "only failed parts can be retried")
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	s.audit(r, who(r).Who(), "delivery.retry", "id="+strconv.FormatInt(id, 10))
	since := r.PostFormValue("since")
	if _, _, err := s.parseDay(since); err != nil || since == "" {
		since = s.today().AddDate(0, 0, -7).Format(time.DateOnly)
	}
	redirectOK(w, r, "/deliveries?since="+since, "retried")
}

// ---- 来源

type sourcesPage struct {
	Available bool
	Sources   []model.Source
}

func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request) {
	p := sourcesPage{Available: s.cfg.Sources != nil}
	if s.cfg.Sources != nil {
		var err error
		if p.Sources, err = s.cfg.Sources.Sources(r.Context()); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "sources", "来源", p)
}

func (s *Server) enableSource(w http.ResponseWriter, r *http.Request) {
	verb := r.PathValue("verb")
	if s.cfg.Sources == nil || (verb != "enable" && verb != "disable") {
		s.fail(w, r, http.StatusNotFound, "没有这个操作", "no such action")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	err := s.cfg.Sources.EnableSource(r.Context(), name, verb == "enable")
	if errors.Is(err, model.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "没有这个来源", "no such source")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, who(r).Who(), "source."+verb, "name="+name)
	redirectOK(w, r, "/sources", map[bool]string{true: "source-on", false: "source-off"}[verb == "enable"])
}

// ---- 角色

type rolesPage struct {
	Grants []model.Grant
	Error  string
}

func (s *Server) rolesPage(w http.ResponseWriter, r *http.Request) {
	s.showRoles(w, r, http.StatusOK, "")
}

func (s *Server) showRoles(w http.ResponseWriter, r *http.Request, code int, msg string) {
	g, err := s.manager.ListRoles(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, code, "roles", "角色", rolesPage{Grants: g, Error: msg})
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	remark := r.PostFormValue("remark")
	var err error
	key := ""
	switch r.PathValue("verb") {
	case "grant":
		err, key = s.manager.GrantRole(ctx, who(r).Who(), remark, model.Role(r.PostFormValue("role"))), "granted"
	case "revoke":
		err, key = s.manager.RevokeRole(ctx, who(r).Who(), remark), "revoked"
	default:
		s.fail(w, r, http.StatusNotFound, "没有这个操作", "no such action")
		return
	}
	var argErr *bot.ArgError
	switch {
	case errors.As(err, &argErr):
		s.showRoles(w, r, http.StatusBadRequest, argErr.Hint)
		return
	case errors.Is(err, model.ErrNotFound):
		s.showRoles(w, r, http.StatusNotFound, "这个备注名没有角色")
		return
	case err != nil && !errors.Is(err, bot.ErrNotAudited):
		s.internal(w, r, err)
		return
	}
	redirectOK(w, r, "/roles", key)
}

// ---- 审计日志

type auditPage struct {
	Filter       model.AuditFilter
	Who, Action  string // the filter as typed
	Since, Until string
	Entries      []model.AuditEntry
	Actions      []string // the actions' Chinese names, to pick from
}

// auditLimit is how many entries the page shows at most.
const auditLimit = 500

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := auditPage{Who: strings.TrimSpace(q.Get("who")), Action: strings.TrimSpace(q.Get("action")),
		Filter: model.AuditFilter{Action: actionCode(q.Get("action")), Limit: auditLimit}}
	for _, l := range actionLabels {
		p.Actions = append(p.Actions, l)
	}
	for _, l := range actionGroups {
		p.Actions = append(p.Actions, l)
	}
	sort.Strings(p.Actions)
	if v := q.Get("since"); v != "" {
		day, t, err := s.parseDay(v)
		if err != nil {
			s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
			return
		}
		p.Since, p.Filter.Since = day, t
	}
	if v := q.Get("until"); v != "" {
		day, t, err := s.parseDay(v)
		if err != nil {
			s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
			return
		}
		p.Until, p.Filter.Until = day, t.AddDate(0, 0, 1)
	}
	// A bare name is looked up as typed, as a console user and as a token.
	for _, name := range whoFilters(p.Who) {
		f := p.Filter
		f.Who = name
		es, err := s.cfg.Audit.AuditEntries(r.Context(), f)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		p.Entries = append(p.Entries, es...)
	}
	sort.SliceStable(p.Entries, func(i, j int) bool { return p.Entries[i].At.After(p.Entries[j].At) })
	if len(p.Entries) > auditLimit {
		p.Entries = p.Entries[:auditLimit]
	}
	p.Filter.Who = p.Who
	s.render(w, r, http.StatusOK, "audit", "审计日志", p)
}

// ---- 登录状态

type botLoginPage struct {
	Available bool
	Info      LoginInfo
	QRStamp   int64
	Channels  map[string]string
}

func (s *Server) botLoginPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := botLoginPage{Available: s.cfg.Login != nil, Channels: s.cfg.Health.ChannelStates(ctx)}
	if s.cfg.Login != nil {
		var err error
		if p.Info, err = s.cfg.Login.LoginInfo(ctx); err != nil {
			s.internal(w, r, err)
			return
		}
		p.QRStamp = p.Info.QRAt.Unix()
	}
	s.render(w, r, http.StatusOK, "botlogin", "登录状态", p)
}

// botLoginQR draws the current login QR code.
func (s *Server) botLoginQR(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Login == nil {
		s.fail(w, r, http.StatusNotFound, "没有运行个人微信机器人", "no WeChat login")
		return
	}
	li, err := s.cfg.Login.LoginInfo(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if li.QR == "" {
		s.fail(w, r, http.StatusNotFound, "现在不需要扫码", "no QR code to scan")
		return
	}
	code, err := qr.Encode(li.QR, qr.M)
	if err != nil {
		s.internal(w, r, fmt.Errorf("web: qr: %w", err))
		return
	}
	code.Scale = 8
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(code.PNG())
}
