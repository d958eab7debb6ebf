package wecom

import (
	"fmt"
	"strings"

	"github.com/wxdigest/wxdigest/bot"
)

// ErrQuota: WeCom will not deliver another customer-group mass message this
// month (每个客户群每月最多可接收的条数已用完). Waiting for the next month, or
// an admin raising the corp's 群发规则, is the only cure.
// It wraps bot.ErrUndeliverable: sending the part again cannot help.
var ErrQuota = fmt.Errorf("customer-group mass-send quota used up: %w", bot.ErrUndeliverable)

// ErrTooLarge: the message breaks a documented size or count limit; it was
// not sent.
var ErrTooLarge = fmt.Errorf("message exceeds a WeCom limit: %w", bot.ErrUndeliverable)

// Error codes the client acts on. Sources are in docs/wecom.md.
const (
	CodeSystemBusy     = -1    // 系统繁忙: retry later
	CodeBadSecret      = 40001 // 不合法的secret参数
	CodeBadCorpID      = 40013 // 不合法的CorpID
	CodeBadToken       = 40014 // 不合法的access_token
	CodeBadAgentID     = 40056 // 不合法的agentid
	CodeSecretInvalid  = 40091 // secret不合法 (gettoken's own example)
	CodeNoToken        = 41001 // 缺少access_token参数
	CodeNoCorpID       = 41002 // 缺少corpid参数
	CodeNoSecret       = 41004 // 缺少secret参数
	CodeNoCustomer     = 41048 // 无可发送的客户: every target is spent (quota)
	CodeTokenExpired   = 42001 // access_token已过期
	CodeRateLimited    = 45009 // 接口调用超过限制 (robot: 20 messages/minute)
	CodeConcurrency    = 45033 // 接口并发调用超过限制
	CodeNoPermission   = 48002 // API接口无权限调用
	CodeBadWebhook     = 93000 // 机器人webhookurl不合法或者机器人已经被移除出群
	CodeRobotDisabled  = 93004 // 机器人被停用
	CodeRobotNotInChat = 93008 // 不在群里
)

// APIError is a WeCom response with a non-zero errcode. Msg is WeCom's
// errmsg, cut to one line, with any credential removed.
type APIError struct {
	API  string // e.g. "webhook/send", "externalcontact/add_msg_template"
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// Unwrap maps the code to the sentinel the sender acts on, so that
// errors.Is(err, bot.ErrRateLimited) and friends work on an *APIError.
func (e *APIError) Unwrap() error { return sentinel(e.Code) }

func sentinel(code int) error {
	switch code {
	case CodeRateLimited, CodeConcurrency:
		return bot.ErrRateLimited
	case CodeBadWebhook, CodeRobotDisabled, CodeRobotNotInChat,
		CodeBadSecret, CodeBadCorpID, CodeBadAgentID, CodeSecretInvalid,
		CodeNoCorpID, CodeNoSecret, CodeNoPermission:
		return bot.ErrRejected
	case CodeNoCustomer:
		return ErrQuota
	case CodeSystemBusy:
		return bot.ErrNetwork
	}
	return nil
}

// tokenCode reports whether code says the access token must be fetched
// again (WeCom may also revoke a token before it expires).
func tokenCode(code int) bool {
	return code == CodeBadToken || code == CodeTokenExpired || code == CodeNoToken
}

// redact shows only the last four characters of a credential, enough to
// tell two keys apart in a log without making either usable.
func redact(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}

// scrub removes credentials and line breaks from text that came from the
// network or from an error that may quote a URL.
func scrub(s string, secrets ...string) string {
	for _, c := range secrets {
		if len(c) >= 4 {
			s = strings.ReplaceAll(s, c, redact(c))
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
