package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eatmoreapple/openwechat"
	"github.com/mdp/qrterminal/v3"

	"github.com/wxdigest/wxdigest/bot"
)

// session is one login: one openwechat Bot (single-use) and the
// project-owned view of its contacts.
//
// Threading: openwechat's sync goroutine runs onSyncCheck, onSyncError,
// onMessage and the sniffer's webwxsync hook; it alone touches
// openwechat's contact caches (Members/Sender/...). Other goroutines reach
// openwechat only through Caller requests that touch no cache (the
// contact fetch at login and sends, serialised by sendMu), and read the
// snapshot below under Transport.mu.
type session struct {
	t       *Transport
	bot     *openwechat.Bot
	ctx     context.Context    // the Bot's context: done when the Bot exits
	cancel  context.CancelFunc // ends the Bot (its parent context)
	parent  context.Context    // done when we ended the Bot (or Run's ctx is done)
	storage *botStorage        // nil without StoragePath
	ready   chan struct{}

	loginRet atomic.Int64 // <ret> of the login XML, seen by the sniffer

	// Set by establish before ready is closed; read-only afterwards.
	selfUser, selfNick string
	uin                int64
	info               *openwechat.LoginInfo
	req                *openwechat.BaseRequest
	since              time.Time

	// Contact snapshot, guarded by Transport.mu.
	friends map[string]contact      // UserName → friend
	groups  map[string]group        // UserName → group
	chats   map[string]bot.ChatKind // UserName → kind, of chats a message came from

	// nudge asks the contact watcher to re-read the contacts now (a group
	// it does not know showed up in ModContactList).
	nudge chan struct{}

	sendMu sync.Mutex

	echoMu  sync.Mutex
	sentIDs *ring
	recent  []recentSend

	// Sync goroutine only.
	syncFails int
	idle      int
	quick     []time.Time
}

type contact struct{ nick, remark string }

// address is how a friend is named in a bot.Target.
func (c contact) address() string {
	if c.remark != "" {
		return c.remark
	}
	return c.nick
}

type group struct {
	name  string
	saved bool // in the address book (webwxgetcontact); only these are bound
	spoke bool // a message from it arrived in this session, so replies may go there
}

type recentSend struct {
	to, text string
	at       time.Time
}

func (t *Transport) newSession(ctx context.Context, m loginMethod) *session {
	bctx, cancel := context.WithCancel(ctx)
	s := &session{
		t:       t,
		ctx:     bctx,
		parent:  bctx,
		cancel:  cancel,
		ready:   make(chan struct{}),
		friends: map[string]contact{},
		groups:  map[string]group{},
		chats:   map[string]bot.ChatKind{},
		nudge:   make(chan struct{}, 1),
		sentIDs: newRing(512),
	}
	if t.store != nil {
		s.storage = &botStorage{file: t.store, noRead: m == methodScan, noSyncKey: m == methodPush}
	}
	b := openwechat.DefaultBot(openwechat.Desktop, openwechat.WithContextOption(bctx))
	b.Caller.Client.HTTPClient().Transport = &sniffer{
		base:      t.base,
		loginRet:  func(n int) { s.loginRet.Store(int64(n)) },
		modContct: s.onModContacts,
		onPanic:   func(r any) { t.log.Error("wechat: panic reading a response", "panic", r) },
		reached:   t.reached,
	}
	// Retries without delay (the default is 5) could send a message twice;
	// the supervisor and the sync-loop handler do the retrying, with backoff.
	b.Caller.Client.MaxRetryTimes = 1
	b.UUIDCallback = t.showQR
	b.ScanCallBack = func(openwechat.CheckLoginResponse) {
		t.log.Info("wechat: QR code scanned, confirm the login on the phone")
	}
	b.LoginCallBack = func(openwechat.CheckLoginResponse) {}
	b.LogoutCallBack = func(*openwechat.Bot) { t.log.Info("wechat: bot exited") }
	b.SyncCheckCallback = s.onSyncCheck
	b.MessageHandler = s.onMessage
	b.MessageErrorHandler = s.onSyncError
	s.bot = b
	// The Bot derives its own context from bctx; Exit cancels only that
	// one, so watch it (s.cancel still ends both).
	s.ctx = b.Context()
	return s
}

// end stops the Bot and its storage writes.
func (s *session) end() {
	s.cancel()
	if s.storage != nil {
		s.storage.close()
	}
}

// scanInstead turns HotLogin into a scan login that still has the storage
// attached, so the new session is saved (openwechat attaches storage only
// in HotLogin/PushLogin); the storage reports "nothing stored".
// It acts once: Login runs the same option group again on its own error.
type scanInstead struct {
	openwechat.BaseBotLoginOption
	done bool
}

func (o *scanInstead) OnError(b *openwechat.Bot, err error) error {
	if o.done {
		return err
	}
	o.done = true
	return b.Login()
}

func (s *session) login(m loginMethod) error {
	switch {
	case m == methodScan && s.storage != nil:
		return s.bot.HotLogin(s.storage, &scanInstead{})
	case m == methodScan:
		return s.bot.Login()
	case m == methodPush:
		return s.bot.PushLogin(s.storage)
	default:
		return s.bot.HotLogin(s.storage)
	}
}

// classify maps a failed login to the bot's typed errors.
func (s *session) classify(m loginMethod, err error) error {
	op := "wechat: " + m.String() + " login"
	if errors.Is(err, ErrWrongAccount) || errors.Is(err, bot.ErrNetwork) || errors.Is(err, bot.ErrLoggedOut) {
		return err
	}
	if ret := s.loginRet.Load(); ret == int64(retLoginRefused) || refusedText(err) {
		return fmt.Errorf("%s: %w (ret %d: %v)", op, bot.ErrLoginRefused, int(retLoginRefused), err)
	}
	return mapErr(op, err)
}

func (t *Transport) showQR(uuid string) {
	content := "https://login.weixin.qq.com/l/" + uuid
	img := openwechat.GetQrcodeUrl(uuid)
	t.log.Info("wechat: scan the QR code with the bot account's phone to log in", "qr_image", img, "qr_content", content)
	t.mu.Lock()
	t.qr, t.qrAt = content, t.cfg.Now()
	t.mu.Unlock()
	if w := t.cfg.QR; w != nil {
		_, _ = io.WriteString(w, "请用机器人账号的微信扫描二维码登录 (scan with WeChat to log in):\n")
		qrterminal.GenerateHalfBlock(content, qrterminal.L, w)
		_, _ = io.WriteString(w, "二维码图片 (QR image): "+img+"\n")
	}
}

// loadContacts snapshots the address book through the Caller (which
// touches none of openwechat's caches) plus the unsaved groups webinit
// listed among recent chats.
func (s *session) loadContacts() error {
	members, err := s.bot.Caller.WebWxGetContact(ownRequest(s.ctx), s.info)
	if err != nil {
		return err
	}
	friends := map[string]contact{}
	groups := map[string]group{}
	for _, u := range s.bot.Storage.Response.ContactList {
		if u != nil && u.IsGroup() {
			groups[u.UserName] = group{name: openwechat.FormatEmoji(u.NickName)}
		}
	}
	for _, u := range members {
		switch {
		case u == nil || u.UserName == s.selfUser:
		case u.IsGroup():
			groups[u.UserName] = group{name: openwechat.FormatEmoji(u.NickName), saved: true}
		case u.IsFriend() && !u.IsMP():
			friends[u.UserName] = contact{nick: openwechat.FormatEmoji(u.NickName), remark: openwechat.FormatEmoji(u.RemarkName)}
		}
	}
	s.t.mu.Lock()
	s.friends, s.groups = friends, groups
	s.t.mu.Unlock()
	return nil
}

// refreshContacts re-reads the address book (as at login, through the
// Caller) and merges it into the snapshot: groups saved since are added
// or marked saved, friends added or updated. Names of known groups are
// left to the rename path. Then the wanted groups are bound again.
func (s *session) refreshContacts() error {
	members, err := s.bot.Caller.WebWxGetContact(ownRequest(s.ctx), s.info)
	if err != nil {
		return err
	}
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	listed := map[string]bool{}
	for _, u := range members {
		switch {
		case u == nil || u.UserName == s.selfUser:
		case u.IsGroup():
			listed[u.UserName] = true
			g, ok := s.groups[u.UserName]
			if !ok {
				g.name = openwechat.FormatEmoji(u.NickName)
			}
			g.saved = true
			s.groups[u.UserName] = g
		case u.IsFriend() && !u.IsMP():
			s.friends[u.UserName] = contact{nick: openwechat.FormatEmoji(u.NickName), remark: openwechat.FormatEmoji(u.RemarkName)}
		}
	}
	for un, g := range s.groups {
		if g.saved && !listed[un] {
			g.saved = false // removed from the address book since
			s.groups[un] = g
		}
	}
	if s.t.sess == s {
		s.t.rebindLocked()
	}
	return nil
}

// watchContacts re-reads the contacts while a wanted group is missing or
// unsaved: every ContactRefresh, and soon after ModContactList names a
// group the snapshot lacks. It returns when the session ends.
func (s *session) watchContacts() {
	every := s.t.cfg.ContactRefresh
	tm := time.NewTimer(every)
	defer tm.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tm.C:
			tm.Reset(every)
		case <-s.nudge:
		}
		s.t.mu.Lock()
		missing := s.t.sess == s && s.t.missingLocked()
		s.t.mu.Unlock()
		if !missing {
			continue
		}
		if err := s.refreshContacts(); err != nil && s.ctx.Err() == nil {
			s.t.log.Warn("wechat: re-reading contacts", "err", mapErr("wechat: contacts", err))
		}
	}
}

// onModContacts applies ModContactList (seen by the sniffer on the sync
// goroutine): group renames and friends' new remarks. A group the
// snapshot lacks (just joined, or just saved to contacts) has the contact
// watcher look again.
func (s *session) onModContacts(list []wireContact) {
	var renames [][2]string
	s.t.mu.Lock()
	for _, c := range list {
		name := openwechat.FormatEmoji(c.NickName)
		if strings.HasPrefix(c.UserName, "@@") {
			g, ok := s.groups[c.UserName]
			switch {
			case !ok || !g.saved:
				select {
				case s.nudge <- struct{}{}:
				default:
				}
			case name != "" && name != g.name:
				renames = append(renames, [2]string{c.UserName, name})
			}
			continue
		}
		if f, ok := s.friends[c.UserName]; ok {
			f.nick, f.remark = name, openwechat.FormatEmoji(c.RemarkName)
			s.friends[c.UserName] = f
		}
	}
	s.t.mu.Unlock()
	for _, r := range renames {
		s.t.rename(s, r[0], r[1])
	}
}

// send makes one sendmsg request with fresh ids.
func (s *session) send(ctx context.Context, op, to, text string) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, bot.ErrLoggedOut)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// A send in flight is not cut off when the session ends (a kick): WeChat
	// may have accepted it already, and reporting it as failed would send
	// it twice after the re-login. The caller's ctx and the HTTP client's
	// timeout bound it.
	rctx, cancel := context.WithCancel(ownRequest(ctx))
	defer cancel()

	// Remember the text first: the echo can arrive before the response.
	s.noteSend(to, text)
	msg := openwechat.NewTextSendMessage(text, s.selfUser, to)
	sent, err := s.bot.Caller.WebWxSendMsg(rctx, &openwechat.CallerWebWxSendMsgOptions{
		LoginInfo: s.info, BaseRequest: s.req, Message: msg,
	})
	if err != nil {
		if ctx.Err() == nil && s.ctx.Err() != nil {
			return fmt.Errorf("%s: %w (session ended)", op, bot.ErrLoggedOut)
		}
		return mapErr(op, err)
	}
	s.echoMu.Lock()
	if sent != nil && sent.MsgId != "" {
		s.sentIDs.add(sent.MsgId)
	}
	s.echoMu.Unlock()
	return nil
}

const echoWindow = 2 * time.Minute

func (s *session) noteSend(to, text string) {
	now := s.t.cfg.Now()
	s.echoMu.Lock()
	defer s.echoMu.Unlock()
	keep := s.recent[:0]
	for _, r := range s.recent {
		if now.Sub(r.at) < echoWindow {
			keep = append(keep, r)
		}
	}
	s.recent = append(keep, recentSend{to: to, text: text, at: now})
}

// onSyncCheck runs for every synccheck answer, inline in the sync loop:
// it slows the loop down when it spins (openwechat never sleeps there).
func (s *session) onSyncCheck(r openwechat.SyncCheckResponse) {
	defer s.t.recoverIn("synccheck callback")
	if r.RetCode != "0" {
		return // onSyncError handles it
	}
	s.syncFails = 0
	now := s.t.cfg.Now()
	if r.Selector == openwechat.SelectorNormal {
		// A held poll returns "0" every ~25 s; many within a second means
		// the server answers at once and the loop spins.
		s.quick = append(s.quick, now)
		if len(s.quick) > spinPolls {
			s.quick = s.quick[1:]
		}
		if len(s.quick) == spinPolls && now.Sub(s.quick[0]) < time.Second {
			s.quick = s.quick[:0]
			s.t.log.Warn("wechat: synccheck answers without holding; slowing down")
			_ = s.t.sleep(s.ctx, s.t.cfg.SyncRetryMin)
		}
		return
	}
	// A non-zero selector makes openwechat call webwxsync; onMessage
	// resets idle. Selectors that repeat without messages (6, 7, 2 after
	// images) would loop forever.
	s.idle++
	if s.idle > idleSyncs {
		d := backoff(s.t.cfg.SyncRetryMin, s.t.cfg.SyncRetryMax, s.idle-idleSyncs)
		s.t.log.Warn("wechat: synccheck selector repeats without messages; slowing down", "selector", r.Selector, "wait", d)
		_ = s.t.sleep(s.ctx, d)
	}
}

const (
	spinPolls = 20
	idleSyncs = 5
)

// onSyncError is openwechat's MessageErrorHandler: returning nil resumes
// the loop at once, so back off here; returning the error ends the Bot.
func (s *session) onSyncError(err error) error {
	if s.ctx.Err() != nil {
		// Shutting down: returning nil lets the loop see the dead context
		// and stop, without ExitWith writing the Bot's fields.
		return nil
	}
	var ret openwechat.Ret
	if errors.As(err, &ret) && isLoggedOutRet(ret) {
		s.t.log.Warn("wechat: logged out by the server", "ret", int(ret), "err", err)
		return err
	}
	s.syncFails++
	if s.syncFails >= s.t.cfg.SyncMaxFails {
		s.t.log.Warn("wechat: sync keeps failing, ending the session", "fails", s.syncFails, "err", err)
		return err
	}
	d := backoff(s.t.cfg.SyncRetryMin, s.t.cfg.SyncRetryMax, s.syncFails)
	s.t.log.Warn("wechat: sync failed, retrying", "err", err, "retry_in", d)
	_ = s.t.sleep(s.ctx, d)
	return nil
}

func (t *Transport) recoverIn(what string) {
	if r := recover(); r != nil {
		t.log.Error("wechat: panic in "+what, "panic", r)
	}
}
