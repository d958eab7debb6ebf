package wechattest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Hosts openwechat addresses (url.go:27-30 in openwechat v1.4.8).
const (
	LoginHost = "login.wx.qq.com"     // jslogin and login polling
	QRHost    = "login.weixin.qq.com" // QR image (/qrcode/<uuid>) and QR content (/l/<uuid>)
)

// Options configure a Server. The zero value is usable.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now; stamps messages, sends and requests; must be safe for concurrent use

	SelfNick string // the bot account's NickName; default "wxdigest"
	SelfUin  int64  // the bot account's Uin (stable across logins); default 2911000001
	// Domain is the host put in window.redirect_uri, so openwechat's
	// Domain; synccheck then goes to webpush.<Domain>. Default "wx2.qq.com".
	Domain string

	// ManualConfirm turns off auto-confirm. By default (false) a scan or
	// push login confirms as soon as the bot polls: 201 (scanned) on the
	// first poll, 200 on the next. With ManualConfirm the login polls are
	// held and answer 408 until Confirm is called or the QR content URL
	// https://login.weixin.qq.com/l/<uuid> is fetched (a "scan").
	ManualConfirm bool

	// HoldPoll is how long synccheck and login polls are held when nothing
	// happens before answering "nothing new" (selector 0 / code 408). The
	// real server holds ~25 s; default 300 ms, capped at 25 s. A hold ends
	// early on news, on the request's context and on Close.
	HoldPoll time.Duration

	// ContactPageSize > 0 pages webwxgetcontact (Seq != 0 until the last page).
	ContactPageSize int
	// MaxRecords bounds the request log and the sent log (oldest dropped);
	// default 10000.
	MaxRecords int
	// Seed seeds the generator of UserNames, uuids and message ids;
	// default 1. Two servers with the same seed issue the same ids.
	Seed uint64
}

// Server is a fake WeChat web server: the hosts of §1.2 of the reference
// (routed on r.Host + path) plus a control API under /_fake/ on any host.
// All methods are safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	closing  chan struct{}
	closed   bool
	inflight sync.WaitGroup // handlers that can block; Add only under mu while !closed

	rng      *rand.Rand
	friends  []*friend
	groups   []*group
	nextID   int
	pending  map[string]*pendingLogin // by uuid
	pendingQ []string                 // uuids, oldest first, to bound pending
	sess     *session                 // the current session; nil before the first login
	sessN    int
	logins   int
	faults   Faults
	sent     []SentMessage
	requests []RequestRecord

	httpSrv *http.Server
	url     string

	cmu          sync.Mutex // guards active, connsChanged (not under mu: ConnState runs on conn goroutines)
	active       map[net.Conn]bool
	connsChanged chan struct{}
}

// New returns a server with no friends, no groups and nobody logged in.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SelfNick == "" {
		opts.SelfNick = "wxdigest"
	}
	if opts.SelfUin == 0 {
		opts.SelfUin = 2911000001
	}
	if opts.Domain == "" {
		opts.Domain = "wx2.qq.com"
	}
	if opts.HoldPoll <= 0 {
		opts.HoldPoll = 300 * time.Millisecond
	}
	if opts.HoldPoll > 25*time.Second {
		opts.HoldPoll = 25 * time.Second
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = 10000
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	return &Server{
		opts:    opts,
		log:     opts.Logger,
		now:     opts.Now,
		changed: make(chan struct{}),
		closing: make(chan struct{}),
		rng:     rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		pending: map[string]*pendingLogin{},

		active:       map[net.Conn]bool{},
		connsChanged: make(chan struct{}),
	}
}

// Handler serves the WeChat hosts and /_fake/. Mount it on any listener;
// Start does that on a loopback address.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start listens on addr, which must be a loopback address such as
// "127.0.0.1:8080" or "127.0.0.1:0", and serves Handler until Close. It
// returns the base URL, e.g. "http://127.0.0.1:8080".
func (s *Server) Start(addr string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("wechattest: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("wechattest: listen address %q is not loopback", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("wechattest: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ConnState: s.connState}
	s.mu.Lock()
	if s.closed || s.httpSrv != nil {
		s.mu.Unlock()
		_ = ln.Close()
		return "", errors.New("wechattest: server already started or closed")
	}
	s.httpSrv = srv
	s.url = "http://" + ln.Addr().String()
	u := s.url
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	s.log.Info("fake wechat listening", "url", u, "domain", s.opts.Domain)
	return u, nil
}

// StartTest starts on 127.0.0.1:0 and panics if it cannot, like httptest.
func (s *Server) StartTest() string {
	u, err := s.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return u
}

// URL is the base URL given by Start, or "" if not started.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close releases every held poll, stops the listener (if started) and
// waits for in-flight handlers. Requests arriving later are answered at
// once (long polls as logged out), never held.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	s.broadcastLocked()
	srv := s.httpSrv
	s.mu.Unlock()
	s.inflight.Wait()
	if srv != nil {
		// Let the answers of the released polls (1101) reach the client
		// before closing: on a reset connection openwechat retries
		// without pause. (Not http.Server.Shutdown: it waits 5 s for
		// connections a client opened but never used.)
		srv.SetKeepAlivesEnabled(false)
		s.waitConnsIdle(5 * time.Second)
		_ = srv.Close()
	}
}

// connState tracks connections with a request in progress.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if st == http.StateActive {
		s.active[c] = true
	} else {
		delete(s.active, c)
	}
	close(s.connsChanged)
	s.connsChanged = make(chan struct{})
}

func (s *Server) waitConnsIdle(limit time.Duration) {
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		s.cmu.Lock()
		n, ch := len(s.active), s.connsChanged
		s.cmu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		}
	}
}

// broadcastLocked wakes every waiter. Callers hold s.mu.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitChange waits until the state changes after ch was read, d passes,
// ctx is done or the server closes. It reports whether a change happened.
func (s *Server) waitChange(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// waitCond blocks until cond (called with s.mu held) is true, ctx is done
// or the server closes.
func (s *Server) waitCond(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wechattest: wait: %w", ctx.Err())
		case <-s.closing:
			return errors.New("wechattest: wait: server closed")
		}
	}
}

// RequestRecord is one request to a WeChat host (control requests under
// /_fake/ are not recorded).
type RequestRecord struct {
	Time    time.Time         `json:"time"`
	Method  string            `json:"method"`
	Host    string            `json:"host"`
	Path    string            `json:"path"`
	Query   url.Values        `json:"query"`
	Header  http.Header       `json:"header"`
	Cookies map[string]string `json:"cookies"`
	Body    string            `json:"body,omitempty"`
}

const maxBody = 4 << 20

// maxRecordedUpload bounds what the request log keeps of a multipart body
// (an upload chunk is up to 512 KB of image): the form fields come first
// in openwechat's form, so they stay readable.
const maxRecordedUpload = 8 << 10

func recordedBody(r *http.Request, body []byte) string {
	if len(body) > maxRecordedUpload && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return fmt.Sprintf("%s…(%d bytes)", body[:maxRecordedUpload], len(body))
	}
	return string(body)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_fake/") {
		s.serveControl(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	rec := RequestRecord{
		Time:    s.now(),
		Method:  r.Method,
		Host:    host,
		Path:    r.URL.Path,
		Query:   r.URL.Query(),
		Header:  r.Header.Clone(),
		Cookies: map[string]string{},
		Body:    recordedBody(r, body),
	}
	for _, c := range r.Cookies() {
		rec.Cookies[c.Name] = c.Value
	}

	s.mu.Lock()
	s.requests = appendBounded(s.requests, rec, s.opts.MaxRecords)
	closed := s.closed
	if !closed {
		s.inflight.Add(1)
		defer s.inflight.Done()
	}
	slow := s.faults.SlowResponses
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Debug("fake wechat request", "method", r.Method, "host", host, "path", r.URL.Path, "query", r.URL.RawQuery)

	if slow > 0 && !closed {
		t := time.NewTimer(slow)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.closing:
		}
		t.Stop()
	}

	d := s.opts.Domain
	p := r.URL.Path
	switch {
	case host == LoginHost && p == "/jslogin":
		s.handleJSLogin(w, r)
	case host == LoginHost && p == "/cgi-bin/mmwebwx-bin/login":
		s.handleLoginPoll(w, r)
	case host == QRHost && strings.HasPrefix(p, "/qrcode/"):
		s.handleQRImage(w, r)
	case host == QRHost && strings.HasPrefix(p, "/l/"):
		s.handleQRScan(w, r)
	case host == "webpush."+d && p == "/cgi-bin/mmwebwx-bin/synccheck":
		s.handleSyncCheck(w, r)
	case host == "file."+d && p == "/cgi-bin/mmwebwx-bin/webwxuploadmedia":
		s.handleUploadMedia(w, r)
	case host == d:
		s.serveBase(w, r, p)
	default:
		writeWire(w, http.StatusNotFound, retBody{baseResponse{Ret: 1, ErrMsg: "fake wechat: no such endpoint " + host + p}})
	}
}

func (s *Server) serveBase(w http.ResponseWriter, r *http.Request, p string) {
	switch strings.TrimPrefix(p, "/cgi-bin/mmwebwx-bin/") {
	case "webwxnewloginpage":
		s.handleNewLoginPage(w, r)
	case "webwxpushloginurl":
		s.handlePushLogin(w, r)
	case "webwxinit":
		s.handleInit(w, r)
	case "webwxstatusnotify":
		s.handleStatusNotify(w, r)
	case "webwxgetcontact":
		s.handleGetContact(w, r)
	case "webwxbatchgetcontact":
		s.handleBatchGetContact(w, r)
	case "webwxsync":
		s.handleSync(w, r)
	case "webwxsendmsg":
		s.handleSendMsg(w, r)
	case "webwxsendmsgimg":
		s.handleSendMsgImg(w, r)
	case "webwxlogout":
		s.handleLogout(w, r)
	case "webwxgeticon", "webwxgetheadimg":
		s.handleQRImage(w, r)
	default:
		writeWire(w, http.StatusNotFound, retBody{baseResponse{Ret: 1, ErrMsg: "fake wechat: no such endpoint " + p}})
	}
}

func appendBounded[T any](list []T, v T, max int) []T {
	list = append(list, v)
	if len(list) > max {
		n := copy(list, list[len(list)-max:])
		clear(list[n:])
		list = list[:n]
	}
	return list
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// WaitRequest waits until a recorded request satisfies match and returns
// the first such one. match runs with the server locked: it must not call
// the Server.
func (s *Server) WaitRequest(ctx context.Context, match func(RequestRecord) bool) (RequestRecord, error) {
	var found RequestRecord
	err := s.waitCond(ctx, func() bool {
		for _, r := range s.requests {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitRequests waits until cond holds for the whole request log (e.g. "a
// third synccheck arrived") and returns a copy of it. cond runs with the
// server locked: it must not call the Server.
func (s *Server) WaitRequests(ctx context.Context, cond func([]RequestRecord) bool) ([]RequestRecord, error) {
	var out []RequestRecord
	err := s.waitCond(ctx, func() bool {
		if cond(s.requests) {
			out = append([]RequestRecord(nil), s.requests...)
			return true
		}
		return false
	})
	return out, err
}
