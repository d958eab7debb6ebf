package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// today is the current issue date.
func (s *Server) today() time.Time {
	n := s.cfg.Now().In(s.cfg.Zone)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, s.cfg.Zone)
}

// parseDay reads YYYY-MM-DD as a civil date in the zone; "" is today.
func (s *Server) parseDay(v string) (string, time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		t := s.today()
		return t.Format(time.DateOnly), t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, s.cfg.Zone)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD", v)
	}
	return v, t, nil
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, zh string, err error) {
	en := "bad request"
	if err != nil {
		en = oneLine(err.Error())
	}
	s.fail(w, r, http.StatusBadRequest, zh, en)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func redirectOK(w http.ResponseWriter, r *http.Request, path, key string) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"ok="+key, http.StatusSeeOther)
}

// ---- 今日稿件

type articlesPage struct {
	Date   string
	Source string
	Text   string           // the pasted or uploaded page
	Parsed []digest.Article // what the parser found, not yet stored
	Stored []digest.Article
}

func (s *Server) articlesPage(w http.ResponseWriter, r *http.Request) {
	day, _, err := s.parseDay(r.URL.Query().Get("date"))
	if err != nil {
		s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
		return
	}
	src := strings.TrimSpace(r.URL.Query().Get("source"))
	if src == "" {
		src = s.cfg.Source
	}
	s.showArticles(w, r, http.StatusOK, articlesPage{Date: day, Source: src})
}

// articlesURL is 今日稿件 of a day, keeping the source the page was
// imported as.
func (s *Server) articlesURL(day, source string) string {
	u := "/articles?date=" + url.QueryEscape(day)
	if source = strings.TrimSpace(source); source != "" && source != s.cfg.Source {
		u += "&source=" + url.QueryEscape(source)
	}
	return u
}

// trimPage drops the blank lines a paste often starts with, and trailing
// space.
func trimPage(text string) string {
	for {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok || strings.TrimSpace(line) != "" {
			break
		}
		text = rest
	}
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return strings.TrimRightFunc(text, unicode.IsSpace)
}

func (s *Server) showArticles(w http.ResponseWriter, r *http.Request, code int, p articlesPage) {
	stored, err := s.cfg.Articles.ArticlesByDate(r.Context(), p.Date)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p.Stored = stored
	s.render(w, r, code, "articles", "今日稿件", p)
}

// readPageText reads the page a form pasted (text) or uploaded (file).
func readPageText(r *http.Request) (string, error) {
	if err := r.ParseMultipartForm(maxUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "", fmt.Errorf("form: %w", err)
	}
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxUpload))
		if err != nil {
			return "", fmt.Errorf("upload: %w", err)
		}
		if len(b) > 0 {
			return digest.DecodeText(b)
		}
	}
	return digest.DecodeText([]byte(r.FormValue("text")))
}

func (s *Server) parsePage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	text, err := readPageText(r)
	day, _, derr := s.parseDay(r.FormValue("date"))
	text = trimPage(text)
	p := articlesPage{Date: day, Source: strings.TrimSpace(r.FormValue("source")), Text: text}
	if p.Source == "" {
		p.Source = s.cfg.Source
	}
	if derr != nil {
		s.badRequest(w, r, "日期格式不对，应为 年-月-日", derr)
		return
	}
	if err != nil {
		s.badRequest(w, r, "读不出版面文字：请粘贴文字，或上传 UTF-8 / GBK 的 .txt 文件", err)
		return
	}
	arts, err := digest.ParsePage(text)
	if err != nil || len(arts) == 0 {
		s.badRequest(w, r, "没有从这段文字里识别出稿件", err)
		return
	}
	p.Parsed = arts
	s.showArticles(w, r, http.StatusOK, p)
}

// articleFields reads the i-th article of a form's parallel fields.
func articleFields(r *http.Request, i int) digest.Article {
	at := func(name string) string {
		v := r.PostForm[name]
		if i < len(v) {
			return strings.TrimSpace(strings.ReplaceAll(v[i], "\r\n", "\n"))
		}
		return ""
	}
	return digest.Article{Kicker: at("kicker"), Title: at("title"), Subtitle: at("subtitle"), Dateline: at("dateline"),
		Byline: at("byline"), Lead: at("lead"), Body: at("body")}
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseForm(); err != nil {
		s.badRequest(w, r, "表单格式不对", err)
		return
	}
	day, _, err := s.parseDay(r.PostFormValue("date"))
	if err != nil {
		s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
		return
	}
	source := strings.TrimSpace(r.PostFormValue("source"))
	if source == "" {
		source = s.cfg.Source
	}
	var arts []digest.Article
	for _, k := range r.PostForm["keep"] {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(r.PostForm["title"]) {
			s.badRequest(w, r, "表单格式不对", fmt.Errorf("keep %q", k))
			return
		}
		a := articleFields(r, i)
		if a.Title == "" || a.Lead == "" {
			s.badRequest(w, r, fmt.Sprintf("第 %d 篇缺少标题或导语", i+1), errors.New("title and lead are required"))
			return
		}
		if a.Body == "" {
			a.Body = a.Lead
		}
		a.Source, a.Date = source, day
		arts = append(arts, a)
	}
	if len(arts) == 0 {
		s.badRequest(w, r, "没有勾选要导入的稿件", errors.New("nothing to import"))
		return
	}
	res, err := s.importArticles(r, arts)
	if err != nil {
		if errors.Is(err, model.ErrInvalid) {
			s.badRequest(w, r, "稿件内容不完整，不能导入", err)
			return
		}
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s&ok=imported&new=%d&existing=%d", s.articlesURL(day, source), res.New, res.Existing), http.StatusSeeOther)
}

// importArticles stores articles and audits the import.
func (s *Server) importArticles(r *http.Request, arts []digest.Article) (model.ImportResult, error) {
	res, err := s.cfg.Articles.ImportArticles(r.Context(), arts)
	if err != nil {
		return res, fmt.Errorf("web: import: %w", err)
	}
	s.audit(r, who(r).Who(), "article.import", fmt.Sprintf("date=%s source=%s new=%d existing=%d", arts[0].Date, arts[0].Source, res.New, res.Existing))
	return res, nil
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// Limits of the fields bot.Manager does not check, in runes.
const (
	maxEditLine = 200
	maxEditBody = 50000
)

func (s *Server) editArticle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件", "no such article")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.badRequest(w, r, "表单格式不对", err)
		return
	}
	ctx := r.Context()
	old, err := s.cfg.Articles.Article(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件（或已撤下）", "no such article")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	f := articleFields(r, 0)
	p := who(r)
	// Title, lead and byline as chat and the CLI correct them.
	var e bot.ArticleEdit
	if f.Title != old.Title {
		e.Title = &f.Title
	}
	if f.Lead != old.Lead {
		e.Lead = &f.Lead
	}
	if f.Byline != old.Byline {
		e.Byline = &f.Byline
	}
	changed := false
	if e.Title != nil || e.Lead != nil || e.Byline != nil {
		if _, err := s.manager.EditArticle(ctx, p.Who(), id, e); err != nil {
			s.articleError(w, r, err)
			return
		}
		changed = true
	}
	// The rest of the fields.
	cur, err := s.cfg.Articles.Article(ctx, id)
	if err != nil {
		s.articleError(w, r, err)
		return
	}
	var changes []string
	for _, c := range []struct {
		name, zh string
		dst      *string
		v        string
		max      int
	}{
		{"kicker", "引题", &cur.Kicker, f.Kicker, maxEditLine},
		{"subtitle", "副题", &cur.Subtitle, f.Subtitle, maxEditLine},
		{"dateline", "电头", &cur.Dateline, f.Dateline, maxEditLine},
		{"body", "正文", &cur.Body, f.Body, maxEditBody},
	} {
		if c.v == *c.dst {
			continue
		}
		if utf8.RuneCountInString(c.v) > c.max {
			s.badRequest(w, r, fmt.Sprintf("%s太长了（最多 %d 个字）", c.zh, c.max), fmt.Errorf("%s longer than %d runes", c.name, c.max))
			return
		}
		if c.name == "body" && c.v == "" {
			s.badRequest(w, r, "正文不能为空", errors.New("empty body"))
			return
		}
		changes = append(changes, c.name)
		*c.dst = c.v
	}
	if len(changes) > 0 {
		if err := s.cfg.Articles.CorrectArticle(ctx, cur); err != nil {
			s.articleError(w, r, err)
			return
		}
		s.audit(r, p.Who(), "article.edit", fmt.Sprintf("id=%d %s", id, strings.Join(changes, ",")))
		changed = true
	}
	key := "edited"
	if !changed {
		key = "unchanged"
	}
	redirectOK(w, r, s.articlesURL(cur.Date, r.PostFormValue("source")), key)
}

// articleError answers an edit or withdrawal that failed.
func (s *Server) articleError(w http.ResponseWriter, r *http.Request, err error) {
	var argErr *bot.ArgError
	switch {
	case errors.As(err, &argErr):
		s.badRequest(w, r, argErr.Hint, argErr)
	case errors.Is(err, model.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件（或已撤下）", "no such article (or withdrawn)")
	case errors.Is(err, model.ErrDuplicate):
		s.fail(w, r, http.StatusConflict, "改完后和另一篇稿件内容相同", "same content as another article")
	case errors.Is(err, model.ErrInvalid):
		s.badRequest(w, r, "修改后的稿件不完整", err)
	case errors.Is(err, bot.ErrNotAudited):
		s.log.Error("web: change not audited", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "已修改，但没能记入审计日志", "changed but not audited")
	default:
		s.internal(w, r, err)
	}
}

func (s *Server) withdrawArticle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "没有这篇稿件", "no such article")
		return
	}
	a, err := s.manager.WithdrawArticle(r.Context(), who(r).Who(), id)
	if err != nil && !errors.Is(err, bot.ErrNotAudited) {
		s.articleError(w, r, err)
		return
	}
	redirectOK(w, r, s.articlesURL(a.Date, r.PostFormValue("source")), "withdrawn")
}

// ---- 摘要预览

type previewPage struct {
	Date string
	Subs []subPreview
	// Day is the day's digest as `wxdigest digest` renders it, shown when
	// there is no subscription yet.
	Day *dayPreview
}

type subPreview struct {
	Sub       model.Subscription
	Target    string
	Parts     []partView
	Err       string
	Approvals []approvalView
	// Sent: some slot of this subscription on the day is in the ledger, so
	// no parts means nothing new since.
	Sent bool
}

// dayPreview is the day's digest without a subscription: text parts at
// the console's budget, and the image cards when a font is loaded.
type dayPreview struct {
	Items  int
	Parts  []partView
	Cards  int  // image cards the day makes
	Images bool // the console can draw them
}

type partView struct {
	N, Of       int
	Image       bool
	Text        string
	Size, Limit int
	Unit        string
	Over        bool
}

func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	day, civil, err := s.parseDay(r.URL.Query().Get("date"))
	if err != nil {
		s.badRequest(w, r, "日期格式不对，应为 年-月-日", err)
		return
	}
	ctx := r.Context()
	subs, err := s.cfg.Subscriptions.Subscriptions(ctx)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sort.SliceStable(subs, func(i, j int) bool { return target(subs[i]) < target(subs[j]) })
	page := previewPage{Date: day}
	if len(subs) == 0 {
		if page.Day, err = s.dayPreview(r, day, civil); err != nil {
			s.internal(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "preview", "摘要预览", page)
		return
	}
	led, err := s.ledgerAround(ctx, civil)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, sub := range subs {
		sp := subPreview{Sub: sub, Target: target(sub), Sent: sentOn(led, sub.ID, civil, s.subZone(sub))}
		pv, err := s.cfg.Digests.Preview(ctx, sub, civil)
		if err != nil {
			s.log.Warn("web: preview", "group", sub.Group, "err", err)
			sp.Err = "这个订阅的摘要生成失败，请稍后再试。"
			page.Subs = append(page.Subs, sp)
			continue
		}
		sp.Parts = partViews(pv)
		if sub.Approve {
			if sp.Approvals, err = s.slotApprovals(ctx, sub, civil, pv.Parts, led); err != nil {
				s.internal(w, r, err)
				return
			}
		}
		page.Subs = append(page.Subs, sp)
	}
	s.render(w, r, http.StatusOK, "preview", "摘要预览", page)
}

// sentOn reports whether a slot of subscription id on the civil date day
// (read in loc) has rows in the ledger.
func sentOn(led slotLedger, id int64, day time.Time, loc *time.Location) bool {
	want := day.Format(time.DateOnly)
	for _, rows := range led {
		if rows[0].SubscriptionID == id && rows[0].Slot.In(loc).Format(time.DateOnly) == want {
			return true
		}
	}
	return false
}

// dayDigest composes the day's digest as `wxdigest digest` does.
func (s *Server) dayDigest(r *http.Request, day string, civil time.Time) (digest.Digest, error) {
	arts, err := s.cfg.Articles.ArticlesByDate(r.Context(), day)
	if err != nil {
		return digest.Digest{}, fmt.Errorf("web: articles: %w", err)
	}
	return bot.ComposeDay(arts, civil, s.cfg.LeadBudget), nil
}

// dayPreview renders the day's digest for 摘要预览 without subscriptions.
func (s *Server) dayPreview(r *http.Request, day string, civil time.Time) (*dayPreview, error) {
	d, err := s.dayDigest(r, day, civil)
	if err != nil {
		return nil, err
	}
	dp := &dayPreview{Items: len(d.Items)}
	if len(d.Items) == 0 {
		return dp, nil
	}
	parts := digest.Render(d, s.cfg.Budget)
	pv := Preview{Parts: parts, Limit: s.cfg.Budget}
	for range parts {
		pv.Kinds = append(pv.Kinds, model.PartText)
	}
	dp.Parts = partViews(pv)
	dp.Cards = len(card.FromDigest(d))
	dp.Images = s.canDrawCards()
	return dp, nil
}

// canDrawCards reports whether the console can draw image cards; a
// Digests that cannot say is taken to.
func (s *Server) canDrawCards() bool {
	if c, ok := s.cfg.Digests.(interface{ CanDrawCards() bool }); ok {
		return c.CanDrawCards()
	}
	return true
}

func partViews(pv Preview) []partView {
	out := make([]partView, 0, len(pv.Parts))
	for i, p := range pv.Parts {
		v := partView{N: i + 1, Of: len(pv.Parts), Limit: pv.Limit}
		if i < len(pv.Kinds) && pv.Kinds[i] == model.PartImage {
			v.Image = true
		} else {
			v.Text = p
			if pv.Bytes {
				v.Size, v.Unit = len(p), "字节"
			} else {
				v.Size, v.Unit = utf8.RuneCountInString(p), "字"
			}
			v.Over = pv.Limit > 0 && v.Size > pv.Limit
		}
		out = append(out, v)
	}
	return out
}

// ErrNoImages: the console cannot draw image cards (no CJK font).
var ErrNoImages = errors.New("web: no font to draw image cards")

func (s *Server) previewCard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day, civil, err := s.parseDay(q.Get("date"))
	if err != nil {
		s.badRequest(w, r, "日期格式不对", err)
		return
	}
	n, _ := strconv.Atoi(q.Get("part"))
	ctx := r.Context()
	if q.Get("sub") == "" {
		s.dayCard(w, r, day, civil, n)
		return
	}
	sub, ok := s.subscriptionOr404(w, r, q.Get("sub"))
	if !ok {
		return
	}
	pv, err := s.cfg.Digests.Preview(ctx, sub, civil)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if n < 1 || n > len(pv.Parts) || pv.Kinds[n-1] != model.PartImage {
		s.fail(w, r, http.StatusNotFound, "没有这张早报图", "no such image part")
		return
	}
	c, err := card.Parse(pv.Parts[n-1])
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.writeCard(w, r, c)
}

// dayCard draws the n-th image card of the day's digest, as `wxdigest
// digest` would make it.
func (s *Server) dayCard(w http.ResponseWriter, r *http.Request, day string, civil time.Time, n int) {
	d, err := s.dayDigest(r, day, civil)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	cards := card.FromDigest(d)
	if len(d.Items) == 0 || n < 1 || n > len(cards) {
		s.fail(w, r, http.StatusNotFound, "没有这张早报图", "no such image card")
		return
	}
	s.writeCard(w, r, cards[n-1])
}

// writeCard answers with a card drawn as a PNG.
func (s *Server) writeCard(w http.ResponseWriter, r *http.Request, c card.Card) {
	png, err := s.cfg.Digests.CardPNG(r.Context(), c)
	if errors.Is(err, ErrNoImages) {
		s.fail(w, r, http.StatusServiceUnavailable, "服务器上没有中文字体，画不出早报图", "no CJK font")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

// subscriptionOr404 finds the subscription key names (see
// findSubscription), or answers 404 (500 when the store fails) and
// reports false.
func (s *Server) subscriptionOr404(w http.ResponseWriter, r *http.Request, key string) (model.Subscription, bool) {
	sub, ok, err := s.findSubscription(r.Context(), key)
	switch {
	case err != nil:
		s.internal(w, r, err)
		return model.Subscription{}, false
	case !ok:
		s.fail(w, r, http.StatusNotFound, "没有这个订阅", "no such subscription")
		return model.Subscription{}, false
	}
	return sub, true
}

// findSubscription finds a subscription by id, group or channel name.
func (s *Server) findSubscription(ctx context.Context, key string) (model.Subscription, bool, error) {
	key = strings.TrimSpace(key)
	subs, err := s.cfg.Subscriptions.Subscriptions(ctx)
	if err != nil {
		return model.Subscription{}, false, fmt.Errorf("web: subscriptions: %w", err)
	}
	if id, err := strconv.ParseInt(key, 10, 64); err == nil {
		for _, sub := range subs {
			if sub.ID == id {
				return sub, true, nil
			}
		}
	}
	for _, sub := range subs {
		if (sub.Group == key && (sub.Channel == "" || sub.Channel == model.ChannelWeChat)) || (sub.Channel == key && key != "") {
			return sub, true, nil
		}
	}
	return model.Subscription{}, false, nil
}

func (s *Server) approvePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sub, ok := s.subscriptionOr404(w, r, r.PostFormValue("subscription"))
	if !ok {
		return
	}
	slot, err := time.Parse(time.RFC3339Nano, r.PostFormValue("slot"))
	if err != nil {
		s.badRequest(w, r, "时段格式不对", err)
		return
	}
	if _, _, err := s.approve(ctx, who(r), sub, slot); err != nil {
		s.approveError(w, r, err)
		return
	}
	redirectOK(w, r, "/preview?date="+slot.In(s.subZone(sub)).Format(time.DateOnly), "approved")
}

func (s *Server) approveError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errNothingToApprove):
		s.fail(w, r, http.StatusConflict, "这个时段没有新内容，不需要审核", "nothing to approve: the slot sends nothing")
	case errors.Is(err, errApprovalMissed):
		s.fail(w, r, http.StatusConflict, "这个时段已经错过，不能再审核", "the slot was missed")
	default:
		s.internal(w, r, err)
	}
}

// ---- 推送

type pushPage struct {
	Available bool
	Groups    []string
	Results   []pushResult
}

type pushResult struct {
	Group        string
	Items, Parts int
	Err          string
}

func (s *Server) pushPage(w http.ResponseWriter, r *http.Request) {
	s.showPush(w, r, http.StatusOK, nil)
}

func (s *Server) showPush(w http.ResponseWriter, r *http.Request, code int, results []pushResult) {
	subs, err := s.cfg.Subscriptions.Subscriptions(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := pushPage{Available: s.cfg.Pusher != nil, Results: results}
	for _, sub := range subs {
		if sub.Enabled && (sub.Channel == "" || sub.Channel == model.ChannelWeChat) {
			p.Groups = append(p.Groups, sub.Group)
		}
	}
	sort.Strings(p.Groups)
	s.render(w, r, code, "push", "推送", p)
}

func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Pusher == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "机器人没有在这个进程里运行，现在不能推送", "no bot running")
		return
	}
	var groups []string
	if g := strings.TrimSpace(r.PostFormValue("group")); g != "" {
		groups = []string{g}
	}
	res, err := s.cfg.Pusher.PushNow(r.Context(), groups)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	detail := "all"
	if groups != nil {
		detail = "group=" + groups[0]
	}
	s.audit(r, who(r).Who(), "push", detail)
	out := make([]pushResult, 0, len(res))
	for _, x := range res {
		pr := pushResult{Group: x.Group, Items: x.Items, Parts: x.Parts}
		switch {
		case errors.Is(x.Err, bot.ErrNotSubscribed):
			pr.Err = "这个群没有启用的订阅"
		case errors.Is(x.Err, bot.ErrAwaitingApproval):
			pr.Err = "摘要待审核，未推送：请先在“摘要预览”里审核通过"
		case x.Err != nil:
			pr.Err = "推送失败：" + oneLine(x.Err.Error())
		}
		out = append(out, pr)
	}
	s.showPush(w, r, http.StatusOK, out)
}
