package wechattest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Kinds of SentMessage.Kind.
const (
	KindGroup  = "group"
	KindFriend = "friend"
	KindSelf   = "self" // filehelper
)

// SentMessage is one accepted webwxsendmsg or webwxsendmsgimg. The image
// fields are omitted for text, so text entries keep their JSON shape.
type SentMessage struct {
	To          string    `json:"to"`   // group NickName (at send time), friend nick, or "filehelper"
	Kind        string    `json:"kind"` // KindGroup, KindFriend or KindSelf
	Text        string    `json:"text"`
	Time        time.Time `json:"time"` // Options.Now at receipt; JSON is RFC 3339 with nanoseconds
	GroupID     string    `json:"group_id,omitempty"`
	MsgID       string    `json:"msg_id"` // the MsgID answered
	LocalID     string    `json:"local_id"`
	ClientMsgID string    `json:"client_msg_id"`
	ToUserName  string    `json:"to_user_name"`
	Type        int       `json:"type"` // the wire Msg.Type: 1 text, 3 image

	// Images only (Text is empty): Media is MediaImage, Bytes and MD5
	// describe the file as uploaded (reassembled from its chunks).
	Media   string `json:"media,omitempty"`
	Bytes   int64  `json:"bytes,omitempty"`
	MD5     string `json:"md5,omitempty"` // lowercase hex
	MediaID string `json:"media_id,omitempty"`
}

// MediaImage is SentMessage.Media for a picture (webwxsendmsgimg).
const MediaImage = "image"

// Member of a group: a friend (by nick) or a plain member with an id and
// a nickname. Display is the member's group nickname (optional).
type Member struct {
	Friend  string `json:"friend,omitempty"`
	ID      string `json:"id,omitempty"`
	Nick    string `json:"nick,omitempty"`
	Display string `json:"display,omitempty"`
}

// Group to add. ID is optional (default "g1", "g2", …); messages and
// renames address a group by ID or by a Name no other group has. Two
// groups may share a Name. SelfDisplay is the bot's group nickname.
type Group struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name"`
	Saved       bool     `json:"saved"`
	Members     []Member `json:"members"`
	SelfDisplay string   `json:"self_display,omitempty"`
}

// Article is a 公众号 article card (AppMsg, MsgType 49, AppMsgType 5).
type Article struct {
	Title string `json:"title"`
	Desc  string `json:"desc"`
	URL   string `json:"url"`
}

// Post is one incoming message, as POST /_fake/messages takes it: exactly
// one of Group (with From: a member id or a friend nick), Friend, or Self
// (with To: "filehelper", a group or a friend nick); Text or Article.
type Post struct {
	Group   string   `json:"group,omitempty"`
	From    string   `json:"from,omitempty"`
	Friend  string   `json:"friend,omitempty"`
	Self    bool     `json:"self,omitempty"`
	To      string   `json:"to,omitempty"`
	Text    string   `json:"text,omitempty"`
	Article *Article `json:"article,omitempty"`
}

// Status is GET /_fake/status.
type Status struct {
	LoggedIn bool   `json:"logged_in"` // a session exists, has done webwxinit and was not ended
	Logins   int    `json:"logins"`    // successful webwxinit calls (scan, push and hot logins)
	Self     string `json:"self"`      // the account's NickName
	Uin      int64  `json:"uin"`
	UserName string `json:"user_name,omitempty"` // self UserName of the current session
	Sent     int    `json:"sent"`
	Pending  int    `json:"pending"` // messages not yet fetched by webwxsync
}

// AddFriend adds a friend, or updates the remark of an existing one with
// that nick (nicks identify friends in the control API).
func (s *Server) AddFriend(nick, remark string) error {
	if strings.TrimSpace(nick) == "" {
		return errors.New("wechattest: add friend: empty nick")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.friendByNick(nick); f != nil {
		f.remark = remark
	} else {
		s.nextID++
		s.friends = append(s.friends, &friend{key: fmt.Sprintf("f%d", s.nextID), nick: nick, remark: remark})
	}
	s.broadcastLocked()
	return nil
}

// AddGroup adds a group the bot account is a member of. Saved groups are
// in webwxgetcontact; unsaved ones only become known to openwechat
// through a message (batchgetcontact).
func (s *Server) AddGroup(g Group) error {
	if strings.TrimSpace(g.Name) == "" {
		return errors.New("wechattest: add group: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ng := &group{id: g.ID, name: g.Name, saved: g.Saved, selfDisplay: g.SelfDisplay}
	if ng.id == "" {
		s.nextID++
		ng.id = fmt.Sprintf("g%d", s.nextID)
	}
	for _, o := range s.groups {
		if o.id == ng.id {
			return fmt.Errorf("wechattest: add group: id %q: %w", ng.id, errExists)
		}
	}
	seen := map[string]bool{}
	for i, m := range g.Members {
		nm, err := s.memberLocked(m)
		if err != nil {
			return fmt.Errorf("wechattest: add group %q: member %d: %w", g.Name, i, err)
		}
		if seen[nm.key()] {
			return fmt.Errorf("wechattest: add group %q: member %d listed twice", g.Name, i)
		}
		seen[nm.key()] = true
		ng.members = append(ng.members, nm)
	}
	s.groups = append(s.groups, ng)
	s.broadcastLocked()
	return nil
}

// AddMember adds a member to a group (by id or unique name). While
// logged in, the group gets the system message "…邀请…加入了群聊"; the
// newcomer is in the next batchgetcontact of the group, so openwechat
// finds them when they speak (SearchMemberByUsername refreshes on a miss).
func (s *Server) AddMember(groupRef string, m Member) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupByRef(groupRef)
	if err != nil {
		return fmt.Errorf("wechattest: add member: %w", err)
	}
	nm, err := s.memberLocked(m)
	if err != nil {
		return fmt.Errorf("wechattest: add member to %q: %w", g.name, err)
	}
	for _, o := range g.members {
		if o.key() == nm.key() {
			return fmt.Errorf("wechattest: add member to %q: %w", g.name, errExists)
		}
	}
	g.members = append(g.members, nm)
	if ss := s.liveLocked(); ss != nil {
		s.appendLogLocked(ss, s.newMsgLocked(ss, msgSys, s.userName(ss, g.key()), ss.self,
			`你邀请"`+escapeContent(nm.nickName())+`"加入了群聊`, nil))
	}
	s.broadcastLocked()
	return nil
}

func (s *Server) memberLocked(m Member) (member, error) {
	switch {
	case m.Friend != "" && m.ID == "":
		f := s.friendByNick(m.Friend)
		if f == nil {
			return member{}, fmt.Errorf("friend %q: %w", m.Friend, ErrUnknown)
		}
		return member{friend: f, display: m.Display}, nil
	case m.Friend == "" && m.ID != "" && m.Nick != "":
		return member{id: m.ID, nick: m.Nick, display: m.Display}, nil
	default:
		return member{}, errors.New(`want {"friend":nick} or {"id":…,"nick":…}`)
	}
}

// SaveGroup sets whether a group (by id or unique name) is saved to the
// address book, as the owner does on the phone (保存到通讯录): from then
// on webwxgetcontact lists it, or no longer does.
func (s *Server) SaveGroup(groupRef string, saved bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupByRef(groupRef)
	if err != nil {
		return fmt.Errorf("wechattest: save group: %w", err)
	}
	g.saved = saved
	s.broadcastLocked()
	return nil
}

// Rename renames a group (by id or unique name), as a member would: the
// next webwxsync carries the system message "…修改群名为“to”" and the group
// in ModContactList; webwxgetcontact shows the new name.
func (s *Server) Rename(groupRef, to string) error {
	if strings.TrimSpace(to) == "" {
		return errors.New("wechattest: rename: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupByRef(groupRef)
	if err != nil {
		return fmt.Errorf("wechattest: rename: %w", err)
	}
	g.name = to
	if ss := s.liveLocked(); ss != nil {
		by := "你"
		if len(g.members) > 0 {
			by = `"` + g.members[0].nickName() + `"`
		}
		s.appendLogLocked(ss, s.newMsgLocked(ss, msgSys, s.userName(ss, g.key()), ss.self, by+"修改群名为“"+escapeContent(to)+"”", nil))
	}
	s.broadcastLocked()
	return nil
}

// newMsgLocked builds an AddMsgList item with the fields the real server
// fills; edit adjusts it.
func (s *Server) newMsgLocked(ss *session, typ int, from, to, content string, edit func(*wireMsg)) wireMsg {
	id, n := s.msgID()
	m := wireMsg{
		MsgId: id, NewMsgId: n, FromUserName: from, ToUserName: to, MsgType: typ, Content: content,
		Status: 3, ImgStatus: 1, CreateTime: s.now().Unix(), AppInfo: appInfo{},
	}
	if typ == msgStatusNotify {
		m.Status, m.ImgStatus = 0, 0
	}
	if edit != nil {
		edit(&m)
	}
	return m
}

// Post queues an incoming message for the current session and returns
// its MsgId. It fails with ErrNotLoggedIn when nobody is logged in (the
// real server would not deliver it to a later, fresh login either).
func (s *Server) Post(p Post) (string, error) {
	n := 0
	for _, set := range []bool{p.Group != "", p.Friend != "", p.Self} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", errors.New("wechattest: post: want exactly one of group, friend or self")
	}
	if (p.Text == "") == (p.Article == nil) {
		return "", errors.New("wechattest: post: want text or article")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.liveLocked()
	if ss == nil {
		return "", fmt.Errorf("wechattest: post: %w", ErrNotLoggedIn)
	}
	content := escapeContent(p.Text)
	var from, to string
	switch {
	case p.Group != "":
		g, err := s.groupByRef(p.Group)
		if err != nil {
			return "", fmt.Errorf("wechattest: post: %w", err)
		}
		var sender *member
		for i, m := range g.members {
			if m.friend == nil && m.id == p.From {
				sender = &g.members[i]
				break
			}
		}
		for i, m := range g.members {
			if sender == nil && m.friend != nil && m.friend.nick == p.From {
				sender = &g.members[i]
			}
		}
		if sender == nil {
			return "", fmt.Errorf("wechattest: post: group %q member %q: %w", p.Group, p.From, ErrUnknown)
		}
		from, to = s.userName(ss, g.key()), ss.self
		if p.Article != nil {
			content = s.articleContent(ss, *p.Article, s.userName(ss, sender.key()))
		}
		content = s.userName(ss, sender.key()) + ":<br/>" + content
	case p.Friend != "":
		f := s.friendByNick(p.Friend)
		if f == nil {
			return "", fmt.Errorf("wechattest: post: friend %q: %w", p.Friend, ErrUnknown)
		}
		from, to = s.userName(ss, f.key), ss.self
		if p.Article != nil {
			content = s.articleContent(ss, *p.Article, from)
		}
	default:
		from = ss.self
		switch {
		case p.To == "filehelper" || p.To == "":
			to = "filehelper"
		case s.friendByNick(p.To) != nil:
			to = s.userName(ss, s.friendByNick(p.To).key)
		default:
			g, err := s.groupByRef(p.To)
			if err != nil {
				return "", fmt.Errorf("wechattest: post: self to %q (not filehelper, a friend or a group): %w", p.To, err)
			}
			to = s.userName(ss, g.key())
		}
		if p.Article != nil {
			content = s.articleContent(ss, *p.Article, from)
		}
	}
	typ := msgText
	if p.Article != nil {
		typ = msgApp
	}
	msg := s.newMsgLocked(ss, typ, from, to, content, func(m *wireMsg) {
		if p.Article != nil {
			m.AppMsgType = appMsgURL
			m.FileName = p.Article.Title
			m.Url = p.Article.URL
			m.ImgStatus = 2
		}
	})
	s.appendLogLocked(ss, msg)
	return msg.MsgId, nil
}

// articleContent is the AppMsg XML as the web protocol carries it: HTML
// escaped, so openwechat's unescape step yields the XML MediaData parses.
func (s *Server) articleContent(ss *session, a Article, fromUserName string) string {
	x := `<?xml version="1.0"?><msg><appmsg appid="" sdkver="0"><title>` + xmlEscape(a.Title) +
		`</title><des>` + xmlEscape(a.Desc) + `</des><action></action><type>5</type><showtype>0</showtype>` +
		`<content></content><url>` + xmlEscape(a.URL) + `</url><lowurl></lowurl><appattach><totallen>0</totallen>` +
		`<attachid></attachid><fileext></fileext></appattach><extinfo></extinfo><sourceusername>gh_` + s.hex(6) +
		`</sourceusername><sourcedisplayname></sourcedisplayname></appmsg><fromusername>` + fromUserName +
		`</fromusername><scene>0</scene><appinfo><version>1</version><appname></appname></appinfo><commenturl></commenturl></msg>`
	return escapeContent(x)
}

// PostGroupMessage posts text in a group from a member (plain member id,
// else friend nick).
func (s *Server) PostGroupMessage(groupRef, from, text string) (string, error) {
	return s.Post(Post{Group: groupRef, From: from, Text: text})
}

// PostFriendMessage posts a private text from a friend (by nick).
func (s *Server) PostFriendMessage(friendNick, text string) (string, error) {
	return s.Post(Post{Friend: friendNick, Text: text})
}

// PostSelfMessage posts text typed by the account's owner on the phone:
// to "filehelper", a friend nick or a group.
func (s *Server) PostSelfMessage(to, text string) (string, error) {
	return s.Post(Post{Self: true, To: to, Text: text})
}

// Sent returns the accepted sends, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// WaitSent waits until at least n sends were accepted and returns them all.
func (s *Server) WaitSent(ctx context.Context, n int) ([]SentMessage, error) {
	var out []SentMessage
	err := s.waitCond(ctx, func() bool {
		if len(s.sent) >= n {
			out = append([]SentMessage(nil), s.sent...)
			return true
		}
		return false
	})
	return out, err
}

// Status reports the login state.
func (s *Server) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked()
}

func (s *Server) statusLocked() Status {
	st := Status{Logins: s.logins, Self: s.opts.SelfNick, Uin: s.opts.SelfUin, Sent: len(s.sent)}
	if ss := s.liveLocked(); ss != nil && ss.inited {
		st.LoggedIn = true
		st.UserName = ss.self
	}
	if ss := s.liveLocked(); ss != nil {
		st.Pending = int(ss.lastSeq() - ss.fetched)
	}
	return st
}

// WaitStatus waits until cond holds for the status and returns it.
func (s *Server) WaitStatus(ctx context.Context, cond func(Status) bool) (Status, error) {
	var st Status
	err := s.waitCond(ctx, func() bool {
		st = s.statusLocked()
		return cond(st)
	})
	return st, err
}

// Changed returns a channel closed at the next state change (a request,
// a send, a login, a control call).
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// ---- JSON control API ----

func writeCtl(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func ctlOK(w http.ResponseWriter, extra map[string]any) {
	m := map[string]any{"ok": true}
	for k, v := range extra {
		m[k] = v
	}
	writeCtl(w, http.StatusOK, m)
}

func ctlErr(w http.ResponseWriter, status int, err error) {
	writeCtl(w, status, map[string]any{"ok": false, "error": err.Error()})
}

var errExists = errors.New("already exists")

// errStatus maps a control error to a 4xx.
func errStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotLoggedIn), errors.Is(err, ErrAmbiguous), errors.Is(err, errExists):
		return http.StatusConflict
	case errors.Is(err, ErrUnknown):
		return http.StatusNotFound
	default:
		return http.StatusBadRequest
	}
}

func decodeCtl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ctlErr(w, http.StatusBadRequest, fmt.Errorf("bad JSON: %w", err))
		return false
	}
	return true
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	route := strings.TrimPrefix(r.URL.Path, "/_fake/")
	want := http.MethodPost
	switch route {
	case "sent", "status", "requests":
		want = http.MethodGet
	case "faults":
		if r.Method == http.MethodGet {
			want = http.MethodGet
		}
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		ctlErr(w, http.StatusMethodNotAllowed, fmt.Errorf("%s /_fake/%s: want %s", r.Method, route, want))
		return
	}
	switch route {
	case "friends":
		var req struct {
			Nick   string `json:"nick"`
			Remark string `json:"remark"`
		}
		if !decodeCtl(w, r, &req) {
			return
		}
		if err := s.AddFriend(req.Nick, req.Remark); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "groups":
		var g Group
		if !decodeCtl(w, r, &g) {
			return
		}
		if err := s.AddGroup(g); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "messages":
		var p Post
		if !decodeCtl(w, r, &p) {
			return
		}
		id, err := s.Post(p)
		if err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, map[string]any{"msg_id": id})
	case "sent":
		sent := s.Sent()
		if sent == nil {
			sent = []SentMessage{}
		}
		writeCtl(w, http.StatusOK, sent)
	case "faults":
		if r.Method == http.MethodGet {
			f := s.Faults()
			writeCtl(w, http.StatusOK, struct {
				Faults
				SlowMS int64 `json:"slow_ms"`
			}{f, f.SlowResponses.Milliseconds()})
			return
		}
		var j faultsJSON
		if !decodeCtl(w, r, &j) {
			return
		}
		if err := s.UpdateFaults(j.apply); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "status":
		writeCtl(w, http.StatusOK, s.Status())
	case "rename":
		var req struct {
			Group string `json:"group"`
			To    string `json:"to"`
		}
		if !decodeCtl(w, r, &req) {
			return
		}
		if err := s.Rename(req.Group, req.To); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "save":
		var req struct {
			Group string `json:"group"`
			Saved *bool  `json:"saved"`
		}
		if !decodeCtl(w, r, &req) {
			return
		}
		saved := req.Saved == nil || *req.Saved
		if err := s.SaveGroup(req.Group, saved); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "members":
		var req struct {
			Group  string `json:"group"`
			Member Member `json:"member"`
		}
		if !decodeCtl(w, r, &req) {
			return
		}
		if err := s.AddMember(req.Group, req.Member); err != nil {
			ctlErr(w, errStatus(err), err)
			return
		}
		ctlOK(w, nil)
	case "confirm":
		ctlOK(w, map[string]any{"confirmed": s.Confirm()})
	case "requests":
		reqs := s.Requests()
		if reqs == nil {
			reqs = []RequestRecord{}
		}
		writeCtl(w, http.StatusOK, reqs)
	default:
		ctlErr(w, http.StatusNotFound, fmt.Errorf("no control endpoint /_fake/%s", route))
	}
}
