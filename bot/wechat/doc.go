// Package wechat is the WeChat transport: the only package that imports
// openwechat (v1.4.8, Desktop mode). It owns the login supervisor (hot,
// push and scan login, QR in the terminal, re-login with backoff and a
// per-hour cap), hot-login storage (with the v1.4.8 cookie-domain
// workaround), binding groups by name at every login, mapping openwechat
// messages to bot.Message values (identity, mention, echoes, duplicates,
// replayed history, article cards), and mapping WeChat error codes to the
// bot's typed errors.
//
// Use:
//
//	tr, err := wechat.New(wechat.Config{StoragePath: p, QR: os.Stdout, Logger: log, OnRename: …})
//	tr.BindGroups(names)             // any time; bound again at every login
//	go tr.Run(ctx, handle)           // nil on ctx done; ErrLoginRefused / ErrWrongAccount are final
//	err = tr.Send(ctx, bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, text)
//	err = tr.SendImage(ctx, target, png) // bot.ImageSender: one upload + one webwxsendmsgimg
//
// Threading: openwechat's contact caches are touched only on its own sync
// goroutine (inside the callbacks); every other access goes through Caller
// requests that touch no cache, sends serialised per session. The message
// handler only maps and queues; one goroutine calls the Run handle func.
// Bots are stopped by cancelling their context, never by Exit/Logout from
// another goroutine (both write Bot fields the sync goroutine reads).
package wechat
