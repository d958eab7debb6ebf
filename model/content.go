package model

import (
	"crypto/sha256"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
)

// ImportResult says what an import did. IDs[i] is the id of the i-th input
// article, whether it was stored now or already.
type ImportResult struct {
	New      int
	Existing int
	IDs      []int64
}

// Hit is one search result.
type Hit struct {
	Article digest.Article
	// Snippet is a window of at most SnippetRunes runes of the body (or the
	// title when the body lacks the term) around the first match, with …
	// marking cut ends and line breaks shown as spaces.
	Snippet string
}

// Kinds of a source.
const (
	SourceFeed          = "feed"           // RSS 2.0, Atom or RSS 1.0
	SourcePage          = "page"           // one web page, fetched as one article each poll
	SourceWeChatForward = "wechat-forward" // 公众号 articles staff forward to the bot; never polled
)

// Source is somewhere articles come from by themselves. Name is also the
// Source of the articles it brings.
type Source struct {
	ID      int64
	Name    string
	Kind    string // SourceFeed, SourcePage or SourceWeChatForward
	URL     string // required for feeds and pages
	Every   time.Duration
	Enabled bool

	LastFetch    time.Time // zero: never fetched
	LastError    string    // "" when the last fetch worked
	ETag         string    // validators for the next conditional GET
	LastModified string
	Failures     int       // consecutive failed fetches
	NextFetch    time.Time // zero: due now
	Created      time.Time
}

// FetchOutcome is what one fetch of a source did, for RecordFetch.
type FetchOutcome struct {
	At  time.Time // when it ran; zero: the store's clock
	Err string    // "" for success, which resets Failures; else Failures+1 and kept as LastError
	// ETag and LastModified replace the stored validators after a
	// success; a failure keeps the old ones.
	ETag, LastModified string
	Next               time.Time // when the source is due again; required
}

// Fetched is one article a source brought: from a feed item, a web page or
// a forwarded 公众号 card.
type Fetched struct {
	// Article needs Source, Date and Title, like ImportArticles; URL is
	// the link it was read from.
	Article digest.Article
	// GUID is the feed item's id; "" when it has none (the URL then
	// stands in for it).
	GUID string
}

// FetchedResult says what ImportFetched did: the counts and ids of
// ImportResult, and Added[i] reporting whether item i was stored now
// (false: it was already there).
type FetchedResult struct {
	ImportResult
	Added []bool
}

// QueuedReply is a message waiting in the outbox of a channel.
type QueuedReply struct {
	ID         int64
	Channel    string
	TargetKind string // the chat kind, as the bot names it (group, friend, self)
	TargetName string
	// TargetID is the chat's id in the session the reply was made in; a
	// later session cannot use it, but it tells the transport the name
	// alone was not what the reply was addressed to.
	TargetID string
	Text     string
	Created  time.Time
}

// ContentHash identifies an article by what it says, not where it came
// from: title and body, with width and whitespace differences folded away
// (case is content). Every store dedupes imports by it, so a page imported
// into SQLite or PostgreSQL is recognised the same way.
func ContentHash(title, body string) [sha256.Size]byte {
	b := make([]byte, 0, len(title)+len(body)+1)
	b = appendNormal(b, title)
	b = append(b, 0)
	b = appendNormal(b, body)
	return sha256.Sum256(b)
}

// appendNormal folds full-width ASCII and collapses whitespace runs to one
// space, trimming both ends. Case is kept: it is content.
func appendNormal(b []byte, s string) []byte {
	space := false
	start := len(b)
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, r)
	}
	return b
}
