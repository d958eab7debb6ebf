package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot"
)

// Transport is the WeChat bot.Transport: one personal account driven by
// openwechat in Desktop mode, kept logged in by Run.
type Transport struct {
	cfg       Config
	log       *slog.Logger
	base      http.RoundTripper
	closeIdle func()
	store     *storageFile // nil: no hot login
	dedupe    Dedupe
	running   atomic.Bool

	// sleep waits between attempts; tests replace it to skip real waits.
	sleep func(ctx context.Context, d time.Duration) error

	mu        sync.Mutex
	wanted    []string           // group names the bot cares about
	bindings  map[string]binding // wanted name → group in the current session
	problems  []string
	problemOf map[string]string // wanted name → its problem, to log changes only
	down      *unreach          // why WeChat cannot be reached; nil when it can
	isDown    atomic.Bool       // down != nil, read without the lock
	sess      *session          // current live session, nil when logged out
	state     bot.LoginState
	expect    int64 // pinned account Uin, 0 until known
	// friendIDs: friend-chat UserNames seen on incoming messages, in this
	// and earlier sessions → whether the chat's name was the owner's
	// remark (true) or only a nickname. Bounded; oldest forgotten first.
	friendIDs   map[string]bool
	friendOrder []string
	// qr is what the login QR code encodes while a scan is awaited (""
	// otherwise), shown since qrAt: the console draws it.
	qr    string
	qrAt  time.Time
	queue chan item
	stop  chan struct{}
}

var (
	_ bot.Transport   = (*Transport)(nil)
	_ bot.ImageSender = (*Transport)(nil)
)

// binding is a wanted group name resolved in the current session.
type binding struct {
	userName string
	count    int // groups carrying the name; bound only when exactly 1
}

// item is one unit of work for the delivery goroutine.
type item struct {
	msg *bot.Message
	fn  func()
}

const queueSize = 256

// Run logs in and keeps the session alive until ctx is done, then returns
// nil. It returns an error only when logging in cannot succeed without the
// operator: the account is refused by WeChat (bot.ErrLoginRefused) or is
// not the expected one (ErrWrongAccount). handle is called from a single
// goroutine, in order; a panic in it is recovered and logged.
func (t *Transport) Run(ctx context.Context, handle func(bot.Message)) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("wechat: run: already running")
	}
	defer t.running.Store(false)
	q, stop, done := make(chan item, queueSize), make(chan struct{}), make(chan struct{})
	t.mu.Lock()
	t.queue, t.stop = q, stop
	t.mu.Unlock()
	go t.deliver(q, stop, done, handle)
	defer func() {
		close(stop)
		<-done
		t.mu.Lock()
		t.queue, t.stop = nil, nil
		t.mu.Unlock()
		if t.closeIdle != nil {
			t.closeIdle()
		}
	}()
	return t.supervise(ctx)
}

// deliver runs handle for queued messages, deduplicating by id here (not
// at enqueue) so a message still queued at shutdown is not marked seen.
func (t *Transport) deliver(q chan item, stop, done chan struct{}, handle func(bot.Message)) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case it := <-q:
			if it.fn != nil {
				t.safely("callback", it.fn)
				continue
			}
			m := *it.msg
			seen, err := t.dedupe.Seen(m.ID)
			if err != nil {
				t.log.Warn("wechat: dedupe", "err", err)
			}
			if seen {
				t.log.Debug("wechat: duplicate message dropped", "id", m.ID)
				continue
			}
			if handle != nil {
				t.safely("message handler", func() { handle(m) })
			}
		}
	}
}

func (t *Transport) safely(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("wechat: panic in "+what, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// enqueue hands work to the delivery goroutine; it blocks (holding up
// openwechat's sync loop, which is the backpressure) while the queue is
// full, and gives up when Run is ending.
func (t *Transport) enqueue(it item) {
	t.mu.Lock()
	q, stop := t.queue, t.stop
	t.mu.Unlock()
	if q == nil {
		return
	}
	select {
	case q <- it:
	case <-stop:
	}
}

type loginMethod int

const (
	methodHot loginMethod = iota
	methodPush
	methodScan
)

func (m loginMethod) String() string {
	return [...]string{"hot", "push", "scan"}[m]
}

func (t *Transport) methods(afterLogout bool) []loginMethod {
	switch {
	case t.store == nil || !t.store.exists():
		return []loginMethod{methodScan}
	case afterLogout:
		// The stored session is dead; push login may still work.
		return []loginMethod{methodPush, methodScan}
	default:
		return []loginMethod{methodHot, methodPush, methodScan}
	}
}

// supervise is the login loop: a new Bot per attempt, capped exponential
// backoff between attempts and a per-hour cap on login attempts.
func (t *Transport) supervise(ctx context.Context) error {
	var (
		fails    int
		attempts []time.Time
		order    = t.methods(false)
	)
	t.mu.Lock()
	t.expect = t.cfg.ExpectUin
	if t.expect == 0 && t.store != nil {
		t.expect = t.store.storedUin()
	}
	t.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if err := t.waitCap(ctx, &attempts); err != nil {
			return nil
		}
		s, err := t.loginRound(ctx, order)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			t.setLastErr(err)
			if errors.Is(err, bot.ErrLoginRefused) || errors.Is(err, ErrWrongAccount) {
				t.log.Error("wechat: login impossible, giving up", "err", err)
				return err
			}
			if errors.Is(err, openwechat.ErrLoginTimeout) {
				// Nobody scanned the QR code: not a login, show a new code.
				attempts = attempts[:len(attempts)-1]
				if t.sleep(ctx, t.cfg.ReloginMin) != nil {
					return nil
				}
				continue
			}
			fails++
			d := backoff(t.cfg.ReloginMin, t.cfg.ReloginMax, fails)
			if u, ok := unreachable(err); ok {
				// Nothing reached WeChat: no login to count against the
				// hourly cap, and one log line for the whole outage.
				attempts = attempts[:len(attempts)-1]
				if t.markDown(u) {
					t.log.Warn("wechat: WeChat cannot be reached ("+u.cause+"); retrying quietly until it can",
						"host", u.host, "addr", u.addr, "err", err, "retry_in", d)
				}
			} else {
				t.log.Warn("wechat: login failed", "err", err, "retry_in", d)
			}
			if t.sleep(ctx, d) != nil {
				return nil
			}
			continue
		}
		reason := t.hold(s)
		if ctx.Err() != nil {
			return nil
		}
		var ret openwechat.Ret
		loggedOut := errors.As(reason, &ret) && isLoggedOutRet(ret)
		order = t.methods(loggedOut)
		if reason == nil {
			reason = errors.New("session ended")
		}
		err = mapErr("wechat: session", reason)
		t.setLastErr(err)
		if t.cfg.Now().Sub(s.since) >= t.cfg.ReloginMax {
			fails = 0 // it was a stable session, not a flapping one
		}
		fails++
		d := backoff(t.cfg.ReloginMin, t.cfg.ReloginMax, fails)
		t.log.Warn("wechat: session ended, logging in again", "err", err, "retry_in", d)
		if t.sleep(ctx, d) != nil {
			return nil
		}
	}
}

// waitCap blocks until a login attempt is allowed under the per-hour cap
// and records it.
func (t *Transport) waitCap(ctx context.Context, attempts *[]time.Time) error {
	for {
		now := t.cfg.Now()
		a := (*attempts)[:0]
		for _, at := range *attempts {
			if now.Sub(at) < time.Hour {
				a = append(a, at)
			}
		}
		*attempts = a
		if len(a) < t.cfg.MaxLoginsPerHour {
			*attempts = append(a, now)
			return nil
		}
		d := a[0].Add(time.Hour).Sub(now)
		t.log.Warn("wechat: too many logins this hour, waiting", "wait", d)
		if err := t.sleep(ctx, d); err != nil {
			return err
		}
		*attempts = a[1:] // that attempt has left the window
	}
}

// loginRound tries the methods in order, each on a new Bot, and returns
// the established session. A network error ends the round early: a QR code
// is no use while the network is down.
func (t *Transport) loginRound(ctx context.Context, order []loginMethod) (*session, error) {
	var last error
	for _, m := range order {
		s := t.newSession(ctx, m)
		if !t.isDown.Load() {
			t.log.Info("wechat: logging in", "method", m.String())
		}
		err := s.login(m)
		if err == nil {
			err = t.establish(s)
		}
		if err == nil {
			return s, nil
		}
		// Never Block a Bot whose login failed (it can be a zombie);
		// cancelling its context ends it without touching its fields.
		s.end()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = s.classify(m, err)
		if _, ok := unreachable(err); !ok {
			t.log.Warn("wechat: login attempt failed", "method", m.String(), "err", err)
		}
		// A push nobody confirmed (ErrLoginTimeout) falls through to scan.
		if errors.Is(err, bot.ErrLoginRefused) || errors.Is(err, ErrWrongAccount) || errors.Is(err, bot.ErrNetwork) {
			return nil, err
		}
		last = err
	}
	return nil, last
}

// hold waits for the session to end and tears it down.
func (t *Transport) hold(s *session) error {
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watchContacts()
	}()
	<-s.ctx.Done()
	<-watched
	var reason error
	if s.parent.Err() == nil {
		// The Bot exited by itself: it stored the reason before
		// cancelling its context. (When we ended it, nothing to read, and
		// a late ExitWith could be writing it.)
		reason = s.bot.CrashReason()
	}
	t.mu.Lock()
	if t.sess == s {
		t.sess = nil
		t.bindings = map[string]binding{}
		t.state.LoggedIn = false
		t.state.Since = time.Time{}
	}
	t.mu.Unlock()
	s.end()
	if t.closeIdle != nil {
		t.closeIdle()
	}
	return reason
}

func (t *Transport) setLastErr(err error) {
	t.mu.Lock()
	t.state.LastErr = err.Error()
	t.mu.Unlock()
}

// establish checks the account, saves the session, reads the contact list
// and binds the wanted groups; only then are messages let through.
func (t *Transport) establish(s *session) error {
	st := s.bot.Storage
	if st == nil || st.Response == nil || st.Response.User == nil || st.LoginInfo == nil || st.Request == nil {
		return errors.New("wechat: login: incomplete session")
	}
	// The webinit User is the one Self wraps; reading it here (not
	// GetCurrentUser) stays clear of Exit's write to the Bot's self field.
	u := st.Response.User
	s.selfUser, s.selfNick = u.UserName, u.NickName
	s.uin = u.Uin
	if s.uin == 0 {
		s.uin = st.LoginInfo.WxUin
	}
	s.info, s.req = st.LoginInfo, st.Request

	t.mu.Lock()
	expect := t.expect
	t.mu.Unlock()
	if expect != 0 && s.uin != expect && !t.cfg.AllowOtherAccount {
		// Log the other account out again, without Bot.Logout (it would
		// race the sync goroutine on the Bot's fields).
		_ = s.bot.Caller.Logout(ownRequest(s.ctx), s.info)
		return fmt.Errorf("wechat: login: account uin %d (%s) is not the expected %d: %w",
			s.uin, s.selfNick, expect, ErrWrongAccount)
	}
	if s.storage != nil {
		if err := s.storage.accept(); err != nil {
			t.log.Warn("wechat: save hot-login storage", "err", err)
		}
	}
	if err := s.loadContacts(); err != nil {
		return mapErr("wechat: login: contacts", err)
	}
	s.since = t.cfg.Now()

	t.mu.Lock()
	t.expect = s.uin
	t.sess = s
	t.rebindLocked()
	t.state.LoggedIn = true
	t.state.Self = s.selfNick
	t.state.Uin = s.uin
	t.state.Since = s.since
	t.state.Logins++
	t.state.LastErr = ""
	t.qr, t.qrAt = "", time.Time{}
	problems := slices.Clone(t.problems)
	t.mu.Unlock()
	close(s.ready)
	t.log.Info("wechat: logged in", "self", s.selfNick, "uin", s.uin, "problems", problems)
	return nil
}

// rebindLocked resolves the wanted group names against the current
// session's groups that are saved to contacts or have spoken in it.
// Ambiguous or missing names are reported, never guessed. A problem is
// logged when it appears, and again when it is gone because the group
// got bound.
func (t *Transport) rebindLocked() {
	before := t.problemOf
	t.bindings = map[string]binding{}
	t.problems, t.problemOf = nil, map[string]string{}
	defer func() {
		for _, name := range t.wanted {
			if p, ok := t.problemOf[name]; ok && before[name] != p {
				t.log.Warn("wechat: group binding", "problem", p)
			}
			if _, was := before[name]; was && t.bindings[name].count == 1 {
				t.log.Info("wechat: group bound", "group", name)
			}
		}
	}()
	s := t.sess
	if s == nil {
		return
	}
	usable := map[string][]string{}
	unsaved := map[string]bool{}
	for un, g := range s.groups {
		switch {
		case g.name == "":
		case g.saved || g.spoke:
			usable[g.name] = append(usable[g.name], un)
		default:
			unsaved[g.name] = true
		}
	}
	for _, name := range t.wanted {
		uns := usable[name]
		var p string
		switch len(uns) {
		case 0:
			if unsaved[name] {
				p = fmt.Sprintf("群「%s」未保存到通讯录：请在手机上打开群聊信息，打开“保存到通讯录”", name)
			} else {
				p = fmt.Sprintf("群「%s」未找到：机器人不在该群，或该群未保存到通讯录", name)
			}
		case 1:
			t.bindings[name] = binding{userName: uns[0], count: 1}
		default:
			t.bindings[name] = binding{count: len(uns)}
			p = fmt.Sprintf("群「%s」有 %d 个同名群，无法确定是哪一个：请把其他同名群改名", name, len(uns))
		}
		if p != "" {
			t.problems = append(t.problems, p)
			t.problemOf[name] = p
		}
	}
}

// missingLocked reports whether a wanted group is not found or not saved
// in the current session: then re-reading the contacts may bind it.
func (t *Transport) missingLocked() bool {
	for _, name := range t.wanted {
		if _, ok := t.bindings[name]; !ok {
			return true
		}
	}
	return false
}

// renameLocked applies a group rename seen while logged in. It reports
// whether the group was bound (then the wanted name follows it).
func (t *Transport) renameLocked(s *session, userName, newName string) (old string, bound bool) {
	g, ok := s.groups[userName]
	if !ok || newName == "" || g.name == newName {
		return "", false
	}
	old = g.name
	g.name = newName
	s.groups[userName] = g
	if t.sess != s {
		return old, false
	}
	if b, ok := t.bindings[old]; ok && b.userName == userName {
		bound = true
		for i, n := range t.wanted {
			if n == old {
				t.wanted[i] = newName
			}
		}
		t.wanted = slices.Compact(t.wanted)
	}
	t.rebindLocked()
	return old, bound
}

// rename records a rename and tells the owner (in delivery order).
func (t *Transport) rename(s *session, userName, newName string) {
	t.mu.Lock()
	old, bound := t.renameLocked(s, userName, newName)
	t.mu.Unlock()
	if old == "" {
		return
	}
	t.log.Info("wechat: group renamed", "old", old, "new", newName, "bound", bound)
	if bound && t.cfg.OnRename != nil {
		fn := t.cfg.OnRename
		t.enqueue(item{fn: func() { fn(old, newName) }})
	}
}

// BindGroups sets the group names the bot cares about and binds them in
// the current session at once (and again at every login).
func (t *Transport) BindGroups(names []string) {
	var clean []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(clean, n) {
			clean = append(clean, n)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wanted = clean
	t.rebindLocked()
}

// QR is what the login QR code encodes while a scan is awaited, and since
// when; "" when none is (logged in, or logging in without a scan).
func (t *Transport) QR() (content string, since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.qr, t.qrAt
}

// Binding states of a subscribed group, as GroupBindings reports them.
const (
	BindingBound     = "bound"
	BindingMissing   = "missing"   // not found, or not saved to contacts
	BindingAmbiguous = "ambiguous" // several groups have the name
)

// GroupBindings gives each subscribed group's binding in the current
// session; nil when logged out.
func (t *Transport) GroupBindings() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sess == nil {
		return nil
	}
	out := make(map[string]string, len(t.wanted))
	for _, name := range t.wanted {
		b, ok := t.bindings[name]
		switch {
		case ok && b.count == 1:
			out[name] = BindingBound
		case ok && b.count > 1:
			out[name] = BindingAmbiguous
		default:
			out[name] = BindingMissing
		}
	}
	return out
}

// State reports the login state and the binding problems.
func (t *Transport) State() bot.LoginState {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.state
	st.Problems = slices.Clone(t.problems)
	if t.sess != nil {
		st.Bound = []string{}
		for _, name := range t.wanted {
			if b, ok := t.bindings[name]; ok && b.count == 1 {
				st.Bound = append(st.Bound, name)
			}
		}
	}
	return st
}

// Send sends text to one chat of the current session. It makes exactly
// one sendmsg request: a 1205 comes back as bot.ErrRateLimited for the
// caller's pacing to act on, never retried here.
func (t *Transport) Send(ctx context.Context, to bot.Target, text string) error {
	op := fmt.Sprintf("wechat: send to %s %q", to.Kind, to.Name)
	s, userName, err := t.target(to)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.send(ctx, op, userName, text)
}

// target resolves to in the current session.
func (t *Transport) target(to bot.Target) (*session, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sess
	if s == nil {
		return nil, "", bot.ErrLoggedOut
	}
	userName, err := t.resolveLocked(s, to)
	return s, userName, err
}

// sessionGroup finds the group named name among those session s knows. It
// must be saved to contacts or have spoken in this session (an unsaved
// group seen only in the recent-chats list is not addressed), and its name
// must be unique.
func sessionGroup(s *session, name string) (binding, bool) {
	var b binding
	usable := false
	for un, g := range s.groups {
		if g.name == name {
			b.count++
			if g.saved || g.spoke {
				b.userName, usable = un, true
			}
		}
	}
	return b, usable
}

// maxFriendIDs bounds Transport.friendIDs.
const maxFriendIDs = 4096

// noteFriendIDLocked records the friend chat userName and whether its
// name in targets is a remark.
func (t *Transport) noteFriendIDLocked(userName string, byRemark bool) {
	if t.friendIDs == nil {
		t.friendIDs = map[string]bool{}
	}
	if _, ok := t.friendIDs[userName]; !ok {
		t.friendOrder = append(t.friendOrder, userName)
		if len(t.friendOrder) > maxFriendIDs {
			delete(t.friendIDs, t.friendOrder[0])
			t.friendOrder = slices.Delete(t.friendOrder, 0, 1)
		}
	}
	t.friendIDs[userName] = byRemark
}

// sessionChat reports whether userName is a chat of kind in session s:
// a contact of its snapshot or a chat a message came from.
func sessionChat(s *session, kind bot.ChatKind, userName string) bool {
	switch kind {
	case bot.ChatFriend:
		if _, ok := s.friends[userName]; ok {
			return true
		}
	case bot.ChatGroup:
		if _, ok := s.groups[userName]; ok {
			return true
		}
	default:
		return false
	}
	return s.chats[userName] == kind
}

// resolveLocked maps a target to a UserName of session s. A target's ID
// (the UserName its message came from) wins while it is valid in s: a
// reply reaches the chat that asked even when its name now resolves to
// someone else. A stale ID (from before a re-login) falls back to the
// name — for a friend only when that name is the owner's remark, as a
// nickname could be anyone's.
func (t *Transport) resolveLocked(s *session, to bot.Target) (string, error) {
	remarkOnly := false
	if to.ID != "" && to.Kind != bot.ChatSelf {
		if sessionChat(s, to.Kind, to.ID) {
			return to.ID, nil
		}
		if to.Kind == bot.ChatFriend {
			if byRemark, known := t.friendIDs[to.ID]; !known || !byRemark {
				return "", fmt.Errorf("%w (a chat of an earlier session, known there only by nickname)", bot.ErrNoSuchChat)
			}
			remarkOnly = true
		}
	}
	switch to.Kind {
	case bot.ChatSelf:
		return "filehelper", nil
	case bot.ChatGroup:
		b, ok := t.bindings[to.Name]
		if !ok {
			// Not a subscribed group bound at login, but one this session
			// knows by now — e.g. a group that just asked for news, or one
			// joined after login. Its name must still be unique.
			b, ok = sessionGroup(s, to.Name)
		}
		switch {
		case !ok && slices.Contains(t.wanted, to.Name):
			return "", fmt.Errorf("%w (group not found in contacts)", bot.ErrNoSuchChat)
		case !ok:
			return "", fmt.Errorf("%w (group not bound)", bot.ErrNoSuchChat)
		case b.count > 1:
			return "", fmt.Errorf("%w (%d groups)", bot.ErrAmbiguous, b.count)
		}
		return b.userName, nil
	case bot.ChatFriend:
		var byRemark, byNick []string
		for un, f := range s.friends {
			if f.remark == to.Name {
				byRemark = append(byRemark, un)
			} else if !remarkOnly && f.remark == "" && f.nick == to.Name {
				byNick = append(byNick, un)
			}
		}
		for _, c := range [][]string{byRemark, byNick} {
			switch len(c) {
			case 0:
				continue
			case 1:
				return c[0], nil
			default:
				return "", fmt.Errorf("%w (%d friends)", bot.ErrAmbiguous, len(c))
			}
		}
		return "", fmt.Errorf("%w (no such friend)", bot.ErrNoSuchChat)
	}
	return "", fmt.Errorf("%w (unknown chat kind %q)", bot.ErrNoSuchChat, to.Kind)
}
