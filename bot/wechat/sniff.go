package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// sniffer sits between openwechat's http.Client and the network. It
// reads, without altering, the parts of responses openwechat drops:
//   - the <ret> of the login XML (openwechat turns a 1203 refusal into a
//     bare message);
//   - ModContactList of webwxsync (openwechat never parses it), to see
//     group renames and remark changes while logged in.
//
// It also drops Set-Cookie from responses to requests the transport makes
// itself from other goroutines (sends, contact fetch): openwechat's Jar
// records hosts in an unsynchronised map, so only the sync goroutine may
// feed it. The real server re-issues cookies on webwxsync anyway.
type sniffer struct {
	base      http.RoundTripper
	loginRet  func(int)
	modContct func([]wireContact)
	onPanic   func(any)
	reached   func() // an answer came back (WeChat can be reached)
}

type ownRequestKey struct{}

// ownRequest marks ctx as a request from outside openwechat's sync loop.
func ownRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownRequestKey{}, true)
}

// wireContact is a contact entry of ModContactList.
type wireContact struct {
	UserName   string
	NickName   string
	RemarkName string
	VerifyFlag int
}

var loginRetRe = regexp.MustCompile(`<ret>\s*(-?\d+)\s*</ret>`)

func (s *sniffer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if s.reached != nil {
		s.reached()
	}
	if req.Context().Value(ownRequestKey{}) != nil {
		resp.Header.Del("Set-Cookie")
	}
	// This runs on openwechat's sync goroutine, which has no recover.
	defer func() {
		if r := recover(); r != nil && s.onPanic != nil {
			s.onPanic(r)
		}
	}()
	path := req.URL.Path
	switch {
	case strings.HasSuffix(path, "/webwxnewloginpage") && s.loginRet != nil:
		body := peek(resp)
		if m := loginRetRe.FindSubmatch(body); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			s.loginRet(n)
		}
	case strings.HasSuffix(path, "/webwxsync") && s.modContct != nil:
		var item struct{ ModContactList []wireContact }
		if json.Unmarshal(peek(resp), &item) == nil && len(item.ModContactList) > 0 {
			s.modContct(item.ModContactList)
		}
	}
	return resp, nil
}

// peek reads the whole body and puts an identical one back.
func peek(resp *http.Response) []byte {
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	rd := io.MultiReader(bytes.NewReader(b))
	if err != nil {
		// Hand openwechat the same failure it would have seen.
		rd = io.MultiReader(bytes.NewReader(b), errReader{err})
	}
	resp.Body = io.NopCloser(rd)
	return b
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
