package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

const (
	// MaxBytes is the largest PNG Render hands out: WeChat groups take
	// bigger pictures, but older phones on mobile data load them slowly.
	MaxBytes = 2 << 20
	// MaxItems is the most items one card shows, so a card stays about
	// two phone screens tall and is read before it is scrolled past.
	MaxItems = 8
	// maxCardRunes bounds the text of one card (titles and leads), so
	// unusually long leads split a day into more cards instead of one very
	// tall picture.
	maxCardRunes = 1400
	// maxTitleRunes and maxLeadRunes only bite on text no digest makes
	// (its leads are shortened to about 120 runes): they keep a single
	// item, alone on its card, well inside MaxHeight and MaxBytes.
	maxTitleRunes = 200
	maxLeadRunes  = maxCardRunes

	dateLayout = "2006-01-02"
	// noTitle is what digest shows for an article without a headline.
	noTitle = "（无标题）"
)

// Card is what one image shows. It is stored as JSON in the delivery
// ledger and rendered at send time, so its JSON must be stable: fields are
// only ever added, never renamed.
type Card struct {
	Date   string `json:"date"`   // civil date "2006-01-02"
	Source string `json:"source"` // e.g. "中原区新闻", may be ""
	Items  []Item `json:"items"`
	Part   int    `json:"part,omitempty"` // 1-based when the day needs more than one card
	Parts  int    `json:"parts,omitempty"`
	Footer string `json:"footer,omitempty"` // e.g. 回复“详情 序号”查看全文
}

// Item is one numbered entry: N is what residents type in "详情 N".
type Item struct {
	N     int    `json:"n"`
	Title string `json:"title"`
	Lead  string `json:"lead"`
}

// FromDigest makes the cards of a digest: the digest's numbering, titles
// and display leads, split into parts of at most MaxItems items (fewer
// when leads are long) of nearly equal size. An empty digest gives one
// card without items, which renders as 暂无新闻.
func FromDigest(d digest.Digest) []Card {
	base := Card{Date: d.Date.Format(dateLayout), Source: strings.TrimSpace(d.Source)}
	items := make([]Item, len(d.Items))
	for i, it := range d.Items {
		items[i] = Item{N: it.N,
			Title: digest.ShortenLead(itemTitle(it.Article), maxTitleRunes),
			Lead:  digest.ShortenLead(oneLine(it.Lead), maxLeadRunes)}
	}
	if len(items) == 0 {
		c := base
		c.Items = []Item{}
		return []Card{c}
	}
	chunks := splitItems(items)
	cards := make([]Card, len(chunks))
	for i, ch := range chunks {
		c := base
		c.Items = ch
		if len(chunks) > 1 {
			c.Part, c.Parts = i+1, len(chunks)
		}
		if !d.NoFooter {
			c.Footer = "回复“详情 序号”查看全文，如“详情 " + strconv.Itoa(ch[0].N) + "”"
		}
		cards[i] = c
	}
	return cards
}

// itemTitle picks the headline the way digest's text rendering does, so
// the picture and the text name an item alike.
func itemTitle(a digest.Article) string {
	for _, s := range []string{a.Title, a.Subtitle, a.Kicker} {
		if s = digest.Readable(oneLine(s)); s != "" {
			return s
		}
	}
	return noTitle
}

// splitItems cuts items into the fewest chunks that respect MaxItems and
// maxCardRunes, sized evenly so the last card is not a lone straggler.
func splitItems(items []Item) [][]Item {
	for k := (len(items) + MaxItems - 1) / MaxItems; ; k++ {
		chunks := make([][]Item, 0, k)
		ok := true
		size, extra := len(items)/k, len(items)%k
		for i, start := 0, 0; i < k; i++ {
			end := start + size
			if i < extra {
				end++
			}
			ch := items[start:end:end]
			if len(ch) > 1 && chunkRunes(ch) > maxCardRunes {
				ok = false
			}
			chunks = append(chunks, ch)
			start = end
		}
		if ok || k >= len(items) {
			return chunks
		}
	}
}

func chunkRunes(items []Item) int {
	n := 0
	for _, it := range items {
		n += utf8.RuneCountInString(it.Title) + utf8.RuneCountInString(it.Lead)
	}
	return n
}

// Marshal is the card's JSON, as stored in the ledger. Items is never
// null and HTML characters are not escaped, so the text stays readable in
// the database.
func (c Card) Marshal() string {
	if c.Items == nil {
		c.Items = []Item{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		// Only strings and ints: encoding cannot fail.
		panic("card: marshal: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Parse reads a card stored by Marshal. Unknown fields are ignored so an
// older binary can still send cards written by a newer one. Errors are one
// line.
func Parse(s string) (Card, error) {
	var c Card
	if strings.TrimSpace(s) == "" {
		return Card{}, errors.New("card: empty JSON")
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Card{}, fmt.Errorf("card: bad JSON: %s", oneLine(err.Error()))
	}
	if err := c.validate(); err != nil {
		return Card{}, err
	}
	if c.Items == nil {
		c.Items = []Item{}
	}
	return c, nil
}

// validate checks what Render relies on.
func (c Card) validate() error {
	if _, err := time.Parse(dateLayout, c.Date); err != nil {
		return fmt.Errorf("card: bad date %q: want YYYY-MM-DD", clip(c.Date, 40))
	}
	if c.Parts < 0 || c.Part < 0 || c.Part > c.Parts || (c.Parts > 0 && c.Part == 0) {
		return fmt.Errorf("card: bad part %d of %d", c.Part, c.Parts)
	}
	return nil
}

// oneLine folds every whitespace run into one space, so a title or lead
// stays one paragraph and error messages stay one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip keeps at most n runes of s for an error message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
