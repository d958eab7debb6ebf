package wecom

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
)

// Limits of the group robot's messages (docs/wecom.md); the client checks
// them before sending.
const (
	TextMaxBytes     = 2048    // text.content, UTF-8 bytes
	MarkdownMaxBytes = 4096    // markdown.content, UTF-8 bytes
	ImageMaxBytes    = 2 << 20 // the picture before base64 encoding
	NewsMaxArticles  = 8       // news.articles holds 1 to 8 items
)

// RobotConfig sets up a Robot.
type RobotConfig struct {
	// URL is the webhook as copied from WeCom, key included.
	URL string
	// AllowPrivate permits http and loopback/private addresses (the fake).
	AllowPrivate bool
	// HTTP is used as given when set; by default a client with the
	// address guard, a 20 s timeout and no redirects.
	HTTP *http.Client
	// Logger gets debug lines about sends; never the key.
	Logger *slog.Logger
}

// Robot posts into the one group its webhook belongs to. It is safe for
// concurrent use; WeCom's 20 messages/minute per robot is the caller's to
// pace (a 45009 answer wraps bot.ErrRateLimited).
type Robot struct {
	endpoint string
	key      string
	call     caller
	log      *slog.Logger
}

// NewRobot checks the webhook URL and returns a Robot for it.
func NewRobot(cfg RobotConfig) (*Robot, error) {
	endpoint, key, err := ParseRobotURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if err := CheckURL(endpoint, cfg.AllowPrivate); err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = newHTTPClient(cfg.AllowPrivate)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Robot{endpoint: endpoint, key: key, log: log}
	r.call = caller{hc: hc, secrets: func() []string { return []string{r.key} }}
	return r, nil
}

// Key is the webhook key, for storing the channel. This package never logs
// it.
func (r *Robot) Key() string { return r.key }

// String names the robot with its key redacted, fit for logs.
func (r *Robot) String() string {
	return "wecom robot " + r.endpoint + "?key=" + redact(r.key)
}

// NewsArticle is one card of a news message. Title and URL are required;
// WeCom cuts a title over 128 bytes and a description over 512 bytes itself.
type NewsArticle struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl,omitempty"`
}

type robotText struct {
	Content string `json:"content"`
}

type robotImage struct {
	Base64 string `json:"base64"`
	MD5    string `json:"md5"`
}

type robotNews struct {
	Articles []NewsArticle `json:"articles"`
}

type robotMessage struct {
	MsgType  string      `json:"msgtype"`
	Text     *robotText  `json:"text,omitempty"`
	Markdown *robotText  `json:"markdown,omitempty"`
	Image    *robotImage `json:"image,omitempty"`
	News     *robotNews  `json:"news,omitempty"`
}

// Text sends plain text (at most TextMaxBytes).
func (r *Robot) Text(ctx context.Context, content string) error {
	if err := checkContent("text", content, TextMaxBytes); err != nil {
		return err
	}
	return r.send(ctx, robotMessage{MsgType: "text", Text: &robotText{content}}, len(content))
}

// Markdown sends WeCom's markdown subset (at most MarkdownMaxBytes).
func (r *Robot) Markdown(ctx context.Context, content string) error {
	if err := checkContent("markdown", content, MarkdownMaxBytes); err != nil {
		return err
	}
	return r.send(ctx, robotMessage{MsgType: "markdown", Markdown: &robotText{content}}, len(content))
}

// Image sends a PNG or JPEG of at most ImageMaxBytes, base64 encoded with
// the md5 of the raw bytes as WeCom requires.
func (r *Robot) Image(ctx context.Context, png []byte) error {
	if len(png) == 0 {
		return errors.New("wecom image: empty picture")
	}
	if len(png) > ImageMaxBytes {
		return fmt.Errorf("wecom image: %w: %d bytes, at most %d before encoding", ErrTooLarge, len(png), ImageMaxBytes)
	}
	sum := md5.Sum(png)
	msg := robotMessage{MsgType: "image", Image: &robotImage{
		Base64: base64.StdEncoding.EncodeToString(png),
		MD5:    hex.EncodeToString(sum[:]),
	}}
	return r.send(ctx, msg, len(png))
}

// News sends 1 to NewsMaxArticles link cards.
func (r *Robot) News(ctx context.Context, arts []NewsArticle) error {
	if len(arts) == 0 || len(arts) > NewsMaxArticles {
		return fmt.Errorf("wecom news: %w: %d articles, want 1 to %d", ErrTooLarge, len(arts), NewsMaxArticles)
	}
	for i, a := range arts {
		if a.Title == "" || a.URL == "" {
			return fmt.Errorf("wecom news: article %d needs a title and a URL", i+1)
		}
	}
	return r.send(ctx, robotMessage{MsgType: "news", News: &robotNews{arts}}, len(arts))
}

func checkContent(kind, content string, max int) error {
	if content == "" {
		return fmt.Errorf("wecom %s: empty content", kind)
	}
	if len(content) > max {
		return fmt.Errorf("wecom %s: %w: %d bytes, at most %d", kind, ErrTooLarge, len(content), max)
	}
	return nil
}

func (r *Robot) send(ctx context.Context, msg robotMessage, size int) error {
	target := r.endpoint + "?key=" + url.QueryEscape(r.key)
	var out status
	err := r.call.do(ctx, "webhook/send", target, msg, &out)
	r.log.DebugContext(ctx, "wecom robot send", "robot", r.String(), "msgtype", msg.MsgType, "size", size, "err", err)
	return err
}
