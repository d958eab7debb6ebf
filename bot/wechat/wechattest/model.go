package wechattest

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"html"
	"net/url"
	"strings"
	"time"
)

// The account's address book. People and groups carry a stable internal
// key; the UserNames openwechat sees are per session (new on every login).

type friend struct {
	key    string // "f<N>"
	nick   string
	remark string
	star   bool
}

type member struct {
	friend  *friend // set when the member is one of the account's friends
	id      string  // plain member id (global: the same id in two groups is one person)
	nick    string
	display string // group nickname (DisplayName)
}

func (m member) key() string {
	if m.friend != nil {
		return m.friend.key
	}
	return "m:" + m.id
}

func (m member) nickName() string {
	if m.friend != nil {
		return m.friend.nick
	}
	return m.nick
}

type group struct {
	id          string
	name        string
	saved       bool
	members     []member
	selfDisplay string
}

func (g *group) key() string { return "g:" + g.id }

// session is one login: tokens, UserNames and the message log. A new scan
// or push login starts a new session; a hot login reuses the one whose
// Sid it presents.
type session struct {
	n          int
	uin        int64
	sid        string
	skey       string
	passTicket string // as in the login XML: already URL-escaped
	authTicket string
	dataTicket string
	pluginKey  string
	uvid       string
	self       string
	names      map[string]string // key -> UserName
	byName     map[string]string // UserName -> key
	encry      map[string]string // group key -> EncryChatRoomId
	dead       int               // synccheck retcode once ended; 0 while alive
	fetched    int64             // highest message position answered by webwxsync
	inited     bool
	deviceID   string
	seqBase    int64
	syncBase   int64
	syncs      int64
	log        []wireMsg // deliverable messages; log[i] has seq logStart+i+1
	logStart   int64
	started    time.Time
	media      map[string]media    // MediaId -> uploaded file; see media.go
	mediaQ     []string            // MediaIds, oldest first, to bound media
	uploads    map[string]*partial // chunked uploads in progress
	uploadQ    []string            // their keys, oldest first
}

const maxLog = 10000

func (s *Server) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return hex.EncodeToString(b)
}

func (s *Server) b64(n int, enc *base64.Encoding) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return enc.EncodeToString(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (s *Server) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[s.rng.IntN(len(alnum))]
	}
	return string(b)
}

// msgID is a 19-digit id, as the real server's MsgId/NewMsgId.
func (s *Server) msgID() (string, int64) {
	n := 1_000_000_000_000_000_000 + s.rng.Int64N(8_000_000_000_000_000_000)
	return fmt.Sprint(n), n
}

func (s *Server) newSessionLocked() *session {
	s.sessN++
	now := s.now()
	ss := &session{
		n:          s.sessN,
		uin:        s.opts.SelfUin,
		sid:        s.alnum(16),
		skey:       "@crypt_" + s.hex(4) + "_" + s.hex(16),
		passTicket: url.QueryEscape(s.b64(48, base64.StdEncoding)),
		authTicket: s.b64(40, base64.StdEncoding),
		dataTicket: s.b64(40, base64.StdEncoding),
		pluginKey:  fmt.Sprint(100000000 + s.rng.IntN(900000000)),
		uvid:       s.hex(16),
		names:      map[string]string{},
		byName:     map[string]string{},
		encry:      map[string]string{},
		seqBase:    600000000 + s.rng.Int64N(100000000),
		syncBase:   700000000 + s.rng.Int64N(100000000),
		started:    now,
	}
	ss.self = "@" + s.hex(16)
	ss.names["self"] = ss.self
	ss.byName[ss.self] = "self"
	return ss
}

// userName returns key's UserName in this session, issuing one on first use.
func (s *Server) userName(ss *session, key string) string {
	if n, ok := ss.names[key]; ok {
		return n
	}
	var n string
	if strings.HasPrefix(key, "g:") {
		n = "@@" + s.hex(32)
		ss.encry[key] = "@" + s.hex(16)
	} else {
		n = "@" + s.hex(32)
	}
	ss.names[key] = n
	ss.byName[n] = key
	return n
}

// live is the current session if it has not ended.
func (s *Server) liveLocked() *session {
	if s.sess == nil || s.sess.dead != 0 {
		return nil
	}
	return s.sess
}

// sessionFor finds the live session a request's credentials belong to.
func (s *Server) sessionFor(sid, skey string, uin int64) *session {
	ss := s.liveLocked()
	if ss == nil || sid != ss.sid || (skey != "" && skey != ss.skey) || (uin != 0 && uin != ss.uin) {
		return nil
	}
	return ss
}

func (s *Server) endSessionLocked(ss *session, code int) {
	if ss != nil && ss.dead == 0 {
		ss.dead = code
		s.log.Info("fake wechat session ended", "session", ss.n, "retcode", code)
	}
}

func (s *Server) friendByNick(nick string) *friend {
	for _, f := range s.friends {
		if f.nick == nick {
			return f
		}
	}
	return nil
}

func (s *Server) friendByKey(key string) *friend {
	for _, f := range s.friends {
		if f.key == key {
			return f
		}
	}
	return nil
}

// groupByRef finds a group by id, else by name (which must be unique).
func (s *Server) groupByRef(ref string) (*group, error) {
	for _, g := range s.groups {
		if g.id == ref {
			return g, nil
		}
	}
	var found *group
	for _, g := range s.groups {
		if g.name == ref {
			if found != nil {
				return nil, fmt.Errorf("group name %q: %w: address it by id (%s or %s)", ref, ErrAmbiguous, found.id, g.id)
			}
			found = g
		}
	}
	if found == nil {
		return nil, fmt.Errorf("group %q: %w", ref, ErrUnknown)
	}
	return found, nil
}

func (s *Server) groupByKey(key string) *group {
	for _, g := range s.groups {
		if g.key() == key {
			return g
		}
	}
	return nil
}

// personNick is the nickname of a person key (friend or plain member).
func (s *Server) personNick(key string) string {
	if f := s.friendByKey(key); f != nil {
		return f.nick
	}
	for _, g := range s.groups {
		for _, m := range g.members {
			if m.key() == key {
				return m.nickName()
			}
		}
	}
	return ""
}

// avatarSeq is a per-person number for HeadImgUrl (openwechat's AvatarID).
func avatarSeq(key string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return h.Sum32() % 900000000
}

func (s *Server) selfUser(ss *session) wireUser {
	return wireUser{
		Uin:         ss.uin,
		UserName:    ss.self,
		NickName:    s.opts.SelfNick,
		HeadImgUrl:  fmt.Sprintf("/cgi-bin/mmwebwx-bin/webwxgeticon?seq=%d&username=%s&skey=%s", avatarSeq("self"), ss.self, ss.skey),
		Sex:         1,
		HeadImgFlag: 1,
		SnsFlag:     17,
		MemberList:  []wireUser{},
	}
}

func (s *Server) friendUser(ss *session, f *friend) wireUser {
	un := s.userName(ss, f.key)
	u := wireUser{
		UserName:    un,
		NickName:    f.nick,
		RemarkName:  f.remark,
		HeadImgUrl:  fmt.Sprintf("/cgi-bin/mmwebwx-bin/webwxgeticon?seq=%d&username=%s&skey=%s", avatarSeq(f.key), un, ss.skey),
		ContactFlag: 3,
		SnsFlag:     1,
		AttrStatus:  int64(avatarSeq(f.key+"attr") % 300000),
		MemberList:  []wireUser{},
		HeadImgFlag: 1,
	}
	if f.star {
		u.StarFriend = 1
	}
	return u
}

// groupUser is the group contact; with members it carries MemberList, as
// batchgetcontact does (getcontact sends it empty).
func (s *Server) groupUser(ss *session, g *group, withMembers bool) wireUser {
	un := s.userName(ss, g.key())
	u := wireUser{
		UserName:        un,
		NickName:        g.name,
		HeadImgUrl:      fmt.Sprintf("/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=%d&username=%s&skey=", avatarSeq(g.key()), un),
		MemberCount:     len(g.members) + 1,
		EncryChatRoomId: ss.encry[g.key()],
		MemberList:      []wireUser{},
		Statues:         1,
	}
	if g.saved {
		u.ContactFlag = 3
	}
	if withMembers {
		u.MemberList = append(u.MemberList, wireUser{
			UserName:    ss.self,
			NickName:    s.opts.SelfNick,
			DisplayName: g.selfDisplay,
			MemberList:  []wireUser{},
		})
		for _, m := range g.members {
			u.MemberList = append(u.MemberList, wireUser{
				UserName:    s.userName(ss, m.key()),
				NickName:    m.nickName(),
				DisplayName: m.display,
				AttrStatus:  int64(avatarSeq(m.key()+"attr") % 300000),
				MemberList:  []wireUser{},
			})
		}
	}
	return u
}

// strangerUser answers batchgetcontact for a plain group member.
func (s *Server) strangerUser(ss *session, key string) wireUser {
	return wireUser{
		UserName:   s.userName(ss, key),
		NickName:   s.personNick(key),
		MemberList: []wireUser{},
	}
}

// escapeContent renders user text as the server does in Content: HTML
// escaped, newlines as <br/>.
func escapeContent(text string) string {
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br/>")
}

// appendLogLocked makes msg deliverable in ss (twice under the Duplicate
// fault) and wakes held synchecks.
func (s *Server) appendLogLocked(ss *session, msg wireMsg) {
	n := 1
	if s.faults.Duplicate {
		n = 2
	}
	for range n {
		ss.log = append(ss.log, msg)
	}
	if over := len(ss.log) - maxLog; over > 0 {
		ss.log = append([]wireMsg(nil), ss.log[over:]...)
		ss.logStart += int64(over)
	}
	s.broadcastLocked()
}

func (ss *session) lastSeq() int64 { return ss.logStart + int64(len(ss.log)) }

// since returns the messages after the one with sequence seq (at most max).
func (ss *session) since(seq int64, max int) []wireMsg {
	if seq < ss.logStart {
		seq = ss.logStart
	}
	i := seq - ss.logStart
	if i >= int64(len(ss.log)) {
		return nil
	}
	out := ss.log[i:]
	if len(out) > max {
		out = out[:max]
	}
	return append([]wireMsg(nil), out...)
}

// syncKey is the session's SyncKey after delivering up to seq. Key 1 carries
// the message position, key 2 a sync counter, so the key advances on every
// webwxsync; Count always equals len(List).
func (ss *session) syncKey(seq int64) syncKey {
	l := []keyVal{
		{Key: 1, Val: ss.seqBase + seq},
		{Key: 2, Val: ss.syncBase + ss.syncs},
		{Key: 3, Val: ss.syncBase + 1000 + ss.syncs},
		{Key: 1000, Val: ss.started.Unix()},
	}
	return syncKey{Count: len(l), List: l}
}

// seqOf extracts the message position from a client SyncKey (key 1).
func (ss *session) seqOf(keys []keyVal) int64 {
	for _, kv := range keys {
		if kv.Key == 1 {
			seq := kv.Val - ss.seqBase
			if seq < 0 {
				return 0
			}
			return seq
		}
	}
	return 0
}
