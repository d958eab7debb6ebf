// Package bot owns the chat side of wxdigest: the Transport interface a chat
// network adapter implements (bot/wechat is the WeChat one), the command
// router with one small type per chat command, roles (granted to the bot
// account and to friends by the owner's remark, never by nickname), rate
// limits, schedules, the dispatcher that turns each firing into a slot in the
// delivery ledger, and the account's one paced sender queue.
//
// It declares the slices of the store it needs (Store and friends) and
// imports neither openwechat nor go-sqlite3.
package bot
