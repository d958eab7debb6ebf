// Package source owns fetching news from the web: a polite and safe HTTP
// client, RSS/Atom feed parsing, and article extraction from news pages.
// (The poller that runs sources on their intervals lives in poller*.go.)
//
// # Client
//
//	c := source.New(source.Config{Logger: log})
//	feed, err := c.FetchFeed(ctx, url, etag, lastModified) // conditional GET; 304 → feed.NotModified
//	art, err := c.FetchArticle(ctx, url)                   // readability + lead rules
//
// The client fetches only http and https (ErrScheme). Every connection is
// checked where it is dialed: the host is resolved, and loopback, private,
// link-local, CGNAT, unspecified, multicast and reserved addresses are
// refused with ErrBlockedAddress unless Config.AllowPrivate — for the first
// request, for each redirect hop and whatever DNS answers the second time.
// Config.Permit lets single addresses through; Config.Resolve replaces DNS
// (tests use both); Blocked reports the policy for one address. Requests carry the bot's User-Agent, time out after
// Config.Timeout, follow at most Config.MaxRedirects redirects
// (ErrTooManyRedirects), read at most Config.MaxBytes (ErrTooLarge, never
// a truncated body) and keep Config.HostGap between two requests to one
// host. Non-2xx answers are *StatusError (with Retry-After).
//
// # Charsets
//
// Bodies are decoded from the Content-Type charset, a BOM, <meta charset>,
// <meta http-equiv content="…charset=…">, the XML declaration, or by
// sniffing (valid UTF-8, else GB18030). GB2312 and GBK are read as GB18030;
// a GB label on bytes that are valid multibyte UTF-8 is taken for a page
// re-saved as UTF-8.
//
// # Feeds
//
// ParseFeed reads RSS 2.0, RSS 1.0 and Atom with gofeed (anything else is
// ErrNotFeed). Each FeedItem has
// GUID (guid/id, else link), Link, Published in UTC (zero when absent), the
// Article built from its description or content (HTML to text, then
// digest.ArticleFromParagraphs), and Teaser when the text is too short to be
// the article (< 2 sentences, or ends in …, [阅读全文], 更多): the caller
// then fetches Link.
//
// # Articles
//
// ExtractArticle finds the content with go-readability, takes the headline
// from <title> without the site's suffix (…_光明网, …-新华网, … | 郑州日报,
// …——人民网), preferring og:title or the <h1> when <title> carries one, and
// applies the digest package's lead rules to the content paragraphs, so
// Lead is the first real sentence: no caption (图为…), dateline
// (新华社北京3月14日电（记者 …）, TNW中文站 10月14日报道), share furniture
// (分享到：, 转播到腾讯微博), timestamp or source line, byline or sub-head
// (bold, heading and question lines above the text included). A byline
// missing from the text comes from the page's info line or author
// metadata; Source is the site's name (og:site_name, the <title>'s
// suffix, a 公众号's account), completed by SourceName with a configured
// name and never a host name or an IP address.
//
// ParseFeed and ExtractArticle are pure: bytes or text in, values out.
package source
