package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/internal/jsonview"
)

// dayFlag resolves --date (default today in the configured zone) to the
// stored YYYY-MM-DD string and the civil date.
func (a *app) dayFlag(cfg config, date string) (string, time.Time, error) {
	if date == "" {
		date = a.today(cfg)
	}
	t, err := parseDate(date, cfg.loc)
	if err != nil {
		return "", time.Time{}, err
	}
	return date, t, nil
}

// loadDay reads the stored articles of --date (default today).
func (a *app) loadDay(ctx context.Context, cfg config, date string) (string, time.Time, []digest.Article, error) {
	day, civil, err := a.dayFlag(cfg, date)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return "", time.Time{}, nil, err
	}
	defer st.Close()
	arts, err := st.ArticlesByDate(ctx, day)
	return day, civil, arts, err
}

func cmdDigest(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "digest")
	storeFlags(fs, &cfg)
	date := fs.String("date", "", "issue date YYYY-MM-DD (default: today)")
	format := fs.String("format", "text", "output format: text, json or png (the image card 早报图; needs --out)")
	out := fs.String("out", "", "PNG file to write with --format png; a day needing several cards adds -2, -3… before .png")
	font := fs.String("font", a.getenv("WXDIGEST_FONT"), "CJK font file for --format png (env WXDIGEST_FONT; default: Noto Sans CJK found on the system)")
	group := fs.String("group", "", "render it exactly as this WeChat group's subscription would send it: its filters, minus what it already got")
	channel := fs.String("channel", "", "the same for a WeCom channel's subscription (its byte limits and style too)")
	fs.IntVar(&cfg.Budget, "budget", cfg.Budget, "characters per message part (env WXDIGEST_BUDGET; leads: WXDIGEST_LEAD_BUDGET)")
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	png := *format == "png"
	if !png {
		if err := checkFormat(*format); err != nil {
			return usagef("format %q: want text, json or png", *format)
		}
	}
	if png && *out == "" {
		return usagef("--format png needs --out FILE")
	}
	if *group != "" && *channel != "" {
		return usagef("give --group or --channel, not both")
	}
	var cards *card.Renderer
	if png {
		// The font first: a missing one is the likeliest failure.
		var err error
		if cards, err = card.Load(*font); err != nil {
			return err
		}
	}
	if *group != "" || *channel != "" {
		return a.subscriptionDigest(ctx, cfg, *date, *group, *channel, *format, *out, cards)
	}
	day, civil, arts, err := a.loadDay(ctx, cfg, *date)
	if err != nil {
		return err
	}
	d := bot.ComposeDay(arts, civil, cfg.LeadBudget)
	if png {
		return writeCards(a, cards, card.FromDigest(d), *out)
	}
	parts := digest.Render(d, cfg.Budget)
	if *format == "json" {
		// The API's /api/digest answers with the same document.
		return jsonview.Write(a.stdout, jsonview.Digest(day, d, parts))
	}
	writeParts(a.stdout, parts)
	return nil
}

// subscriptionDigest renders a day as one subscription's next slot would
// send it: its filters, minus what its group already has, in its channel's
// limits and its style (image parts drawn with --format png).
func (a *app) subscriptionDigest(ctx context.Context, cfg config, date, group, channel, format, out string, cards *card.Renderer) error {
	_, civil, err := a.dayFlag(cfg, date)
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var sub data.Subscription
	kind := ""
	if group != "" {
		if sub, err = st.Subscription(ctx, group); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("group %q has no subscription (see wxdigest sub list)", group)
			}
			return err
		}
	} else {
		ch, err := st.Channel(ctx, channel)
		if errors.Is(err, data.ErrNotFound) {
			return fmt.Errorf("no channel named %q (see wxdigest channel list)", channel)
		}
		if err != nil {
			return err
		}
		kind = ch.Kind
		subs, err := st.Subscriptions(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, s := range subs {
			if s.Channel == channel {
				sub, found = s, true
			}
		}
		if !found {
			return fmt.Errorf("channel %q has no subscription (see wxdigest sub list)", channel)
		}
	}
	parts, kinds, ids, err := bot.SlotPreview(ctx, st, sub, civil, channelFormat(kind, true), cfg.Budget, cfg.LeadBudget)
	if err != nil {
		return err
	}
	var texts []string
	var cs []card.Card
	for i, p := range parts {
		if kinds[i] == data.PartImage {
			c, err := card.Parse(p)
			if err != nil {
				return err
			}
			cs = append(cs, c)
			continue
		}
		texts = append(texts, p)
	}
	switch format {
	case "png":
		if len(cs) == 0 {
			return fmt.Errorf("this subscription sends no image card (style %s, or nothing new)", sub.Style)
		}
		return writeCards(a, cards, cs, out)
	case "json":
		return jsonview.Write(a.stdout, jsonview.Slot(civil, ids, parts, kinds))
	}
	if len(parts) == 0 {
		fmt.Fprintln(a.stdout, "这个订阅今天没有新内容可发：定时推送会跳过。")
		return nil
	}
	for i, c := range cs {
		fmt.Fprintf(a.stdout, "［早报图 %d/%d：%d 条］\n", i+1, len(cs), len(c.Items))
	}
	if len(cs) > 0 && len(texts) > 0 {
		fmt.Fprintln(a.stdout, "\n────────")
	}
	writeParts(a.stdout, texts)
	return nil
}

// writeCards draws image cards into out (out-2.png, … for the further
// cards of a long day), each file 0644, and says what it wrote.
func writeCards(a *app, r *card.Renderer, cs []card.Card, out string) error {
	for i, c := range cs {
		b, err := r.Render(c)
		if err != nil {
			return fmt.Errorf("image card %d: %w", i+1, err)
		}
		path := out
		if i > 0 {
			ext := filepath.Ext(out)
			path = strings.TrimSuffix(out, ext) + "-" + strconv.Itoa(i+1) + ext
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s\t%d 条\t%d 字节\t字体 %s\n", path, len(c.Items), len(b), r.FontName())
	}
	return nil
}

// writeParts prints message parts as they would arrive, one after another.
func writeParts(w io.Writer, parts []string) {
	for i, p := range parts {
		if i > 0 {
			fmt.Fprintln(w, "\n────────")
		}
		fmt.Fprintln(w, p)
	}
}

// articleJSON is an article as `articles --format json` lists it.
type articleJSON = jsonview.Article

func cmdArticles(ctx context.Context, a *app, cfg config, args []string) error {
	if len(args) > 0 {
		switch {
		case isHelpArg(args[0]):
			return verbHelp{[]string{"list (the default)", "edit", "delete"}}
		case args[0] == "edit" || args[0] == "delete":
			return cmdArticlesChange(ctx, a, cfg, args[0], args[1:])
		case args[0] == "list":
			args = args[1:]
		}
	}
	fs := newFlags(a, "articles list")
	storeFlags(fs, &cfg)
	date := fs.String("date", "", "issue date YYYY-MM-DD (default: today)")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	_, civil, arts, err := a.loadDay(ctx, cfg, *date)
	if err != nil {
		return err
	}
	if *format == "json" {
		// The API's /api/articles answers with the same document.
		return jsonview.Write(a.stdout, jsonview.Articles(arts))
	}
	if len(arts) == 0 {
		fmt.Fprintf(a.stdout, "%d年%d月%d日 暂无新闻\n", civil.Year(), civil.Month(), civil.Day())
		return nil
	}
	for i, x := range arts {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		writeArticleText(a.stdout, i+1, x)
	}
	return nil
}

// cmdArticlesChange corrects (edit) or withdraws (delete) a stored article
// before it goes out, audited as the command line.
func cmdArticlesChange(ctx context.Context, a *app, cfg config, verb string, args []string) error {
	fs := newFlags(a, "articles "+verb)
	storeFlags(fs, &cfg)
	id := fs.Int64("id", 0, "the article's id (see wxdigest articles --format json)")
	var title, lead, byline optString
	if verb == "edit" {
		fs.Var(&title, "title", "the corrected `TITLE`")
		fs.Var(&lead, "lead", "the corrected `LEAD` (导语)")
		fs.Var(&byline, "byline", "the corrected `BYLINE`; \"\" removes it")
	}
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("--id N is required (see wxdigest articles --format json)")
	}
	if verb == "edit" && !title.set && !lead.set && !byline.set {
		return usagef("nothing to change: give --title, --lead or --byline")
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	m := a.manager(st)
	if verb == "delete" {
		art, err := m.WithdrawArticle(ctx, cliWho, *id)
		if errors.Is(err, data.ErrWithdrawn) {
			return fmt.Errorf("article %d is already withdrawn", *id)
		}
		if errors.Is(err, data.ErrNotFound) {
			return fmt.Errorf("no article with id %d", *id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已撤下 %d：%s（%s）。之后的摘要、搜索和详情都不会再出现。\n", art.ID, art.Title, art.Date)
		return nil
	}
	art, err := m.EditArticle(ctx, cliWho, *id, bot.ArticleEdit{Title: title.ptr(), Lead: lead.ptr(), Byline: byline.ptr()})
	var argErr *bot.ArgError
	switch {
	case errors.As(err, &argErr):
		return usageError{argErr.Msg}
	case errors.Is(err, data.ErrNotFound):
		return fmt.Errorf("no article with id %d (or it was withdrawn)", *id)
	case err != nil:
		return err
	}
	fmt.Fprintf(a.stdout, "已修改 %d：\n", art.ID)
	writeArticleText(a.stdout, int(art.ID), art)
	return nil
}

// optString is a string flag that knows whether it was given, so that
// --byline "" can clear a field.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string { return o.v }
func (o *optString) Set(v string) error {
	o.v, o.set = v, true
	return nil
}
func (o *optString) ptr() *string {
	if !o.set {
		return nil
	}
	return &o.v
}

func cmdSearch(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "search")
	storeFlags(fs, &cfg)
	limit := fs.Int("limit", 10, "most results to show")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return usagef("want a QUERY")
	}
	if *limit <= 0 {
		return usagef("limit %d: want a positive number", *limit)
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return usageError{err.Error()}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	hits, err := st.Search(ctx, query, *limit)
	if errors.Is(err, data.ErrIndexDamaged) {
		return fmt.Errorf("%w; rebuild it with: wxdigest reindex", err)
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		type hit struct {
			ID      int64  `json:"id"`
			Date    string `json:"date"`
			Source  string `json:"source"`
			Title   string `json:"title"`
			Snippet string `json:"snippet"`
		}
		out := struct {
			Query string `json:"query"`
			Hits  []hit  `json:"hits"`
		}{Query: query, Hits: []hit{}}
		for _, h := range hits {
			out.Hits = append(out.Hits, hit{h.Article.ID, h.Article.Date, h.Article.Source, h.Article.Title, h.Snippet})
		}
		return writeJSON(a.stdout, out)
	}
	if len(hits) == 0 {
		fmt.Fprintf(a.stdout, "没有找到与“%s”相关的新闻\n", query)
		return nil
	}
	for _, h := range hits {
		fmt.Fprintf(a.stdout, "%s  %s\n    %s\n", h.Article.Date, h.Article.Title, h.Snippet)
	}
	return nil
}

func cmdReindex(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "reindex")
	storeFlags(fs, &cfg)
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// SQLite rebuilds its index from the articles in one transaction;
	// PostgreSQL recomputes the tokens in batches and rebuilds its GIN
	// index while the bot goes on.
	rb, ok := st.(interface{ RebuildSearchIndex(context.Context) error })
	if !ok {
		return fmt.Errorf("reindex: this store cannot rebuild its search index")
	}
	if err := rb.RebuildSearchIndex(ctx); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "已重建搜索索引。")
	return nil
}
