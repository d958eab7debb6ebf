package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultAPI is WeCom's server API base.
const DefaultAPI = "https://qyapi.weixin.qq.com"

// Limits of a customer-group mass send (docs/wecom.md).
const (
	TemplateTextMaxBytes = 4000 // add_msg_template text.content, bytes
	ChatIDsMax           = 2000 // chat_id_list entries per task
)

// CorpConfig sets up a Corp.
type CorpConfig struct {
	API          string // default DefaultAPI
	CorpID       string
	Secret       string // the secret of an app allowed to call 客户联系 APIs
	AllowPrivate bool
	HTTP         *http.Client
	Now          func() time.Time // token expiry clock; default time.Now
	Logger       *slog.Logger
}

// Corp calls a corp's server API with an access token it fetches, caches
// and renews itself. Safe for concurrent use.
type Corp struct {
	api    string
	corpID string
	secret string
	now    func() time.Time
	log    *slog.Logger
	call   caller

	// sem admits one token fetch at a time; waiters give up with their ctx.
	sem chan struct{}
	mu  sync.Mutex // guards tok and exp
	tok string
	exp time.Time // when tok stops being used (WeCom's expiry minus a margin)
}

// NewCorp checks the configuration; no request is made until the first call.
func NewCorp(cfg CorpConfig) (*Corp, error) {
	if cfg.API == "" {
		cfg.API = DefaultAPI
	}
	cfg.API = strings.TrimRight(cfg.API, "/")
	if err := CheckURL(cfg.API, cfg.AllowPrivate); err != nil {
		return nil, err
	}
	if cfg.CorpID == "" || cfg.Secret == "" {
		return nil, errors.New("wecom: corp id and secret are required")
	}
	c := &Corp{api: cfg.API, corpID: cfg.CorpID, secret: cfg.Secret, now: cfg.Now, log: cfg.Logger, sem: make(chan struct{}, 1)}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = newHTTPClient(cfg.AllowPrivate)
	}
	c.call = caller{hc: hc, secrets: c.credentials}
	return c, nil
}

// String names the corp for logs; no credential.
func (c *Corp) String() string { return "wecom corp " + c.corpID }

func (c *Corp) credentials() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []string{c.secret, c.tok}
}

// tokenMargin: a token is renewed this long before WeCom says it expires,
// so a call never starts with a token about to die.
const tokenMargin = 5 * time.Minute

// token returns a usable access token. stale is a token a call was just
// refused with: it is not handed out again, but if another caller already
// replaced it, the replacement is used without a second fetch.
func (c *Corp) token(ctx context.Context, stale string) (string, error) {
	if t := c.cached(stale); t != "" {
		return t, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("wecom gettoken: %w", ctx.Err())
	}
	defer func() { <-c.sem }()
	if t := c.cached(stale); t != "" {
		return t, nil // fetched while we waited
	}
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}
	var out struct {
		status
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := c.call.do(ctx, "gettoken", c.api+"/cgi-bin/gettoken?"+q.Encode(), nil, &out); err != nil {
		return "", err
	}
	if out.AccessToken == "" {
		return "", errors.New("wecom gettoken: answer holds no access_token")
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	if life <= 0 {
		life = 7200 * time.Second // the documented usual lifetime
	}
	margin := min(tokenMargin, life/2)
	c.mu.Lock()
	c.tok, c.exp = out.AccessToken, c.now().Add(life-margin)
	c.mu.Unlock()
	c.log.DebugContext(ctx, "wecom token fetched", "corp", c.corpID, "expires_in", out.ExpiresIn)
	return out.AccessToken, nil
}

func (c *Corp) cached(stale string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != "" && c.tok != stale && c.now().Before(c.exp) {
		return c.tok
	}
	return ""
}

// post calls a token-authenticated endpoint. A token WeCom calls invalid,
// expired or missing is fetched again and the call retried once.
func (c *Corp) post(ctx context.Context, api string, body any, out response) error {
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, stale)
		if err != nil {
			return err
		}
		target := c.api + "/cgi-bin/" + api + "?access_token=" + url.QueryEscape(tok)
		err = c.call.do(ctx, api, target, body, out)
		var ae *APIError
		if attempt == 0 && errors.As(err, &ae) && tokenCode(ae.Code) {
			c.log.InfoContext(ctx, "wecom token refused; fetching a new one", "corp", c.corpID, "api", api, "errcode", ae.Code)
			stale = tok
			*out.base() = status{}
			continue
		}
		return err
	}
}

// AddGroupTask creates a customer-group mass-send task
// (externalcontact/add_msg_template, chat_type "group") for sender, a staff
// member's userid, with text, to chatIDs (nil: every group the sender owns;
// the sender picks in the app). Nothing reaches a group until the sender
// confirms in the WeCom app; see TaskConfirmed. A group over its monthly
// quota is not delivered to; if none of the targets can receive, the error
// wraps ErrQuota.
func (c *Corp) AddGroupTask(ctx context.Context, sender string, chatIDs []string, text string) (msgID string, err error) {
	const api = "externalcontact/add_msg_template"
	switch {
	case sender == "":
		return "", fmt.Errorf("wecom %s: sender userid is required", api)
	case text == "":
		return "", fmt.Errorf("wecom %s: empty text", api)
	case len(text) > TemplateTextMaxBytes:
		return "", fmt.Errorf("wecom %s: %w: text is %d bytes, at most %d", api, ErrTooLarge, len(text), TemplateTextMaxBytes)
	case len(chatIDs) > ChatIDsMax:
		return "", fmt.Errorf("wecom %s: %w: %d chat ids, at most %d per task", api, ErrTooLarge, len(chatIDs), ChatIDsMax)
	}
	body := struct {
		ChatType   string   `json:"chat_type"`
		Sender     string   `json:"sender"`
		ChatIDList []string `json:"chat_id_list,omitempty"`
		Text       struct {
			Content string `json:"content"`
		} `json:"text"`
	}{ChatType: "group", Sender: sender, ChatIDList: chatIDs}
	body.Text.Content = text
	var out struct {
		status
		MsgID    string   `json:"msgid"`
		FailList []string `json:"fail_list"`
	}
	if err := c.post(ctx, api, body, &out); err != nil {
		return "", err
	}
	if out.MsgID == "" {
		return "", fmt.Errorf("wecom %s: answer holds no msgid", api)
	}
	if len(out.FailList) > 0 {
		c.log.WarnContext(ctx, "wecom task: some groups cannot receive it", "corp", c.corpID, "msgid", out.MsgID, "failed", len(out.FailList))
	}
	return out.MsgID, nil
}

// TaskConfirmed reports whether the task's sender has confirmed (sent) it:
// externalcontact/get_groupmsg_task lists status 2 (已发送) for them.
func (c *Corp) TaskConfirmed(ctx context.Context, msgID string) (confirmed bool, err error) {
	const api = "externalcontact/get_groupmsg_task"
	if msgID == "" {
		return false, fmt.Errorf("wecom %s: msgid is required", api)
	}
	cursor, seen := "", 0
	for page := 0; page < 100; page++ {
		body := struct {
			MsgID  string `json:"msgid"`
			Limit  int    `json:"limit"`
			Cursor string `json:"cursor,omitempty"`
		}{msgID, 1000, cursor}
		var out struct {
			status
			NextCursor string `json:"next_cursor"`
			TaskList   []struct {
				UserID   string `json:"userid"`
				Status   int    `json:"status"`
				SendTime int64  `json:"send_time"`
			} `json:"task_list"`
		}
		if err := c.post(ctx, api, body, &out); err != nil {
			return false, err
		}
		for _, t := range out.TaskList {
			if t.Status != 2 {
				return false, nil
			}
			seen++
		}
		if out.NextCursor == "" || out.NextCursor == cursor {
			break
		}
		cursor = out.NextCursor
	}
	return seen > 0, nil
}
