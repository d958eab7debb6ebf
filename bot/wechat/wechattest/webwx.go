package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// decodeBody decodes a JSON request body; a bad one answers Ret 1.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeWire(w, http.StatusOK, retBody{baseResponse{Ret: 1, ErrMsg: "bad request body: " + err.Error()}})
		return false
	}
	return true
}

var sessionGone = baseResponse{Ret: 1101, ErrMsg: ""}

// POST <domain>/…/webwxinit (§2.5). A hot login presents a stored Sid: it
// works while that session lives, else Ret 1101.
func (s *Server) handleInit(w http.ResponseWriter, r *http.Request) {
	var req struct{ BaseRequest baseRequest }
	if !decodeBody(w, r, &req) {
		return
	}
	br := req.BaseRequest
	s.mu.Lock()
	if ret := s.faults.WebInitRet; ret != 0 {
		s.faults.WebInitRet = 0
		s.mu.Unlock()
		writeWire(w, http.StatusOK, struct {
			BaseResponse baseResponse
			SyncKey      syncKey
		}{baseResponse{Ret: ret}, syncKey{List: []keyVal{}}})
		return
	}
	ss := s.sessionFor(br.Sid, br.Skey, int64(br.Uin))
	if ss == nil {
		s.mu.Unlock()
		writeWire(w, http.StatusOK, struct {
			BaseResponse baseResponse
			SyncKey      syncKey
		}{sessionGone, syncKey{List: []keyVal{}}})
		return
	}
	hot := ss.inited
	ss.inited = true
	ss.deviceID = br.DeviceID
	s.logins++
	contacts := []wireUser{{UserName: "filehelper", NickName: "文件传输助手", MemberList: []wireUser{}, ContactFlag: 3}}
	chatSet := []string{"filehelper"}
	for _, g := range s.groups {
		u := s.groupUser(ss, g, true)
		contacts = append(contacts, u)
		chatSet = append(chatSet, u.UserName)
	}
	resp := struct {
		BaseResponse        baseResponse
		Count               int
		ContactList         []wireUser
		SyncKey             syncKey
		User                wireUser
		ChatSet             string
		SKey                string
		ClientVersion       int
		SystemTime          int64
		GrayScale           int
		InviteStartCount    int
		MPSubscribeMsgCount int
		MPSubscribeMsgList  []any
		ClickReportInterval int
	}{
		Count:               len(contacts),
		ContactList:         contacts,
		SyncKey:             ss.syncKey(ss.lastSeq()),
		User:                s.selfUser(ss),
		ChatSet:             strings.Join(chatSet, ",") + ",",
		SKey:                ss.skey,
		ClientVersion:       385876258,
		SystemTime:          s.now().Unix(),
		GrayScale:           1,
		InviteStartCount:    40,
		MPSubscribeMsgList:  []any{},
		ClickReportInterval: 600000,
	}
	s.broadcastLocked()
	s.mu.Unlock()
	s.log.Info("fake wechat webwxinit", "session", ss.n, "hot", hot)
	writeWire(w, http.StatusOK, resp)
}

// POST <domain>/…/webwxstatusnotify (§2.6).
func (s *Server) handleStatusNotify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BaseRequest  baseRequest
		Code         int
		FromUserName string
		ToUserName   string
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ret := s.faults.StatusNotifyRet; ret != 0 {
		s.faults.StatusNotifyRet = 0
		writeWire(w, http.StatusOK, retBody{baseResponse{Ret: ret}})
		return
	}
	ss := s.sessionFor(req.BaseRequest.Sid, req.BaseRequest.Skey, int64(req.BaseRequest.Uin))
	if ss == nil {
		writeWire(w, http.StatusOK, retBody{sessionGone})
		return
	}
	if r.URL.Query().Get("pass_ticket") != ss.passTicket {
		writeWire(w, http.StatusOK, retBody{baseResponse{Ret: 1, ErrMsg: "pass_ticket mismatch"}})
		return
	}
	id, _ := s.msgID()
	if req.Code == 3 {
		// The real server follows a login notify with a MsgType 51
		// status message listing the recent chats.
		chats := []string{"filehelper"}
		for _, g := range s.groups {
			chats = append(chats, s.userName(ss, g.key()))
		}
		s.appendLogLocked(ss, s.newMsgLocked(ss, msgStatusNotify, ss.self, ss.self, "", func(m *wireMsg) {
			m.StatusNotifyCode = 4
			m.StatusNotifyUserName = strings.Join(chats, ",")
		}))
	}
	writeWire(w, http.StatusOK, struct {
		BaseResponse baseResponse
		MsgID        string
	}{baseResponse{}, id})
}

func (s *Server) cookiesOK(r *http.Request, ss *session) bool {
	sid, err1 := r.Cookie("wxsid")
	uin, err2 := r.Cookie("wxuin")
	return err1 == nil && err2 == nil && sid.Value == ss.sid && uin.Value == strconv.FormatInt(ss.uin, 10)
}

// GET <domain>/…/webwxgetcontact?skey=…&seq=… (§2.7): friends and saved
// groups (MemberList empty), plus the special accounts.
func (s *Server) handleGetContact(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.liveLocked()
	if ss == nil || q.Get("skey") != ss.skey || (s.faults.StrictCookies && !s.cookiesOK(r, ss)) {
		writeWire(w, http.StatusOK, struct {
			BaseResponse baseResponse
			MemberCount  int
			MemberList   []wireUser
			Seq          int
		}{sessionGone, 0, []wireUser{}, 0})
		return
	}
	all := []wireUser{
		{UserName: "filehelper", NickName: "文件传输助手", ContactFlag: 3, MemberList: []wireUser{}},
		{UserName: "weixin", NickName: "微信团队", VerifyFlag: 56, ContactFlag: 3, MemberList: []wireUser{}},
	}
	for _, f := range s.friends {
		all = append(all, s.friendUser(ss, f))
	}
	for _, g := range s.groups {
		if g.saved {
			all = append(all, s.groupUser(ss, g, false))
		}
	}
	start, _ := strconv.Atoi(q.Get("seq"))
	if start < 0 || start > len(all) {
		start = 0
	}
	page, next := all[start:], 0
	if n := s.opts.ContactPageSize; n > 0 && len(page) > n {
		page, next = page[:n], start+n
	}
	writeWire(w, http.StatusOK, struct {
		BaseResponse baseResponse
		MemberCount  int
		MemberList   []wireUser
		Seq          int
	}{baseResponse{}, len(page), page, next})
}

// POST <domain>/…/webwxbatchgetcontact (§2.8): one ContactList entry per
// requested UserName, in request order; groups with their MemberList.
func (s *Server) handleBatchGetContact(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BaseRequest baseRequest
		Count       int
		List        []struct{ UserName, EncryChatRoomId string }
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionFor(req.BaseRequest.Sid, req.BaseRequest.Skey, int64(req.BaseRequest.Uin))
	if ss == nil {
		writeWire(w, http.StatusOK, struct {
			BaseResponse baseResponse
			Count        int
			ContactList  []wireUser
		}{sessionGone, 0, []wireUser{}})
		return
	}
	list := make([]wireUser, 0, len(req.List))
	for _, item := range req.List {
		key := ss.byName[item.UserName]
		switch {
		case key == "self":
			list = append(list, s.selfUser(ss))
		case strings.HasPrefix(key, "g:") && s.groupByKey(key) != nil:
			list = append(list, s.groupUser(ss, s.groupByKey(key), true))
		case s.friendByKey(key) != nil:
			list = append(list, s.friendUser(ss, s.friendByKey(key)))
		case strings.HasPrefix(key, "m:"):
			list = append(list, s.strangerUser(ss, key))
		default:
			// Unknown (e.g. a UserName from an earlier session): the entry
			// still has to be there, or openwechat mis-assigns by index.
			list = append(list, wireUser{UserName: item.UserName, MemberList: []wireUser{}})
		}
	}
	writeWire(w, http.StatusOK, struct {
		BaseResponse baseResponse
		Count        int
		ContactList  []wireUser
	}{baseResponse{}, len(list), list})
}

const maxSyncBatch = 100

// POST <domain>/…/webwxsync (§2.10): the messages after the client's
// SyncKey. SyncKey is always present, Count == len(List), and it advances
// on every answer; the session cookies are re-issued.
func (s *Server) handleSync(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BaseRequest baseRequest
		SyncKey     syncKey
	}
	type syncResp struct {
		BaseResponse           baseResponse
		AddMsgCount            int
		AddMsgList             []wireMsg
		ModContactCount        int
		ModContactList         []wireUser
		DelContactCount        int
		DelContactList         []wireUser
		ModChatRoomMemberCount int
		ModChatRoomMemberList  []wireUser
		Profile                map[string]any
		ContinueFlag           int
		SyncKey                syncKey
		SKey                   string
		SyncCheckKey           syncKey
	}
	empty := syncResp{
		AddMsgList: []wireMsg{}, ModContactList: []wireUser{}, DelContactList: []wireUser{}, ModChatRoomMemberList: []wireUser{},
		Profile: map[string]any{"BitFlag": 0}, SyncKey: syncKey{List: []keyVal{}}, SyncCheckKey: syncKey{List: []keyVal{}},
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		resp := empty
		resp.BaseResponse = baseResponse{Ret: 1, ErrMsg: "bad request body"}
		writeWire(w, http.StatusOK, resp)
		return
	}
	s.mu.Lock()
	ss := s.sessionFor(req.BaseRequest.Sid, req.BaseRequest.Skey, int64(req.BaseRequest.Uin))
	if ss == nil {
		s.mu.Unlock()
		resp := empty
		resp.BaseResponse = sessionGone
		writeWire(w, http.StatusOK, resp)
		return
	}
	from := ss.seqOf(req.SyncKey.List)
	if last := ss.lastSeq(); from > last {
		from = last
	}
	msgs := ss.since(from, maxSyncBatch)
	to := from + int64(len(msgs))
	ss.fetched = max(ss.fetched, to)
	ss.syncs++
	resp := empty
	resp.AddMsgCount = len(msgs)
	if msgs != nil {
		resp.AddMsgList = msgs
	}
	for _, m := range msgs {
		if m.MsgType == msgSys && strings.HasPrefix(m.FromUserName, "@@") {
			if g := s.groupByKey(ss.byName[m.FromUserName]); g != nil {
				resp.ModContactList = append(resp.ModContactList, s.groupUser(ss, g, true))
			}
		}
	}
	resp.ModContactCount = len(resp.ModContactList)
	if to < ss.lastSeq() {
		resp.ContinueFlag = 1
	}
	resp.SyncKey = ss.syncKey(to)
	resp.SyncCheckKey = resp.SyncKey
	reissue := !s.faults.NoCookieReissue
	s.broadcastLocked()
	s.mu.Unlock()
	if reissue {
		for _, c := range s.sessionCookies(ss, false) {
			http.SetCookie(w, c)
		}
	}
	writeWire(w, http.StatusOK, resp)
}

// POST <domain>/…/webwxsendmsg (§2.11).
func (s *Server) handleSendMsg(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BaseRequest baseRequest
		Msg         struct {
			Type         int
			Content      string
			FromUserName string
			ToUserName   string
			LocalID      string
			ClientMsgId  string
		}
	}
	if !decodeBody(w, r, &req) {
		return
	}
	type sendResp struct {
		BaseResponse baseResponse
		MsgID        string
		LocalID      string
	}
	m := req.Msg
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionFor(req.BaseRequest.Sid, req.BaseRequest.Skey, int64(req.BaseRequest.Uin))
	if ss == nil {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: sessionGone})
		return
	}
	if r.URL.Query().Get("pass_ticket") != ss.passTicket {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: baseResponse{Ret: 1, ErrMsg: "pass_ticket mismatch"}})
		return
	}
	if ret, ok := s.takeSendFaultLocked(); ok {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: baseResponse{Ret: ret}})
		return
	}
	if m.FromUserName != ss.self {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: baseResponse{Ret: 1, ErrMsg: "FromUserName is not the logged-in account"}})
		return
	}
	sm := SentMessage{
		Text: m.Content, Time: s.now(), LocalID: m.LocalID, ClientMsgID: m.ClientMsgId, ToUserName: m.ToUserName, Type: m.Type,
	}
	if br, ok := s.sendTargetLocked(ss, m.ToUserName, &sm); !ok {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: br})
		return
	}
	id, n := s.msgID()
	sm.MsgID = id
	s.sent = appendBounded(s.sent, sm, s.opts.MaxRecords)
	if s.faults.EchoSends {
		s.appendLogLocked(ss, s.newMsgLocked(ss, msgText, ss.self, m.ToUserName, escapeContent(m.Content), func(w *wireMsg) {
			w.MsgId, w.NewMsgId = id, n
		}))
	}
	s.broadcastLocked()
	s.log.Info("fake wechat sent", "to", sm.To, "kind", sm.Kind, "bytes", len(sm.Text))
	writeWire(w, http.StatusOK, sendResp{BaseResponse: baseResponse{}, MsgID: id, LocalID: m.LocalID})
}

// takeSendFaultLocked uses up one Faults.SendRet refusal, if armed. Text
// and image sends share it: each send is one refusal.
func (s *Server) takeSendFaultLocked() (int, bool) {
	if s.faults.SendRet == 0 || s.faults.Times <= 0 {
		return 0, false
	}
	ret := s.faults.SendRet
	s.faults.Times--
	if s.faults.Times == 0 {
		s.faults.SendRet = 0
	}
	s.broadcastLocked()
	return ret, true
}

// sendTargetLocked fills in sm's Kind, To and GroupID for a send to
// toUserName in session ss, or says which Ret the server answers.
func (s *Server) sendTargetLocked(ss *session, toUserName string, sm *SentMessage) (baseResponse, bool) {
	key := ss.byName[toUserName]
	switch {
	case toUserName == "filehelper":
		sm.Kind, sm.To = KindSelf, "filehelper"
	case key == "self":
		// Addressed to one's own UserName (the pre-#522 ReplyText bug).
		return baseResponse{Ret: 1204}, false
	case strings.HasPrefix(key, "g:") && s.groupByKey(key) != nil:
		g := s.groupByKey(key)
		sm.Kind, sm.To, sm.GroupID = KindGroup, g.name, g.id
	case s.friendByKey(key) != nil:
		sm.Kind, sm.To = KindFriend, s.friendByKey(key).nick
	default:
		// Not a contact of this session: a stale UserName from an earlier
		// login, or a stranger.
		return baseResponse{Ret: 1, ErrMsg: "no such contact " + toUserName}, false
	}
	return baseResponse{}, true
}

// GET <domain>/…/webwxlogout (§2.12): ends the session. Real servers
// answer 301 with no body (openwechat's Logout then returns EOF and the bot
// dies on the next synccheck's 1101); Faults.LogoutJSON answers Ret 0.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	asJSON := s.faults.LogoutJSON
	ss := s.liveLocked()
	if ss != nil && r.URL.Query().Get("skey") == ss.skey {
		s.endSessionLocked(ss, 1101)
		s.broadcastLocked()
	}
	s.mu.Unlock()
	if asJSON {
		writeWire(w, http.StatusOK, retBody{baseResponse{}})
		return
	}
	w.Header().Set("Location", "https://wx.qq.com/?lang=zh_CN")
	w.WriteHeader(http.StatusMovedPermanently)
}

// GET webpush.<domain>/…/synccheck (§2.9): held until there is something
// after the client's SyncKey, the session ends, HoldPoll passes, the
// request is cancelled or the server closes. Never a 5xx.
func (s *Server) handleSyncCheck(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	uin, _ := strconv.ParseInt(q.Get("uin"), 10, 64)
	var keys []keyVal
	for _, part := range strings.Split(q.Get("synckey"), "|") {
		k, v, ok := strings.Cut(part, "_")
		if !ok {
			continue
		}
		kn, err1 := strconv.ParseInt(k, 10, 64)
		vn, err2 := strconv.ParseInt(v, 10, 64)
		if err1 == nil && err2 == nil {
			keys = append(keys, keyVal{Key: kn, Val: vn})
		}
	}
	answer := func(retcode, selector string) {
		writeText(w, "text/javascript", fmt.Sprintf(`window.synccheck={retcode:"%s",selector:"%s"}`, retcode, selector))
	}
	deadline := time.Now().Add(s.opts.HoldPoll)
	// expired: the hold ended (timeout or Close); one more look settles
	// the answer.
	for expired := false; ; {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			answer("1101", "0")
			return
		}
		ss := s.sess
		if ss == nil || ss.sid != q.Get("sid") || ss.uin != uin || ss.skey != q.Get("skey") {
			s.mu.Unlock()
			answer("1101", "0")
			return
		}
		if ss.dead != 0 {
			code := ss.dead
			s.mu.Unlock()
			answer(strconv.Itoa(code), "0")
			return
		}
		if s.faults.StrictCookies && !s.cookiesOK(r, ss) {
			s.mu.Unlock()
			answer("1102", "0")
			return
		}
		if ss.seqOf(keys) < ss.lastSeq() {
			s.mu.Unlock()
			answer("0", "2")
			return
		}
		if sel := s.faults.SpinSelector; sel != 0 {
			s.mu.Unlock()
			answer("0", strconv.Itoa(sel))
			return
		}
		if expired {
			s.mu.Unlock()
			answer("0", "0")
			return
		}
		ch := s.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 || !s.waitChange(r.Context(), ch, left) {
			if r.Context().Err() != nil {
				return
			}
			expired = true
		}
	}
}
