package wechattest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const appID = "wx782c26e4c19acffb"

// pendingLogin is one QR (scan) or push login between jslogin /
// pushloginurl and webwxnewloginpage.
type pendingLogin struct {
	uuid      string
	push      bool
	confirmed bool   // the phone confirmed
	scanned   bool   // 201 reported
	ticket    string // set when 200 was answered
	used      bool   // the ticket was redeemed
	waits     int    // 408s still to answer before confirming
	desktop   bool   // jslogin carried mod=desktop
}

const maxPending = 64

func (s *Server) newPendingLocked(push, desktop bool) *pendingLogin {
	p := &pendingLogin{
		uuid:      s.b64(8, base64.RawStdEncoding)[:10] + "==",
		push:      push,
		confirmed: !s.opts.ManualConfirm,
		waits:     s.faults.LoginWaits,
		desktop:   desktop,
	}
	p.uuid = strings.NewReplacer("+", "a", "/", "b").Replace(p.uuid)
	s.pending[p.uuid] = p
	s.pendingQ = append(s.pendingQ, p.uuid)
	for len(s.pendingQ) > maxPending {
		delete(s.pending, s.pendingQ[0])
		s.pendingQ = s.pendingQ[1:]
	}
	return p
}

// GET login.wx.qq.com/jslogin: the QR uuid (reference §2.1).
func (s *Server) handleJSLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != appID {
		writeText(w, "text/javascript", `window.QRLogin.code = 400; window.QRLogin.error = "invalid appid";`)
		return
	}
	desktop := false
	if ru, err := url.Parse(q.Get("redirect_uri")); err == nil {
		desktop = ru.Query().Get("mod") == "desktop"
	}
	s.mu.Lock()
	p := s.newPendingLocked(false, desktop)
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Info("fake wechat QR issued", "uuid", p.uuid, "desktop", desktop)
	writeText(w, "text/javascript", fmt.Sprintf(`window.QRLogin.code = 200; window.QRLogin.uuid = "%s";`, p.uuid))
}

// GET login.wx.qq.com/cgi-bin/mmwebwx-bin/login: the login long poll
// (§2.3). Unconfirmed polls are held; never a code openwechat would spin on.
func (s *Server) handleLoginPoll(w http.ResponseWriter, r *http.Request) {
	uuid := r.URL.Query().Get("uuid")
	deadline := time.Now().Add(s.opts.HoldPoll)
	for {
		s.mu.Lock()
		p := s.pending[uuid]
		switch {
		case s.closed || p == nil || p.used || p.ticket != "" || s.faults.QRExpired:
			// Expired, unknown or already redeemed: 400 ends openwechat's loop.
			s.mu.Unlock()
			writeText(w, "text/javascript", "window.code=400;")
			return
		case p.confirmed && p.waits <= 0:
			if !p.scanned && !p.push {
				p.scanned = true
				s.broadcastLocked()
				s.mu.Unlock()
				writeText(w, "text/javascript", "window.code=201;window.userAvatar = 'data:img/jpg;base64,"+avatarB64+"';")
				return
			}
			p.scanned = true
			p.ticket = s.b64(18, base64.RawURLEncoding)
			redirect := fmt.Sprintf("https://%s/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=%s@qrticket_0&uuid=%s&lang=zh_CN&scan=%d",
				s.opts.Domain, p.ticket, p.uuid, s.now().Unix())
			s.broadcastLocked()
			s.mu.Unlock()
			writeText(w, "text/javascript", fmt.Sprintf("window.code=200;\nwindow.redirect_uri=\"%s\";", redirect))
			return
		}
		ch := s.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 || !s.waitChange(r.Context(), ch, left) {
			if r.Context().Err() != nil {
				return
			}
			s.mu.Lock()
			closed := s.closed
			if p := s.pending[uuid]; p != nil && p.waits > 0 {
				p.waits--
			}
			s.mu.Unlock()
			if closed {
				writeText(w, "text/javascript", "window.code=400;")
				return
			}
			writeText(w, "text/javascript", "window.code=408;")
			return
		}
	}
}

// avatarB64 is a tiny JPEG-ish payload for the 201 answer; openwechat only
// extracts it with a regex.
const avatarB64 = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP"

// GET login.weixin.qq.com/qrcode/<uuid> (and avatars): a small PNG.
func (s *Server) handleQRImage(w http.ResponseWriter, _ *http.Request) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		if i%3 == 0 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 255
		}
	}
	img.Set(0, 0, color.Gray{Y: 0})
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// GET login.weixin.qq.com/l/<uuid>: what the phone opens when it scans the
// QR; here it confirms that login (useful with ManualConfirm).
func (s *Server) handleQRScan(w http.ResponseWriter, r *http.Request) {
	uuid := strings.TrimPrefix(r.URL.Path, "/l/")
	s.mu.Lock()
	p := s.pending[uuid]
	if p != nil {
		p.confirmed = true
		p.waits = 0
		s.broadcastLocked()
	}
	s.mu.Unlock()
	if p == nil {
		http.Error(w, "二维码已失效", http.StatusNotFound)
		return
	}
	writeText(w, "text/html; charset=utf-8", "<html><body>已确认登录</body></html>")
}

// Confirm confirms every pending scan or push login, as if the phone's
// owner scanned and tapped 登录. It returns how many it confirmed.
func (s *Server) Confirm() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.pending {
		if !p.used && p.ticket == "" && (!p.confirmed || p.waits > 0) {
			p.confirmed = true
			p.waits = 0
			n++
		}
	}
	s.broadcastLocked()
	return n
}

const refusedMessage = "为了你的帐号安全，此微信号不能登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。Windows微信下载地址：https://pc.weixin.qq.com  Mac微信下载地址：https://mac.weixin.qq.com"

// GET <domain>/cgi-bin/mmwebwx-bin/webwxnewloginpage: redeems the ticket
// for a new session, with its cookies, as XML (§2.4).
func (s *Server) handleNewLoginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ticket := strings.TrimSuffix(q.Get("ticket"), "@qrticket_0")
	uuid := q.Get("uuid")
	s.mu.Lock()
	p := s.pending[uuid]
	if p == nil || p.used || p.ticket == "" || p.ticket != ticket {
		s.mu.Unlock()
		writeLoginXML(w, -14, "ticket error", nil)
		return
	}
	p.used = true
	if ret := s.faults.LoginRet; ret != 0 {
		msg := s.faults.LoginMessage
		if msg == "" {
			msg = refusedMessage
		}
		s.broadcastLocked()
		s.mu.Unlock()
		s.log.Info("fake wechat login refused", "ret", ret)
		writeLoginXML(w, ret, msg, nil)
		return
	}
	// A new login replaces the previous session (other-device login).
	s.endSessionLocked(s.sess, 1101)
	ss := s.newSessionLocked()
	s.sess = ss
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Info("fake wechat login", "session", ss.n, "push", p.push, "self", ss.self)
	for _, c := range s.sessionCookies(ss, true) {
		http.SetCookie(w, c)
	}
	writeLoginXML(w, 0, "", ss)
}

func writeLoginXML(w http.ResponseWriter, ret int, msg string, ss *session) {
	var b strings.Builder
	fmt.Fprintf(&b, "<error><ret>%d</ret><message>%s</message>", ret, xmlEscape(msg))
	if ss != nil {
		fmt.Fprintf(&b, "<skey>%s</skey><wxsid>%s</wxsid><wxuin>%d</wxuin><pass_ticket>%s</pass_ticket><isgrayscale>1</isgrayscale>",
			ss.skey, ss.sid, ss.uin, ss.passTicket)
	}
	b.WriteString("</error>")
	writeText(w, "text/plain;charset=utf-8", b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// sessionCookies are the cookies of §1.3: Domain=<domain> and
// webwx_data_ticket on Domain=.qq.com, all Secure. MaxAge rather than
// Expires keeps them valid whatever clock the server is given.
func (s *Server) sessionCookies(ss *session, login bool) []*http.Cookie {
	d := s.opts.Domain
	mk := func(name, value, domain string) *http.Cookie {
		return &http.Cookie{Name: name, Value: value, Domain: domain, Path: "/", MaxAge: 12 * 3600, Secure: true}
	}
	parent := d
	if i := strings.Index(d, "."); i >= 0 {
		parent = d[i:] // .qq.com
	}
	cs := []*http.Cookie{
		mk("wxuin", strconv.FormatInt(ss.uin, 10), d),
		mk("wxsid", ss.sid, d),
	}
	if login {
		cs = append(cs,
			mk("wxloadtime", strconv.FormatInt(s.now().Unix(), 10)+"_expired", d),
			mk("mm_lang", "zh_CN", d),
			mk("webwxuvid", ss.uvid, d),
			mk("webwx_auth_ticket", ss.authTicket, d),
		)
	} else {
		cs = append(cs, mk("wxpluginkey", ss.pluginKey, d))
	}
	cs = append(cs, mk("webwx_data_ticket", ss.dataTicket, parent))
	return cs
}

// GET <domain>/cgi-bin/mmwebwx-bin/webwxpushloginurl?uin=…: push login
// (§2.14); the answer's ret is a string.
func (s *Server) handlePushLogin(w http.ResponseWriter, r *http.Request) {
	uin, _ := strconv.ParseInt(r.URL.Query().Get("uin"), 10, 64)
	desktop := r.URL.Query().Get("mod") == "desktop"
	s.mu.Lock()
	if ret := s.faults.PushRet; ret != 0 {
		s.mu.Unlock()
		writeWire(w, http.StatusOK, map[string]string{"ret": strconv.Itoa(ret), "msg": "push login refused"})
		return
	}
	if uin != s.opts.SelfUin {
		s.mu.Unlock()
		writeWire(w, http.StatusOK, map[string]string{"ret": "1", "msg": "bad uin"})
		return
	}
	if s.faults.StrictCookies {
		if c, err := r.Cookie("wxuin"); err != nil || c.Value != strconv.FormatInt(uin, 10) {
			s.mu.Unlock()
			writeWire(w, http.StatusOK, map[string]string{"ret": "1", "msg": "cookie invalid"})
			return
		}
	}
	p := s.newPendingLocked(true, desktop)
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Info("fake wechat push login", "uuid", p.uuid)
	writeWire(w, http.StatusOK, map[string]string{"ret": "0", "msg": "all ok", "uuid": p.uuid})
}
