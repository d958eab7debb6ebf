// Package wechat is the WeChat transport: the only package that imports
// openwechat. It owns the login supervisor (hot, push and scan login, QR in
// the terminal, re-login with backoff), hot-login storage, binding groups by
// name at every login, mapping openwechat messages to bot.Message values,
// and mapping WeChat error codes to the bot's typed errors.
package wechat
