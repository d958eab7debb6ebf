package wechattest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot/wechat/wechattest"
)

// fuzzServer has the usual cast; requests go straight to its Handler.
func fuzzServer(f *testing.F) *wechattest.Server {
	srv := wechattest.New(wechattest.Options{HoldPoll: time.Millisecond, MaxRecords: 100})
	f.Cleanup(srv.Close)
	if err := srv.AddFriend("王主任", "王主任"); err != nil {
		f.Fatal(err)
	}
	if err := srv.AddGroup(wechattest.Group{Name: "幸福里业主群", Saved: true, Members: []wechattest.Member{{Friend: "王主任"}, {ID: "li", Nick: "李阿姨"}}}); err != nil {
		f.Fatal(err)
	}
	return srv
}

var controlPaths = []string{"friends", "groups", "messages", "faults", "rename", "members", "confirm", "sent", "status", "requests"}

// FuzzControl: any body on any control endpoint gets a JSON answer and a
// status below 500, never a panic.
func FuzzControl(f *testing.F) {
	srv := fuzzServer(f)
	for i, body := range []string{
		`{"nick":"王主任","remark":"王主任"}`,
		`{"name":"群","saved":true,"members":[{"friend":"王主任"},{"id":"x1","nick":"王主任"}]}`,
		`{"group":"幸福里业主群","from":"li","text":"今日新闻"}`,
		`{"send_ret":1205,"times":2}`, `{"kick":1101}`, `{"spin_selector":99}`,
		`{"group":"幸福里业主群","to":"新名"}`, `{"group":"幸福里业主群","member":{"id":"n","nick":"N"}}`,
		`{}`, ``, `[`, `{"friend":"王主任","article":{"title":"t","url":"u"}}`,
	} {
		f.Add(uint8(i), body)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		p := controlPaths[int(route)%len(controlPaths)]
		method := http.MethodPost
		if p == "sent" || p == "status" || p == "requests" {
			method = http.MethodGet
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest(method, "/_fake/"+p, strings.NewReader(body)))
		if w.Code >= 500 {
			t.Fatalf("%s /_fake/%s %q: %d %s", method, p, body, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s /_fake/%s %q: not JSON: %s", method, p, body, w.Body)
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"ok":false`) {
			t.Fatalf("error without ok:false: %s", w.Body)
		}
	})
}

var wireRoutes = []struct{ host, path string }{
	{"login.wx.qq.com", "/jslogin"},
	{"login.wx.qq.com", "/cgi-bin/mmwebwx-bin/login"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxnewloginpage"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxpushloginurl"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxinit"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxstatusnotify"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxgetcontact"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxbatchgetcontact"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxsync"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxsendmsg"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxlogout"},
	{"webpush.wx2.qq.com", "/cgi-bin/mmwebwx-bin/synccheck"},
	{"login.weixin.qq.com", "/l/x"},
	{"wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxsendmsgimg"},
	{"file.wx2.qq.com", "/cgi-bin/mmwebwx-bin/webwxuploadmedia"}, // bodies as multipart with boundary B
}

// FuzzWire: arbitrary queries and bodies on the WeChat endpoints never
// panic and never answer 5xx (openwechat would spin or mis-parse).
func FuzzWire(f *testing.F) {
	srv := fuzzServer(f)
	f.Add(uint8(8), "sid=a&skey=b", `{"BaseRequest":{"Uin":1,"Sid":"a","Skey":"b"},"SyncKey":{"Count":9,"List":[{"Key":1,"Val":-5}]}}`)
	f.Add(uint8(11), "sid=&uin=x&synckey=1_99999999999999999999|2_|_3", ``)
	f.Add(uint8(4), "", `{"BaseRequest":{"Uin":"12x"}}`)
	f.Add(uint8(7), "type=ex", `{"BaseRequest":{},"Count":2,"List":[{"UserName":"@@x"},{}]}`)
	f.Add(uint8(9), "pass_ticket=%zz", `{"Msg":{"Type":1,"ToUserName":"filehelper"}}`)
	f.Add(uint8(2), "ticket=@qrticket_0&uuid=", ``)
	f.Add(uint8(1), "uuid=%00&tip=1", ``)
	f.Add(uint8(13), "f=json", `{"BaseRequest":{"Uin":1,"Sid":"a"},"Msg":{"Type":3,"MediaId":""}}`)
	f.Add(uint8(14), "f=json", "--B\r\nContent-Disposition: form-data; name=\"uploadmediarequest\"\r\n\r\n{\"TotalLen\":3}\r\n"+
		"--B\r\nContent-Disposition: form-data; name=\"chunks\"\r\n\r\n2\r\n"+
		"--B\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"a.png\"\r\n\r\nabc\r\n--B--\r\n")
	f.Fuzz(func(t *testing.T, route uint8, query, body string) {
		r := wireRoutes[int(route)%len(wireRoutes)]
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "http://x/", strings.NewReader(body))
		req.URL.Path = r.path
		req.URL.RawQuery = query
		req.Host = r.host
		if strings.HasSuffix(r.path, "/webwxuploadmedia") {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s%s?%s %q: %d %s", method, r.host, r.path, query, body, w.Code, w.Body)
		}
	})
}
