// Package jsonview builds the JSON documents the CLI prints with
// --format json and the web API serves, field for field the same, so a
// script can read either. It only shapes values; it does no I/O.
package jsonview

import (
	"encoding/json"
	"io"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// Article is one article as `articles --format json` lists it.
type Article struct {
	ID       int64  `json:"id"`
	Date     string `json:"date"`
	Source   string `json:"source"`
	URL      string `json:"url"`
	Kicker   string `json:"kicker"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Dateline string `json:"dateline"`
	Byline   string `json:"byline"`
	Lead     string `json:"lead"`
	Body     string `json:"body"`
}

// ArticleOf is a stored article's JSON.
func ArticleOf(x digest.Article) Article {
	return Article{x.ID, x.Date, x.Source, x.URL, x.Kicker, x.Title, x.Subtitle, x.Dateline, x.Byline, x.Lead, x.Body}
}

// ArticleList is the document of `articles --format json`.
type ArticleList struct {
	Articles []Article `json:"articles"`
}

// Articles lists arts as `articles --format json` does.
func Articles(arts []digest.Article) ArticleList {
	out := ArticleList{Articles: make([]Article, 0, len(arts))}
	for _, x := range arts {
		out.Articles = append(out.Articles, ArticleOf(x))
	}
	return out
}

// DigestItem is one item of `digest --format json`.
type DigestItem struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Lead   string `json:"lead"`
	Byline string `json:"byline"`
	Source string `json:"source"`
}

// DigestDoc is the document of `digest --format json` (no --group).
type DigestDoc struct {
	Date  string       `json:"date"`
	Items []DigestItem `json:"items"`
	Parts []string     `json:"parts"`
}

// Digest is a day's digest d (issue date day, YYYY-MM-DD) rendered into
// parts, as `digest --format json` prints it.
func Digest(day string, d digest.Digest, parts []string) DigestDoc {
	out := DigestDoc{Date: day, Items: []DigestItem{}, Parts: parts}
	if out.Parts == nil {
		out.Parts = []string{}
	}
	for _, it := range d.Items {
		x := it.Article
		out.Items = append(out.Items, DigestItem{x.ID, x.Title, x.Lead, x.Byline, x.Source})
	}
	return out
}

// SlotDoc is the document of `digest --group NAME --format json`: what a
// subscription's next slot sends.
type SlotDoc struct {
	Date  string   `json:"date"`
	IDs   []int64  `json:"ids"`
	Parts []string `json:"parts"`
	Kinds []string `json:"kinds"`
}

// Slot is a subscription's slot preview on civil date day.
func Slot(day time.Time, ids []int64, parts, kinds []string) SlotDoc {
	if ids == nil {
		ids = []int64{}
	}
	return SlotDoc{day.Format(time.DateOnly), ids, orEmpty(parts), orEmpty(kinds)}
}

// Subscription is one row of `sub list --format json`.
type Subscription struct {
	Group       string   `json:"group"`
	Schedule    string   `json:"schedule"`
	TZ          string   `json:"tz"`
	Enabled     bool     `json:"enabled"`
	Next        string   `json:"next"`
	Kind        string   `json:"kind"`
	Weekdays    bool     `json:"weekdays"`
	Source      string   `json:"source"`
	Description string   `json:"description"`
	Channel     string   `json:"channel"`
	Style       string   `json:"style"`
	Include     []string `json:"include"`
	Exclude     []string `json:"exclude"`
	// Approve: slots wait for a staff member's approval (审核).
	Approve bool `json:"approve,omitempty"`
}

// Subscriptions lists subs as `sub list --format json` does.
func Subscriptions(subs []bot.SubscriptionInfo) []Subscription {
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		next := ""
		if !s.Next.IsZero() {
			next = s.Next.Format(time.RFC3339)
		}
		out = append(out, Subscription{s.Group, s.Spec, s.TZ, s.Enabled, next, s.Kind, s.Weekdays, s.Source, s.Schedule, s.Channel, s.Style,
			orEmpty(s.Include), orEmpty(s.Exclude), s.Approve})
	}
	return out
}

// Delivery is one row of `deliveries --format json`.
type Delivery struct {
	Group    string `json:"group"`
	Slot     string `json:"slot"`
	Part     int    `json:"part"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
	SentAt   string `json:"sent_at"`
	Parts    int    `json:"parts"`
	Channel  string `json:"channel"`
	Kind     string `json:"kind"`
	RemoteID string `json:"remote_id,omitempty"`
	// Account is who sent the part (or claimed it to send): the personal
	// account's name, or the WeCom channel's.
	Account string `json:"account"`
}

// Deliveries lists ledger rows as `deliveries --format json` does, times
// in loc (the configured zone, as the operator reads them).
func Deliveries(ds []model.Delivery, loc *time.Location) []Delivery {
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		sent := ""
		if !d.SentAt.IsZero() {
			sent = d.SentAt.In(loc).Format(time.RFC3339)
		}
		out = append(out, Delivery{d.Group, d.Slot.In(loc).Format(time.RFC3339), d.Part, StateLabel(d.State), d.Attempts, d.Error, sent, d.Parts, d.Channel, d.Kind, d.RemoteID, d.Account})
	}
	return out
}

// StateLabel is a ledger state as `deliveries` prints it: a task waiting
// for its sender reads "awaiting confirmation".
func StateLabel(state string) string {
	if state == model.DeliveryAwaiting {
		return "awaiting confirmation"
	}
	return state
}

// Write encodes v as the CLI prints JSON: indented, HTML left alone.
func Write(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
