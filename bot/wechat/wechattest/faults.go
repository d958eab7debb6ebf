package wechattest

import (
	"errors"
	"fmt"
	"time"
)

// Faults are the failure knobs (§4.3 of the reference). Settings persist
// until changed; Kick and Expire are actions applied at once and read back
// as zero.
type Faults struct {
	// SendRet is the Ret webwxsendmsg answers for the next Times sends
	// (Times <= 0 counts as 1), e.g. 1205 (rate limited) or 1101. Refused
	// sends are not recorded in Sent. Times reads back as what is left.
	// Image sends count too: the refusal comes on webwxsendmsgimg, after
	// the upload.
	SendRet int `json:"send_ret"`
	Times   int `json:"times"`
	// UploadRet answers the next webwxuploadmedia request with that Ret,
	// once (e.g. 1101, or -1 for a failed upload).
	UploadRet int `json:"upload_ret"`

	// Kick ends the current session now: held and later synchecks answer
	// retcode Kick with selector 0. 1100, 1101 and 1102 are the logout
	// signals openwechat exits on; any other code (e.g. 1205) makes its
	// default error handler retry without pause.
	Kick int `json:"kick"`
	// Expire ends the current session silently (as a lapsed session): the
	// next synccheck answers 1101 and a hot login's webwxinit Ret 1101.
	Expire bool `json:"expire"`

	// LoginRet refuses logins: webwxnewloginpage answers <ret>LoginRet</ret>
	// (1203: account not allowed on web/desktop) with LoginMessage.
	LoginRet     int    `json:"login_ret"`
	LoginMessage string `json:"login_message"`
	// PushRet != 0 makes webwxpushloginurl answer {"ret":"<PushRet>"}.
	PushRet int `json:"push_ret"`
	// LoginWaits is how many login polls answer 408 (held) before the scan.
	LoginWaits int `json:"login_waits"`
	// QRExpired makes login polls answer 400 (QR expired).
	QRExpired bool `json:"qr_expired"`
	// WebInitRet / StatusNotifyRet answer the next webwxinit / statusnotify
	// with that Ret, once (StatusNotifyRet gives openwechat's zombie bot).
	WebInitRet      int `json:"webinit_ret"`
	StatusNotifyRet int `json:"statusnotify_ret"`

	// SpinSelector != 0 makes synccheck answer selector SpinSelector at
	// once, without holding, while webwxsync brings nothing: the selector
	// 6/7 loop of the real server that openwechat spins on (a client must
	// back off in its SyncCheckCallback).
	SpinSelector int `json:"spin_selector"`

	// Duplicate delivers every new message twice (same MsgId).
	Duplicate bool `json:"duplicate"`
	// EchoSends puts each accepted send back into the next webwxsync as a
	// message from the bot itself, with the MsgID sendmsg returned.
	EchoSends bool `json:"echo_sends"`
	// SlowResponses delays every WeChat response (bounded by the request's
	// context and Close). JSON: "slow_ms".
	SlowResponses time.Duration `json:"-"`
	// StrictCookies answers synccheck 1102 and getcontact Ret 1101 when the
	// wxsid/wxuin cookies are missing or wrong (as reported for the real
	// server; exposes openwechat's hot-login cookie loss).
	StrictCookies bool `json:"strict_cookies"`
	// NoCookieReissue stops webwxsync re-issuing the session cookies.
	NoCookieReissue bool `json:"no_cookie_reissue"`
	// LogoutJSON answers webwxlogout with JSON Ret 0 (openwechat then
	// exits with ErrUserLogout) instead of the real 301 with an empty body.
	LogoutJSON bool `json:"logout_json"`
}

// faultsJSON is the control API's partial update: only fields present
// change.
type faultsJSON struct {
	SendRet         *int    `json:"send_ret"`
	Times           *int    `json:"times"`
	UploadRet       *int    `json:"upload_ret"`
	Kick            *int    `json:"kick"`
	Expire          *bool   `json:"expire"`
	LoginRet        *int    `json:"login_ret"`
	LoginMessage    *string `json:"login_message"`
	PushRet         *int    `json:"push_ret"`
	LoginWaits      *int    `json:"login_waits"`
	QRExpired       *bool   `json:"qr_expired"`
	WebInitRet      *int    `json:"webinit_ret"`
	StatusNotifyRet *int    `json:"statusnotify_ret"`
	SpinSelector    *int    `json:"spin_selector"`
	Duplicate       *bool   `json:"duplicate"`
	EchoSends       *bool   `json:"echo_sends"`
	SlowMS          *int    `json:"slow_ms"`
	StrictCookies   *bool   `json:"strict_cookies"`
	NoCookieReissue *bool   `json:"no_cookie_reissue"`
	LogoutJSON      *bool   `json:"logout_json"`
}

func (j faultsJSON) apply(f *Faults) {
	setI := func(dst *int, src *int) {
		if src != nil {
			*dst = *src
		}
	}
	setB := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	setI(&f.SendRet, j.SendRet)
	setI(&f.Times, j.Times)
	if j.SendRet != nil && j.Times == nil {
		f.Times = 1
	}
	setI(&f.UploadRet, j.UploadRet)
	setI(&f.Kick, j.Kick)
	setB(&f.Expire, j.Expire)
	setI(&f.LoginRet, j.LoginRet)
	if j.LoginMessage != nil {
		f.LoginMessage = *j.LoginMessage
	}
	setI(&f.PushRet, j.PushRet)
	setI(&f.LoginWaits, j.LoginWaits)
	setB(&f.QRExpired, j.QRExpired)
	setI(&f.WebInitRet, j.WebInitRet)
	setI(&f.StatusNotifyRet, j.StatusNotifyRet)
	setI(&f.SpinSelector, j.SpinSelector)
	setB(&f.Duplicate, j.Duplicate)
	setB(&f.EchoSends, j.EchoSends)
	if j.SlowMS != nil {
		f.SlowResponses = time.Duration(*j.SlowMS) * time.Millisecond
	}
	setB(&f.StrictCookies, j.StrictCookies)
	setB(&f.NoCookieReissue, j.NoCookieReissue)
	setB(&f.LogoutJSON, j.LogoutJSON)
}

// Errors of the Go and JSON controls (the JSON API maps them to 409, 404,
// 409; other bad input is 400).
var (
	ErrNotLoggedIn = errors.New("nobody is logged in")
	ErrUnknown     = errors.New("unknown group, friend or member")
	ErrAmbiguous   = errors.New("ambiguous group name")
)

// Faults returns the current knobs.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetFaults replaces every knob with f (use UpdateFaults to change some).
func (s *Server) SetFaults(f Faults) error {
	return s.UpdateFaults(func(cur *Faults) { *cur = f })
}

// UpdateFaults changes the knobs in place. A Kick or Expire with nobody
// logged in fails with ErrNotLoggedIn and changes nothing.
func (s *Server) UpdateFaults(change func(*Faults)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	change(&f)
	if f.Kick != 0 || f.Expire {
		ss := s.liveLocked()
		if ss == nil {
			return fmt.Errorf("wechattest: kick: %w", ErrNotLoggedIn)
		}
		switch {
		case f.Kick != 0:
			if f.Kick < 0 || f.Kick > 99999 {
				return fmt.Errorf("wechattest: kick %d: want a retcode such as 1100, 1101 or 1102", f.Kick)
			}
			s.endSessionLocked(ss, f.Kick)
		default:
			s.endSessionLocked(ss, 1101)
		}
		f.Kick, f.Expire = 0, false
	}
	if f.SendRet != 0 && f.Times <= 0 {
		f.Times = 1
	}
	if f.SendRet == 0 {
		f.Times = 0
	}
	if f.SpinSelector < 0 || f.SpinSelector > 9 {
		return fmt.Errorf("wechattest: spin selector %d: want 0-9", f.SpinSelector)
	}
	if f.SlowResponses < 0 {
		f.SlowResponses = 0
	}
	s.faults = f
	s.broadcastLocked()
	return nil
}

// Kick ends the current session with synccheck retcode code (1100, 1101
// or 1102); shorthand for UpdateFaults with Faults.Kick.
func (s *Server) Kick(code int) error {
	return s.UpdateFaults(func(f *Faults) { f.Kick = code })
}

// Expire ends the current session silently, as a lapsed session; see
// Faults.Expire.
func (s *Server) Expire() error {
	return s.UpdateFaults(func(f *Faults) { f.Expire = true })
}
