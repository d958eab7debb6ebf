// Package bot owns the chat side of wxdigest: the Transport interface that a
// chat network adapter implements (bot/wechat is the WeChat one), and — as
// they are built — the command router, roles, schedules, the delivery ledger
// and the paced sender. It imports neither openwechat nor go-sqlite3.
package bot
