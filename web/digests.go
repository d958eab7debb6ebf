package web

import (
	"context"
	"fmt"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/card"
	"github.com/wxdigest/wxdigest/model"
)

// SlotDigests is Digests over a store: previews are bot.SlotPreview in
// each channel's format, cards are drawn by Cards.
type SlotDigests struct {
	Store bot.DispatchStore
	// Formats says how each channel takes a digest, as the dispatcher's
	// DispatcherConfig.Formats; nil: text parts of Budget runes.
	Formats func(channel string) bot.Format
	// Budget and LeadBudget as the dispatcher's; ≤ 0: digest's defaults.
	Budget, LeadBudget int
	// Cards draws image cards; nil: ErrNoImages.
	Cards *card.Renderer
}

var _ Digests = SlotDigests{}

// Preview is what a slot of sub would send on day.
func (d SlotDigests) Preview(ctx context.Context, sub model.Subscription, day time.Time) (Preview, error) {
	var f bot.Format
	if d.Formats != nil {
		f = d.Formats(sub.Channel)
	}
	budget := d.Budget
	if budget <= 0 {
		budget = 2000
	}
	parts, kinds, ids, err := bot.SlotPreview(ctx, d.Store, sub, day, f, budget, d.LeadBudget)
	if err != nil {
		return Preview{}, fmt.Errorf("web: preview: %w", err)
	}
	pv := Preview{Parts: parts, Kinds: kinds, IDs: ids, Limit: budget, Images: f.Images}
	if f.Bytes > 0 {
		pv.Limit, pv.Bytes = f.Bytes, true
	}
	return pv, nil
}

// CanDrawCards reports whether a font is loaded to draw image cards.
func (d SlotDigests) CanDrawCards() bool { return d.Cards != nil }

// CardPNG draws one card.
func (d SlotDigests) CardPNG(_ context.Context, c card.Card) ([]byte, error) {
	if d.Cards == nil {
		return nil, ErrNoImages
	}
	b, err := d.Cards.Render(c)
	if err != nil {
		return nil, fmt.Errorf("web: card: %w", err)
	}
	return b, nil
}
