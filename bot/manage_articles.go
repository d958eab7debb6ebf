package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

// ArticleEdit is a correction of a stored article: nil fields stay as
// they are.
type ArticleEdit struct {
	Title, Lead, Byline *string
}

// Limits of an edited field, in runes: a title or byline is one line; a
// lead one sentence or a few.
const (
	maxEditTitle  = 100
	maxEditLead   = 500
	maxEditByline = 100
)

// EditArticle corrects article id (its title, lead or byline) before it
// goes out, audits the change as who, and returns the article as stored.
// The search index follows. Bad input gives an *ArgError; an unknown or
// withdrawn article an error wrapping data.ErrNotFound.
func (m Manager) EditArticle(ctx context.Context, who string, id int64, e ArticleEdit) (digest.Article, error) {
	a, err := m.Store.Article(ctx, id)
	if err != nil {
		return digest.Article{}, fmt.Errorf("bot: edit article %d: %w", id, err)
	}
	var changes []string
	set := func(name, zh string, field *string, v *string, max int, required bool) error {
		if v == nil {
			return nil
		}
		nv := strings.Join(strings.Fields(*v), " ")
		switch {
		case required && nv == "":
			return argErrorf(nil, zh+"不能为空", "bot: edit article %d: empty %s", id, name)
		case utf8.RuneCountInString(nv) > max:
			return argErrorf(nil, fmt.Sprintf("%s太长了（最多 %d 个字）", zh, max), "bot: edit article %d: %s longer than %d runes", id, name, max)
		}
		if nv != *field {
			changes = append(changes, fmt.Sprintf("%s: %q → %q", name, rtCut(*field, 60), rtCut(nv, 60)))
			*field = nv
		}
		return nil
	}
	if err := set("title", "标题", &a.Title, e.Title, maxEditTitle, true); err != nil {
		return digest.Article{}, err
	}
	if err := set("lead", "导语", &a.Lead, e.Lead, maxEditLead, true); err != nil {
		return digest.Article{}, err
	}
	if err := set("byline", "署名", &a.Byline, e.Byline, maxEditByline, false); err != nil {
		return digest.Article{}, err
	}
	if len(changes) == 0 {
		return a, nil
	}
	if err := m.Store.CorrectArticle(ctx, a); err != nil {
		return digest.Article{}, fmt.Errorf("bot: edit article %d: %w", id, err)
	}
	return a, m.audit(ctx, who, "article.edit", fmt.Sprintf("id=%d %s", id, strings.Join(changes, "; ")))
}

// WithdrawArticle takes article id out before it goes out: no digest,
// search or 详情 shows it again. It is audited as who and returns the
// article as it was.
func (m Manager) WithdrawArticle(ctx context.Context, who string, id int64) (digest.Article, error) {
	a, err := m.Store.Article(ctx, id)
	if err != nil {
		return digest.Article{}, fmt.Errorf("bot: withdraw article %d: %w", id, err)
	}
	if err := m.Store.WithdrawArticle(ctx, id, who); err != nil {
		return digest.Article{}, fmt.Errorf("bot: withdraw article %d: %w", id, err)
	}
	return a, m.audit(ctx, who, "article.withdraw", fmt.Sprintf("id=%d date=%s title=%q", id, a.Date, rtCut(a.Title, 60)))
}
