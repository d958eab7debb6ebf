package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot"
)

// WeChat Ret codes the transport acts on (openwechat keeps them unexported).
const (
	retLoginWarn    openwechat.Ret = 1100 // logged out on the phone
	retLoginCheck   openwechat.Ret = 1101 // session invalid / logged in elsewhere
	retCookie       openwechat.Ret = 1102 // cookie invalid / account restricted
	retLoginRefused openwechat.Ret = 1203 // this account may not log in to web WeChat
	retTooOften     openwechat.Ret = 1205 // operate too often
)

func isLoggedOutRet(r openwechat.Ret) bool {
	return r == retLoginWarn || r == retLoginCheck || r == retCookie
}

// mapErr wraps err from openwechat with op and the bot's typed error it
// stands for, keeping the WeChat code in the message (and the Ret in the
// chain, so errors.As still finds it).
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ret openwechat.Ret
	if errors.As(err, &ret) {
		var kind error
		switch {
		case ret == retTooOften:
			kind = bot.ErrRateLimited
		case isLoggedOutRet(ret):
			kind = bot.ErrLoggedOut
		case ret == retLoginRefused:
			kind = bot.ErrLoginRefused
		}
		if kind != nil {
			return fmt.Errorf("%s: %w (ret %d: %w)", op, kind, int(ret), err)
		}
		return fmt.Errorf("%s: ret %d: %w", op, int(ret), err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if openwechat.IsNetworkError(err) {
			return fmt.Errorf("%s: %w: %w", op, bot.ErrNetwork, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if openwechat.IsNetworkError(err) {
		return fmt.Errorf("%s: %w: %w", op, bot.ErrNetwork, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// refusedText recognises the login refusal whose code openwechat drops
// (LoginInfo.Err keeps only the message), for when the response was not
// seen by the sniffer.
func refusedText(err error) bool {
	s := err.Error()
	return strings.Contains(s, "不能登录网页微信") || strings.Contains(s, "login forbidden") ||
		strings.Contains(s, "当前登录环境异常")
}
