package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/jsonview"
	"github.com/wxdigest/wxdigest/model"
)

// decodeJSON reads a small JSON body into v, refusing unknown fields and
// trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func (s *Server) badJSON(w http.ResponseWriter, r *http.Request, err error) {
	s.fail(w, r, http.StatusBadRequest, "请求格式错误", "bad JSON: "+oneLine(err.Error()))
}

// importResponse is what POST /api/pages answers.
type importResponse struct {
	New      int                `json:"new"`
	Existing int                `json:"existing"`
	Articles []jsonview.Article `json:"articles"`
}

func (s *Server) apiImportPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day, _, err := s.parseDay(q.Get("date"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "日期格式不对，应为 年-月-日", oneLine(err.Error()))
		return
	}
	source := strings.TrimSpace(q.Get("source"))
	if source == "" {
		source = s.cfg.Source
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(strings.HasPrefix(mt, "text/") || mt == "application/octet-stream") {
			s.fail(w, r, http.StatusBadRequest, "版面须是纯文本", "the page must be text (Content-Type text/plain), got "+ct)
			return
		}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "读不出请求内容（太大？）", oneLine(err.Error()))
		return
	}
	text, err := digest.DecodeText(b)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "版面不是文字", "the page is not text: "+oneLine(err.Error()))
		return
	}
	arts, err := digest.ParsePage(text)
	if err == nil && len(arts) == 0 {
		err = errors.New("no articles found")
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "没有识别出稿件", oneLine(err.Error()))
		return
	}
	for i := range arts {
		arts[i].Source, arts[i].Date = source, day
	}
	res, err := s.importArticles(r, arts)
	if err != nil {
		if errors.Is(err, model.ErrInvalid) {
			s.fail(w, r, http.StatusBadRequest, "稿件内容不完整，不能导入", oneLine(err.Error()))
			return
		}
		s.internal(w, r, err)
		return
	}
	out := importResponse{New: res.New, Existing: res.Existing, Articles: make([]jsonview.Article, 0, len(arts))}
	for i, a := range arts {
		if i < len(res.IDs) {
			a.ID = res.IDs[i]
		}
		out.Articles = append(out.Articles, jsonview.ArticleOf(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiArticles(w http.ResponseWriter, r *http.Request) {
	day, _, err := s.parseDay(r.URL.Query().Get("date"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "日期格式不对，应为 年-月-日", oneLine(err.Error()))
		return
	}
	arts, err := s.cfg.Articles.ArticlesByDate(r.Context(), day)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jsonview.Articles(arts))
}

// articlePatch is PATCH /api/articles/{id}: fields left out stay.
type articlePatch struct {
	Title  *string `json:"title"`
	Lead   *string `json:"lead"`
	Byline *string `json:"byline"`
}

func (s *Server) apiEditArticle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件", "no such article")
		return
	}
	var p articlePatch
	if err := decodeJSON(w, r, &p); err != nil {
		s.badJSON(w, r, err)
		return
	}
	if p.Title == nil && p.Lead == nil && p.Byline == nil {
		s.fail(w, r, http.StatusBadRequest, "没有要修改的字段", "nothing to change: give title, lead or byline")
		return
	}
	a, err := s.manager.EditArticle(r.Context(), who(r).Who(), id, bot.ArticleEdit{Title: p.Title, Lead: p.Lead, Byline: p.Byline})
	if err != nil && !errors.Is(err, bot.ErrNotAudited) {
		s.articleError(w, r, err)
		return
	}
	if err != nil {
		s.log.Error("web: change not audited", "err", err)
	}
	writeJSON(w, http.StatusOK, jsonview.ArticleOf(a))
}

func (s *Server) apiWithdrawArticle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件", "no such article")
		return
	}
	if _, err := s.manager.WithdrawArticle(r.Context(), who(r).Who(), id); err != nil && !errors.Is(err, bot.ErrNotAudited) {
		s.articleError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiDigest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day, civil, err := s.parseDay(q.Get("date"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "日期格式不对，应为 年-月-日", oneLine(err.Error()))
		return
	}
	ctx := r.Context()
	if key := q.Get("group") + q.Get("channel"); key != "" {
		// As `digest --group NAME --format json`: that subscription's slot.
		sub, ok := s.subscriptionOr404(w, r, key)
		if !ok {
			return
		}
		pv, err := s.cfg.Digests.Preview(ctx, sub, civil)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, jsonview.Slot(civil, pv.IDs, pv.Parts, pv.Kinds))
		return
	}
	arts, err := s.cfg.Articles.ArticlesByDate(ctx, day)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d := bot.ComposeDay(arts, civil, s.cfg.LeadBudget)
	writeJSON(w, http.StatusOK, jsonview.Digest(day, d, digest.Render(d, s.cfg.Budget)))
}

func (s *Server) apiSubscriptions(w http.ResponseWriter, r *http.Request) {
	infos, err := s.manager.ListSubscriptions(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jsonview.Subscriptions(infos))
}

// subscribeRequest is POST /api/subscriptions.
type subscribeRequest struct {
	Group    string   `json:"group"`
	Channel  string   `json:"channel"`
	At       string   `json:"at"`
	Cron     string   `json:"cron"`
	TZ       string   `json:"tz"`
	Weekdays bool     `json:"weekdays"`
	Style    string   `json:"style"`
	Source   string   `json:"source"`
	Include  []string `json:"include"`
	Exclude  []string `json:"exclude"`
	Approve  bool     `json:"approve"`
}

func (s *Server) apiSubscribe(w http.ResponseWriter, r *http.Request) {
	var req subscribeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.badJSON(w, r, err)
		return
	}
	tz := req.TZ
	if tz == "" {
		tz = s.cfg.Zone.String()
	}
	sub, msg, err := subscriptionOf(subForm{Group: req.Group, Channel: req.Channel, At: req.At, Cron: req.Cron, TZ: tz,
		Style: req.Style, Source: req.Source, Include: strings.Join(req.Include, ","), Exclude: strings.Join(req.Exclude, ","),
		Weekdays: req.Weekdays, Approve: req.Approve})
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, msg, err.Error())
		return
	}
	ctx := r.Context()
	if zh, en, err := s.checkChannel(ctx, sub); err != nil {
		s.internal(w, r, err)
		return
	} else if zh != "" {
		s.fail(w, r, http.StatusBadRequest, zh, en)
		return
	}
	saved, err := s.manager.Subscribe(ctx, who(r).Who(), sub)
	var argErr *bot.ArgError
	switch {
	case errors.As(err, &argErr):
		s.fail(w, r, http.StatusBadRequest, argErr.Hint, oneLine(argErr.Msg))
		return
	case err != nil && !errors.Is(err, bot.ErrNotAudited):
		s.internal(w, r, err)
		return
	}
	infos, err := s.manager.ListSubscriptions(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, in := range infos {
		if in.ID == saved.ID {
			writeJSON(w, http.StatusCreated, jsonview.Subscriptions([]bot.SubscriptionInfo{in})[0])
			return
		}
	}
	writeJSON(w, http.StatusCreated, jsonview.Subscriptions([]bot.SubscriptionInfo{{Subscription: saved, Schedule: bot.DescribeSchedule(saved)}})[0])
}

func (s *Server) apiUnsubscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	group, channel := strings.TrimSpace(q.Get("group")), strings.TrimSpace(q.Get("channel"))
	if (group == "") == (channel == "") {
		s.fail(w, r, http.StatusBadRequest, "请给出 group 或 channel（二选一）", "want exactly one of ?group=NAME or ?channel=NAME")
		return
	}
	sub := model.Subscription{Group: group, Channel: channel}
	err := s.unsubscribe(r, sub)
	switch {
	case errors.Is(err, model.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "没有这个订阅", "no such subscription")
		return
	case err != nil && !errors.Is(err, bot.ErrNotAudited):
		var argErr *bot.ArgError
		if errors.As(err, &argErr) {
			s.fail(w, r, http.StatusBadRequest, argErr.Hint, oneLine(argErr.Msg))
			return
		}
		s.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	_, from, err := s.since(r.URL.Query().Get("since"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "日期格式不对，应为 年-月-日", oneLine(err.Error()))
		return
	}
	ds, err := s.cfg.Deliveries.Deliveries(r.Context(), from)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jsonview.Deliveries(ds, s.cfg.Zone))
}

// approveRequest is POST /api/approvals. Subscription is its id, group or
// channel name; Slot an RFC 3339 time, or "" for the subscription's next
// slot today.
type approveRequest struct {
	Subscription json.RawMessage `json:"subscription"`
	Slot         string          `json:"slot"`
}

// ApprovalJSON is an approval as the API answers it.
type ApprovalJSON struct {
	Subscription int64  `json:"subscription"`
	Group        string `json:"group"`
	Channel      string `json:"channel"`
	Slot         string `json:"slot"`
	State        string `json:"state"`
	By           string `json:"by"`
	At           string `json:"at"`
	TextHash     string `json:"text_hash"`
	Parts        int    `json:"parts"`
}

func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) {
	var req approveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.badJSON(w, r, err)
		return
	}
	key, err := subscriptionKey(req.Subscription)
	if err != nil {
		s.badJSON(w, r, err)
		return
	}
	ctx := r.Context()
	sub, ok := s.subscriptionOr404(w, r, key)
	if !ok {
		return
	}
	if !sub.Approve {
		s.fail(w, r, http.StatusConflict, "这个订阅不需要审核", "the subscription does not require approval")
		return
	}
	slot, err := s.parseSlot(ctx, sub, req.Slot)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "时段格式不对，应为 RFC 3339 时间", oneLine(err.Error()))
		return
	}
	a, parts, err := s.approve(ctx, who(r), sub, slot)
	if err != nil {
		s.approveError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ApprovalJSON{Subscription: sub.ID, Group: sub.Group, Channel: sub.Channel,
		Slot: a.Slot.In(s.cfg.Zone).Format(time.RFC3339), State: a.State, By: a.By, At: a.At.In(s.cfg.Zone).Format(time.RFC3339),
		TextHash: a.TextHash, Parts: len(parts)})
}

// subscriptionKey reads "subscription" as an id (a number) or a name.
func subscriptionKey(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New(`"subscription" is required`)
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return strconv.FormatInt(n, 10), nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil || strings.TrimSpace(name) == "" {
		return "", errors.New(`"subscription": want an id or a group or channel name`)
	}
	return name, nil
}

// parseSlot reads a slot: RFC 3339, "YYYY-MM-DD HH:MM" in the
// subscription's zone, or "" for its slot today.
func (s *Server) parseSlot(_ context.Context, sub model.Subscription, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if t, ok := s.approvalSlot(sub, s.today()); ok {
			return t, nil
		}
		return time.Time{}, errors.New("no slot left today; give \"slot\"")
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return slotKey(t), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, s.subZone(sub)); err == nil {
			return slotKey(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("slot %q: want RFC 3339", v)
}
