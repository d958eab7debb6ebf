package wechattest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// fakePNG is a PNG signature followed by n-8 bytes of a pattern: enough
// for openwechat's content sniffing, and sized at will.
func fakePNG(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	for i := 8; i < n; i++ {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestImageThroughOpenwechat(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.EchoSends = true }))
	b := e.newBot(t)
	ch := collect(b, nil)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	gs, err := self.Groups()
	must(t, err)
	g := gs.SearchByNickName(1, "幸福里业主群").First()

	small, big := fakePNG(3000), fakePNG(1200<<10) // big: three 512 KB chunks
	_, err = self.SendImageToGroup(g, bytes.NewReader(small))
	must(t, err)
	_, err = self.FileHelper().SendImage(bytes.NewReader(big))
	must(t, err)
	sent := e.srv.Sent()
	if len(sent) != 2 {
		t.Fatalf("sent %+v", sent)
	}
	for i, want := range []struct {
		pic      []byte
		to, kind string
	}{{small, "幸福里业主群", wechattest.KindGroup}, {big, "filehelper", wechattest.KindSelf}} {
		s := sent[i]
		if s.Media != wechattest.MediaImage || s.Type != 3 || s.Bytes != int64(len(want.pic)) || s.MD5 != md5hex(want.pic) ||
			s.To != want.to || s.Kind != want.kind || s.MediaID == "" || s.MsgID == "" {
			t.Errorf("sent[%d] = %+v", i, s)
		}
	}
	ups := reqsTo(e.srv.Requests(), "/webwxuploadmedia")
	if len(ups) != 4 {
		t.Fatalf("%d upload requests, want 1 + 3 chunks", len(ups))
	}
	for _, u := range ups {
		if u.Host != "file.wx2.qq.com" || u.Query.Get("f") != "json" {
			t.Errorf("upload to %s?%s", u.Host, u.Query.Encode())
		}
		if len(u.Body) > 9<<10 {
			t.Errorf("request log kept %d bytes of an upload", len(u.Body))
		}
	}
	// The raw answers: MediaId only on the last chunk.
	answers := e.tap.get("webwxuploadmedia")
	for i, a := range answers {
		var r struct {
			BaseResponse struct{ Ret int }
			MediaId      string
		}
		must(t, json.Unmarshal(a, &r))
		if last := i == 0 || i == 3; r.BaseResponse.Ret != 0 || (r.MediaId != "") != last {
			t.Errorf("upload answer %d: %s", i, a)
		}
	}
	// Echoes come back as pictures from the bot itself.
	for range 2 {
		if s := next(t, ch); s.msg.MsgType != 3 || !s.self || !s.msg.IsPicture() {
			t.Errorf("echo %+v", s.msg)
		}
	}
}

func TestImageFaults(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	fh := self.FileHelper()
	pic := fakePNG(1000)

	// SendRet counts image sends as it counts text sends.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.SendRet, f.Times = 1205, 2 }))
	_, err = fh.SendImage(bytes.NewReader(pic))
	if retOf(err) != 1205 {
		t.Errorf("image with send_ret 1205: %v", err)
	}
	_, err = fh.SendText("x")
	if retOf(err) != 1205 {
		t.Errorf("text after it: %v", err)
	}
	_, err = fh.SendImage(bytes.NewReader(pic))
	must(t, err)
	// UploadRet answers one upload.
	must(t, e.srv.UpdateFaults(func(f *wechattest.Faults) { f.UploadRet = 1101 }))
	if _, err = fh.SendImage(bytes.NewReader(pic)); retOf(err) != 1101 {
		t.Errorf("upload_ret 1101: %v", err)
	}
	if f := e.srv.Faults(); f.UploadRet != 0 || f.SendRet != 0 {
		t.Errorf("faults left %+v", f)
	}
	// The same knob through the control API.
	if code, _, raw := call(t, e, "POST", "/_fake/faults", `{"upload_ret":-1}`); code != 200 {
		t.Fatalf("faults upload_ret: %d %s", code, raw)
	}
	if _, m, raw := call(t, e, "GET", "/_fake/faults", ""); m["upload_ret"] != float64(-1) {
		t.Errorf("faults after upload_ret: %s", raw)
	}
	if _, err = fh.SendImage(bytes.NewReader(pic)); retOf(err) != -1 {
		t.Errorf("upload_ret -1: %v", err)
	}
	if n := len(reqsTo(e.srv.Requests(), "/webwxsendmsgimg")); n != 2 {
		t.Errorf("%d sendmsgimg, want 2 (none after the failed upload)", n)
	}
	if sent := e.srv.Sent(); len(sent) != 1 {
		t.Errorf("refused images recorded: %+v", sent)
	}
}

// upload is a hand-made webwxuploadmedia form.
type upload struct {
	req    map[string]any    // uploadmediarequest
	fields map[string]string // other form fields
	data   []byte            // the file part; nil: none
	raw    string            // instead of a form, this body
}

func (e *env) postUpload(t *testing.T, host string, u upload) string {
	t.Helper()
	var body bytes.Buffer
	ct := "text/plain"
	if u.raw != "" {
		body.WriteString(u.raw)
	} else {
		w := multipart.NewWriter(&body)
		if u.req != nil {
			j, err := json.Marshal(u.req)
			must(t, err)
			must(t, w.WriteField("uploadmediarequest", string(j)))
		}
		for k, v := range u.fields {
			must(t, w.WriteField(k, v))
		}
		if u.data != nil {
			fw, err := w.CreateFormFile("filename", "a.png")
			must(t, err)
			_, err = fw.Write(u.data)
			must(t, err)
		}
		must(t, w.Close())
		ct = w.FormDataContentType()
	}
	req, err := http.NewRequestWithContext(ctxT(t), "POST", e.url+"/cgi-bin/mmwebwx-bin/webwxuploadmedia?f=json", &body)
	must(t, err)
	req.Host = host
	req.Header.Set("Content-Type", ct)
	resp, err := (&http.Client{Transport: e.tr}).Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode >= 500 {
		t.Errorf("upload answered %d", resp.StatusCode)
	}
	return string(b)
}

func TestImageBadInput(t *testing.T) {
	e := newEnv(t, wechattest.Options{})
	e.seed(t)
	b := e.newBot(t)
	e.login(t, b)
	self, err := b.GetCurrentUser()
	must(t, err)
	br, info := b.Storage.Request, b.Storage.LoginInfo
	cookies := b.Caller.Client.Jar().Cookies(&url.URL{Scheme: "https", Host: "file.wx2.qq.com", Path: "/"})
	var ticket string
	for _, c := range cookies {
		if c.Name == "webwx_data_ticket" {
			ticket = c.Value
		}
	}
	if ticket == "" {
		t.Fatal("no webwx_data_ticket for file.wx2.qq.com")
	}
	pic := fakePNG(2000)
	good := func(edit func(*upload)) upload {
		u := upload{
			req: map[string]any{"UploadType": 2, "BaseRequest": br, "ClientMediaId": 17000000000000, "TotalLen": len(pic), "StartPos": 0,
				"DataLen": len(pic), "MediaType": 4, "FromUserName": self.UserName, "ToUserName": "filehelper", "FileMd5": md5hex(pic)},
			fields: map[string]string{"id": "WU_FILE_0", "name": "a.png", "type": "image/png", "size": fmt.Sprint(len(pic)),
				"mediatype": "pic", "webwx_data_ticket": ticket, "pass_ticket": info.PassTicket},
			data: pic,
		}
		if edit != nil {
			edit(&u)
		}
		return u
	}
	var first struct{ MediaId string }
	body := e.postUpload(t, "file.wx2.qq.com", good(nil))
	if _ = json.Unmarshal([]byte(body), &first); !strings.Contains(body, `"Ret":0`) || !strings.HasPrefix(first.MediaId, "@crypt_") {
		t.Fatalf("hand-made upload: %s", body)
	}
	for _, tc := range []struct {
		name string
		host string
		u    upload
		want string
	}{
		{"not multipart", "", upload{raw: "hello"}, `"Ret":1,`},
		{"no uploadmediarequest", "", good(func(u *upload) { u.req = nil }), `"Ret":1,`},
		{"no file part", "", good(func(u *upload) { u.data = nil }), `"Ret":1,`},
		{"unknown session", "", good(func(u *upload) {
			u.req["BaseRequest"] = map[string]any{"Uin": br.Uin, "Sid": "nope", "Skey": br.Skey}
		}), `"Ret":1101`},
		{"wrong data ticket", "", good(func(u *upload) { u.fields["webwx_data_ticket"] = "x" }), `webwx_data_ticket`},
		{"wrong pass ticket", "", good(func(u *upload) { u.fields["pass_ticket"] = "x" }), `pass_ticket`},
		{"md5 mismatch", "", good(func(u *upload) { u.req["FileMd5"] = md5hex([]byte("other")) }), `FileMd5`},
		{"short data", "", good(func(u *upload) { u.data = pic[:100] }), `"Ret":1,`},
		{"size field disagrees", "", good(func(u *upload) { u.fields["size"] = "1" }), `"Ret":1,`},
		{"chunk out of range", "", good(func(u *upload) { u.fields["chunks"], u.fields["chunk"] = "2", "2" }), `bad chunk`},
		{"chunk not a number", "", good(func(u *upload) { u.fields["chunks"], u.fields["chunk"] = "2", "x" }), `bad chunk`},
		{"upload on the base host", "wx2.qq.com", good(nil), `no such endpoint`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host
			if host == "" {
				host = "file.wx2.qq.com"
			}
			if body := e.postUpload(t, host, tc.u); !strings.Contains(body, tc.want) || strings.Contains(body, `"MediaId":"@`) {
				t.Errorf("answer %s, want %s and no MediaId", body, tc.want)
			}
		})
	}

	// webwxsendmsgimg: a MediaId must come from an upload of this session.
	msg := func(mediaID string, typ int) string {
		j, err := json.Marshal(map[string]any{"BaseRequest": br, "Msg": map[string]any{
			"Type": typ, "Content": "", "FromUserName": self.UserName, "ToUserName": "filehelper",
			"LocalID": "1", "ClientMsgId": "1", "MediaId": mediaID,
		}, "Scene": 0})
		must(t, err)
		return string(j)
	}
	path := "/cgi-bin/mmwebwx-bin/webwxsendmsgimg?fun=async&f=json&lang=zh_CN&pass_ticket=" + url.QueryEscape(info.PassTicket)
	for _, tc := range []struct{ name, body, want string }{
		{"missing MediaId", msg("", 3), "missing MediaId"},
		{"unknown MediaId", msg("@crypt_00_11", 3), "unknown MediaId"},
		{"not an image", msg("@crypt_00_11", 1), "not an image"},
		{"bad JSON", "{", `"Ret":1,`},
		{"no session", `{"BaseRequest":{"Uin":1,"Sid":"nope","Skey":"x"},"Msg":{"Type":3,"MediaId":"@x"}}`, `"Ret":1101`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := raw(t, e, "POST", "wx2.qq.com", path, tc.body)
			if code >= 500 || !strings.Contains(body, tc.want) || (strings.Contains(body, `"MsgID":"`) && !strings.Contains(body, `"MsgID":""`)) {
				t.Errorf("answer %d %s, want %s", code, body, tc.want)
			}
		})
	}
	if sent := e.srv.Sent(); len(sent) != 0 {
		t.Errorf("bad input recorded sends: %+v", sent)
	}
	// The good upload's MediaId sends; after a kick neither upload nor
	// send has a session.
	if code, body := raw(t, e, "POST", "wx2.qq.com", path, msg(first.MediaId, 3)); code != 200 || !strings.Contains(body, `"Ret":0`) {
		t.Errorf("send of an uploaded MediaId: %d %s", code, body)
	}
	if sent := e.srv.Sent(); len(sent) != 1 || sent[0].Bytes != int64(len(pic)) || sent[0].MD5 != md5hex(pic) || sent[0].To != "filehelper" {
		t.Errorf("sent %+v", sent)
	}
	must(t, e.srv.Kick(1101))
	if body := e.postUpload(t, "file.wx2.qq.com", good(nil)); !strings.Contains(body, `"Ret":1101`) {
		t.Errorf("upload after a kick: %s", body)
	}
	if _, body := raw(t, e, "POST", "wx2.qq.com", path, msg(first.MediaId, 3)); !strings.Contains(body, `"Ret":1101`) {
		t.Errorf("send after a kick: %s", body)
	}
}
