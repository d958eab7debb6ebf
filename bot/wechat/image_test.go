package wechat

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// These tests send pictures through the real openwechat upload and
// webwxsendmsgimg code against the fake server.

// chunkSize is openwechat v1.4.8's upload chunk (global.go:114).
const chunkSize = 512 << 10

// noisePNG encodes a w×h picture of seeded noise; noise does not
// compress, so the size follows w×h.
func noisePNG(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 255})
		}
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// sentJSON is GET /_fake/sent as generic JSON objects.
func sentJSON(t *testing.T, e *env) []map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "GET", e.url+"/_fake/sent", nil)
	must(t, err)
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	var out []map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("/_fake/sent: %v: %s", err, raw)
	}
	return out
}

func TestSendImage(t *testing.T) {
	// openwechat uploads from a file: the temporary one must not stay.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	ctx := ctxT(t)
	pic := noisePNG(t, 40, 30, 1)
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}
	if err := tr.SendImage(ctx, grp, pic); !errors.Is(err, bot.ErrLoggedOut) {
		t.Fatalf("SendImage before login = %v, want ErrLoggedOut", err)
	}
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)

	must(t, tr.Send(ctx, grp, "今日摘要"))
	sends := []struct {
		to       bot.Target
		wantTo   string
		wantKind string
	}{
		{grp, "幸福里业主群", wechattest.KindGroup},
		{bot.Target{Kind: bot.ChatFriend, Name: "王主任(管理员)"}, "王主任", wechattest.KindFriend},
		{bot.Target{Kind: bot.ChatSelf}, "filehelper", wechattest.KindSelf},
	}
	for _, s := range sends {
		if err := tr.SendImage(ctx, s.to, pic); err != nil {
			t.Fatalf("SendImage(%+v): %v", s.to, err)
		}
	}
	got, err := e.srv.WaitSent(ctx, 1+len(sends))
	must(t, err)
	for i, s := range sends {
		g := got[1+i]
		if g.To != s.wantTo || g.Kind != s.wantKind || g.Media != wechattest.MediaImage || g.Type != 3 ||
			g.Bytes != int64(len(pic)) || g.MD5 != md5hex(pic) || g.Text != "" || g.MediaID == "" {
			t.Errorf("sent[%d] = %+v, want an image of %d bytes to %s (%s)", 1+i, g, len(pic), s.wantTo, s.wantKind)
		}
	}
	if got[1].GroupID != "xfl" {
		t.Errorf("group image has group_id %q", got[1].GroupID)
	}
	rs := e.srv.Requests()
	ups := reqsTo(rs, "/webwxuploadmedia")
	if len(ups) != len(sends) || len(reqsTo(rs, "/webwxsendmsgimg")) != len(sends) {
		t.Errorf("%d uploads and %d sendmsgimg for %d images", len(ups), len(reqsTo(rs, "/webwxsendmsgimg")), len(sends))
	}
	for _, u := range ups {
		if u.Host != "file.wx2.qq.com" || u.Cookies["webwx_data_ticket"] == "" {
			t.Errorf("upload went to %s with cookies %v", u.Host, u.Cookies)
		}
	}

	// The JSON log: image entries carry media/bytes/md5; the text entry
	// keeps exactly its old keys.
	js := sentJSON(t, e)
	textKeys := []string{"client_msg_id", "group_id", "kind", "local_id", "msg_id", "text", "time", "to", "to_user_name", "type"}
	var keys []string
	for k := range js[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, textKeys) {
		t.Errorf("text entry keys %v, want %v", keys, textKeys)
	}
	if im := js[1]; im["media"] != "image" || im["bytes"] != float64(len(pic)) || im["md5"] != md5hex(pic) || im["to"] != "幸福里业主群" || im["kind"] != "group" {
		t.Errorf("image entry %v", im)
	}

	// Refused before any request: unknown chats, bad input.
	before := len(e.srv.Requests())
	for _, tt := range []struct {
		to   bot.Target
		pic  []byte
		want error
	}{
		{bot.Target{Kind: bot.ChatGroup, Name: "不存在的群"}, pic, bot.ErrNoSuchChat},
		{bot.Target{Kind: bot.ChatGroup, Name: "未保存群"}, pic, bot.ErrNoSuchChat},
		{bot.Target{Kind: bot.ChatFriend, Name: "李阿姨"}, pic, bot.ErrNoSuchChat},
		{grp, nil, nil},
		{grp, []byte("GIF89a not a png"), nil},
	} {
		err := tr.SendImage(ctx, tt.to, tt.pic)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("SendImage(%+v, %d bytes) = %v, want %v", tt.to, len(tt.pic), err, tt.want)
		}
	}
	if rs := e.srv.Requests()[before:]; len(reqsTo(rs, "/webwxuploadmedia"))+len(reqsTo(rs, "/webwxsendmsgimg")) != 0 {
		t.Errorf("refused images still reached the server")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestSendImageChunked(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	pic := noisePNG(t, 640, 640, 2) // ~1.2 MB (RGB noise): three chunks
	if len(pic) <= 2*chunkSize || len(pic) > 3*chunkSize {
		t.Fatalf("test picture is %d bytes, want three chunks", len(pic))
	}
	must(t, tr.SendImage(ctx, bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, pic))
	got, err := e.srv.WaitSent(ctx, 1)
	must(t, err)
	if g := got[0]; g.Bytes != int64(len(pic)) || g.MD5 != md5hex(pic) || g.To != "幸福里业主群" {
		t.Errorf("sent %+v, want %d bytes with md5 %s", g, len(pic), md5hex(pic))
	}
	ups := reqsTo(e.srv.Requests(), "/webwxuploadmedia")
	if len(ups) != 3 {
		t.Fatalf("%d upload requests, want 3", len(ups))
	}
	for i, u := range ups {
		// The form fields precede the file data, so the log keeps them.
		if !strings.Contains(u.Body, "name=\"chunks\"\r\n\r\n3\r\n") || !strings.Contains(u.Body, "name=\"chunk\"\r\n\r\n"+string(rune('0'+i))+"\r\n") {
			t.Errorf("upload %d lacks chunks=3, chunk=%d:\n%.600s", i, i, u.Body)
		}
	}
}

func TestSendImageErrors(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	ctx := ctxT(t)
	grp := bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}
	pic := noisePNG(t, 16, 16, 3)
	count := func(suffix string) int { return len(reqsTo(e.srv.Requests(), suffix)) }

	// 1205 on the send: surfaced, not retried, nothing recorded.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 1 }))
	err := tr.SendImage(ctx, grp, pic)
	if !errors.Is(err, bot.ErrRateLimited) || !strings.Contains(err.Error(), "1205") {
		t.Fatalf("image on 1205 = %v, want ErrRateLimited mentioning 1205", err)
	}
	if count("/webwxuploadmedia") != 1 || count("/webwxsendmsgimg") != 1 || len(e.srv.Sent()) != 0 {
		t.Errorf("1205: %d uploads, %d sends, %d recorded", count("/webwxuploadmedia"), count("/webwxsendmsgimg"), len(e.srv.Sent()))
	}
	// 1205 on the upload: no send follows.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.UploadRet = 1205 }))
	err = tr.SendImage(ctx, grp, pic)
	if !errors.Is(err, bot.ErrRateLimited) || !strings.Contains(err.Error(), "upload") {
		t.Errorf("upload 1205 = %v, want ErrRateLimited naming the upload", err)
	}
	if count("/webwxsendmsgimg") != 1 {
		t.Errorf("a send followed a failed upload")
	}
	must(t, tr.SendImage(ctx, grp, pic))
	if st := tr.State(); !st.LoggedIn {
		t.Errorf("rate limit ended the session: %+v", st)
	}
	// Logged out, on the send and on the upload.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1101, 1 }))
	if err := tr.SendImage(ctx, grp, pic); !errors.Is(err, bot.ErrLoggedOut) {
		t.Errorf("image on send 1101 = %v, want ErrLoggedOut", err)
	}
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.UploadRet = 1102 }))
	if err := tr.SendImage(ctx, grp, pic); !errors.Is(err, bot.ErrLoggedOut) {
		t.Errorf("image on upload 1102 = %v, want ErrLoggedOut", err)
	}
	// A kick, with logins refused from then on: whether or not the
	// transport has noticed yet, the image is ErrLoggedOut.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.LoginRet, f.Kick = 1203, 1101 }))
	if err := tr.SendImage(ctx, grp, pic); !errors.Is(err, bot.ErrLoggedOut) {
		t.Errorf("image after a kick = %v, want ErrLoggedOut", err)
	}
	if n := len(e.srv.Sent()); n != 1 {
		t.Errorf("fake recorded %d images, want 1", n)
	}
	if err := r.wait(t); !errors.Is(err, bot.ErrLoginRefused) {
		t.Errorf("Run = %v, want ErrLoginRefused", err)
	}
}

// After a hot login openwechat v1.4.8's jar has no cookies for
// file.<domain>, so the upload would fail for want of webwx_data_ticket;
// the storage workaround restores them.
func TestSendImageAfterHotLogin(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.StrictCookies, f.NoCookieReissue = true, true }))
	r1 := start(t, e.transport(t, nil))
	r1.loggedIn(t, 1)
	must(t, r1.stop(t))
	before := len(e.srv.Requests())

	tr := e.transport(t, nil)
	tr.BindGroups([]string{"幸福里业主群"})
	r := start(t, tr)
	r.loggedIn(t, 1)
	if n := len(reqsTo(e.srv.Requests()[before:], "/jslogin")); n != 0 {
		t.Fatalf("restart did a scan login, want hot")
	}
	pic := noisePNG(t, 24, 24, 4)
	must(t, tr.SendImage(ctxT(t), bot.Target{Kind: bot.ChatGroup, Name: "幸福里业主群"}, pic))
	sent := e.srv.Sent()
	if len(sent) != 1 || sent[0].MD5 != md5hex(pic) {
		t.Errorf("sent %+v", sent)
	}
}
