// Package wechattest is a fake WeChat web server that speaks the protocol
// openwechat v1.4.8 uses (Desktop mode), faithfully enough that the
// unchanged library logs in (scan with auto-confirm, hot, push), syncs,
// receives group and private messages and article cards, sends, gets
// kicked, re-logs in with new UserNames for everyone, and logs out. The
// exchange follows what openwechat v1.4.8 parses, endpoint by endpoint, and
// keeps the invariants whose violation panics or spins it (SyncKey always
// present with Count == len(List) and advancing, string MsgId/MsgID, "@member:<br/>" group
// prefix, held long polls that never answer 5xx, cookies scoped to the
// original hosts: Domain=<domain> and .qq.com, Secure).
//
// It speaks plain HTTP and routes on r.Host + path, so point openwechat
// at it with a host-rewriting RoundTripper (wechat.RedirectTransport in
// the parent package) set as bot.Caller.Client.HTTPClient().Transport.
// This package imports neither openwechat nor the parent package.
//
// # Go API
//
//	srv := wechattest.New(wechattest.Options{...})  // Logger, Now, SelfNick ("wxdigest"), SelfUin,
//	                                                // Domain ("wx2.qq.com"), ManualConfirm, HoldPoll (300ms),
//	                                                // ContactPageSize, MaxRecords, Seed
//	url := srv.StartTest()            // or srv.Start("127.0.0.1:PORT") (loopback only), or mount srv.Handler()
//	defer srv.Close()                 // releases held polls (they answer 1101), waits for handlers
//	srv.AddFriend("王主任", "王主任")
//	srv.AddGroup(wechattest.Group{Name: "幸福里业主群", Saved: true, Members: []wechattest.Member{{Friend: "王主任"}, {ID: "li", Nick: "李阿姨"}}})
//	srv.AddMember("幸福里业主群", wechattest.Member{ID: "new", Nick: "新邻居"})
//	srv.PostGroupMessage("幸福里业主群", "li", "今日新闻")  // also PostFriendMessage, PostSelfMessage, Post (articles)
//	sent, err := srv.WaitSent(ctx, 1) // or Sent(); also WaitStatus, WaitRequest(s), Changed
//	srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 2 }) // or SetFaults, Kick, Expire
//	srv.Status(); srv.Rename("幸福里业主群", "幸福里业主一群"); srv.Requests(); srv.Confirm()
//	srv.SaveGroup("未保存群", true)     // 保存到通讯录: webwxgetcontact lists it from now on
//
// Differences from the names first sketched for this package: auto-confirm
// is the default and Options.ManualConfirm turns it off (a bool that
// defaults to true cannot be a plain field); Post* return the MsgId;
// SetFaults replaces all knobs while UpdateFaults edits some.
//
// Notes for clients driving openwechat against this server: stop a Bot
// by cancelling the context given with openwechat.WithContextOption, and
// wait for its end with <-bot.Context().Done() and CrashReason(). Exit,
// Logout and Block called from another goroutine than openwechat's sync
// goroutine race with it on bot.self (go test -race reports it).
//
// Every login (scan, push or hot: statusnotify Code 3) is followed by the
// MsgType 51 status notify the real server sends; clients see it in their
// MessageHandler.
//
// # Sessions and identity
//
// Every scan or push login (webwxnewloginpage) starts a new session with
// fresh UserNames for self, friends, members and groups (and fresh
// EncryChatRoomIds); Uin, NickName and RemarkName stay. The previous
// session ends (synccheck 1101). A hot login presents a stored Sid and
// continues that session if it is still alive (same UserNames); a hot
// login with an older SyncKey gets the messages after it again (history
// replay). Messages posted while nobody is logged in are refused
// (ErrNotLoggedIn): a fresh login never sees them.
//
// A friend is keyed by nick; a plain group member by id (global: one id is
// one person in every group). A friend in a group has the same UserName as
// in the friend list. Groups are addressed by id or by a unique name; two
// groups may share a name.
//
// # JSON control API (same listener, any Host)
//
//	POST /_fake/friends   {"nick":"王主任","remark":"王主任"}                       -> {"ok":true}
//	POST /_fake/groups    {"name":"幸福里业主群","saved":true,"id":"g1"?,"self_display":"…"?,
//	                       "members":[{"friend":"王主任"},{"id":"li","nick":"李阿姨","display":"…"?}]}
//	POST /_fake/messages  {"group":"幸福里业主群","from":"li","text":"今日新闻"}  -> {"ok":true,"msg_id":"…"}
//	                      {"friend":"王主任","text":"..."}   {"self":true,"to":"filehelper","text":"..."}
//	                      {"friend":"王主任","article":{"title":"…","desc":"…","url":"http://…"}} (also with group/from)
//	GET  /_fake/sent      -> [{"to":"幸福里业主群","kind":"group"|"friend"|"self","text":"...","time":"RFC3339Nano",
//	                           "group_id","msg_id","local_id","client_msg_id","to_user_name","type"}]
//	                         images also carry "media":"image","bytes":<size>,"md5":"<hex>","media_id":"@crypt_…"
//	                         (with "type":3 and "text":""); text entries have none of these keys
//	POST /_fake/faults    {"send_ret":1205,"times":2}  {"kick":1101}  {"login_ret":1203}  {"upload_ret":1101}
//	                      (partial update; see Faults for all keys, "slow_ms" for SlowResponses; send_ret
//	                      refuses image sends too); GET /_fake/faults -> current knobs
//	GET  /_fake/status    -> {"logged_in":true,"logins":1,"self":"wxdigest","uin":…,"user_name":"@…","sent":0,"pending":0}
//	POST /_fake/rename    {"group":"幸福里业主群","to":"幸福里业主一群"}
//	POST /_fake/members   {"group":"幸福里业主群","member":{"id":"new","nick":"新邻居"}}
//	POST /_fake/save      {"group":"未保存群","saved":true}   ("saved" defaults to true)
//	POST /_fake/confirm   {}  -> {"ok":true,"confirmed":1}   (for ManualConfirm)
//	GET  /_fake/requests  -> the request log
//
// Errors are {"ok":false,"error":"…"}: 400 bad input, 404 unknown group,
// friend or member, 405 wrong method, 409 nobody logged in or ambiguous
// group name.
//
// # Endpoints
//
// login.wx.qq.com: /jslogin, /cgi-bin/mmwebwx-bin/login (held; when
// confirmed 201 then 200 for a scan, 200 for a push login; 408 on hold
// timeout; 400 expired or unknown). login.weixin.qq.com:
// /qrcode/<uuid> (PNG), /l/<uuid> (the QR content; fetching it confirms).
// <domain>: webwxnewloginpage (XML, Set-Cookie), webwxpushloginurl,
// webwxinit, webwxstatusnotify, webwxgetcontact (friends and saved groups,
// groups with empty MemberList; pages with ContactPageSize),
// webwxbatchgetcontact (request order, groups with MemberList), webwxsync
// (AddMsgList, ModContactList on renames, cookies re-issued), webwxsendmsg,
// webwxsendmsgimg (Msg.Type 3 with a MediaId uploaded in this session),
// webwxlogout (301, or JSON with Faults.LogoutJSON), webwxgeticon.
// webpush.<domain>: synccheck (held up to HoldPoll; retcode/selector;
// 1101 for an ended or replaced session and after Close).
// file.<domain>: webwxuploadmedia (multipart as openwechat sends it; files
// over 512 KB in chunks, reassembled by the chunk field and checked against
// TotalLen and FileMd5; webwx_data_ticket and pass_ticket fields checked;
// MediaId answered on the last chunk). Only size and md5 of an upload are
// kept, and the request log keeps the first 8 KB of a multipart body.
// Anything else answers 404 with a JSON BaseResponse Ret 1.
//
// Every request to a WeChat host is recorded (RequestRecord, with time,
// query, headers, cookies and body) and every accepted send (SentMessage,
// with time, for pacing assertions).
//
// Standalone (wxdigest fake-wechat --listen 127.0.0.1:PORT) needs only
// New + Start: logins confirm automatically when the bot polls.
package wechattest
