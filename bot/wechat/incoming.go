package wechat

import (
	"encoding/xml"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot"
)

// onMessage is openwechat's MessageHandler, called synchronously on the
// sync goroutine: it only maps and filters the message and queues it.
func (s *session) onMessage(m *openwechat.Message) {
	defer s.t.recoverIn("message handler")
	select {
	case <-s.ready:
	case <-s.ctx.Done():
		return
	}
	s.idle = 0
	if m.IsSystem() {
		s.systemMessage(m)
		return
	}
	bm, ok := s.mapMessage(m)
	if !ok {
		return
	}
	if s.isEcho(m, bm) {
		s.t.log.Debug("wechat: own echo dropped", "id", bm.ID)
		return
	}
	if bm.Time.Before(s.since.Add(-s.t.cfg.ReplaySlack)) {
		s.t.log.Debug("wechat: replayed history dropped", "id", bm.ID, "time", bm.Time)
		return
	}
	s.t.enqueue(item{msg: &bm})
}

var renameRe = regexp.MustCompile(`修改群名为[“"](.+)[”"]\s*$`)

// systemMessage looks for "X修改群名为“Y”" in a group: a rename.
func (s *session) systemMessage(m *openwechat.Message) {
	gun := m.FromUserName
	if gun == s.selfUser {
		gun = m.ToUserName
	}
	if !strings.HasPrefix(gun, "@@") {
		return
	}
	if sm := renameRe.FindStringSubmatch(m.Content); sm != nil {
		s.t.rename(s, gun, openwechat.FormatEmoji(sm[1]))
	}
}

// mapMessage turns a text message or an article card into a bot.Message.
// Identity comes only from UserNames of this session: the bot itself, or
// a friend (whose RemarkName the owner set) found by UserName.
func (s *session) mapMessage(m *openwechat.Message) (bot.Message, bool) {
	out := bot.Message{ID: m.MsgId, Time: time.Unix(m.CreateTime, 0)}
	if out.ID == "" && m.NewMsgId != 0 {
		out.ID = strconv.FormatInt(m.NewMsgId, 10)
	}
	if out.ID == "" {
		return out, false
	}
	switch {
	case m.MsgType == openwechat.MsgTypeText && m.Url == "":
		out.Text = m.Content
	case m.MsgType == openwechat.MsgTypeApp && m.AppMsgType == openwechat.AppMsgTypeUrl:
		card, err := parseArticle(m.Content)
		if err != nil {
			s.t.log.Warn("wechat: unreadable article card", "id", out.ID, "err", err)
			return out, false
		}
		out.Article = card
	default:
		return out, false
	}
	self := m.FromUserName == s.selfUser
	switch {
	case strings.HasPrefix(m.FromUserName, "@@") || (self && strings.HasPrefix(m.ToUserName, "@@")):
		gun := m.FromUserName
		if self {
			gun = m.ToUserName
		}
		out.Chat = bot.Target{Kind: bot.ChatGroup, Name: s.groupName(m, gun, self), ID: gun}
		s.noteChat(out.Chat, false)
		if self {
			out.From = bot.Sender{Self: true, Nick: s.selfNick}
			break
		}
		// The server puts "<member UserName>:<br/>" before the text; a
		// member cannot forge it (typed text comes after it, escaped).
		member := groupSender(m.RawContent)
		s.t.mu.Lock()
		f, isFriend := s.friends[member]
		s.t.mu.Unlock()
		if isFriend {
			out.From.Remark = f.remark
		}
		out.From.Nick = s.memberNick(m)
		if out.Article == nil {
			out.Text, out.Mention = stripMention(out.Text, s.selfNames(m)...)
		}
	case self:
		out.From = bot.Sender{Self: true, Nick: s.selfNick}
		switch m.ToUserName {
		case "filehelper", s.selfUser:
			out.Chat = bot.Target{Kind: bot.ChatSelf, ID: "filehelper"}
		default:
			f, ok := s.friend(m, m.ToUserName)
			if !ok {
				return out, false
			}
			out.Chat = bot.Target{Kind: bot.ChatFriend, Name: f.address(), ID: m.ToUserName}
			s.noteChat(out.Chat, f.remark != "")
		}
	case strings.HasPrefix(m.FromUserName, "@"):
		f, ok := s.friend(m, m.FromUserName)
		if !ok {
			return out, false
		}
		out.Chat = bot.Target{Kind: bot.ChatFriend, Name: f.address(), ID: m.FromUserName}
		s.noteChat(out.Chat, f.remark != "")
		out.From = bot.Sender{Remark: f.remark, Nick: f.nick}
	default:
		return out, false // weixin, fmessage, …
	}
	return out, true
}

// noteChat remembers that a message came from chat in this session, so a
// reply may go to chat.ID while the session lasts. For a friend it also
// remembers, across sessions, whether chat.Name is the owner's remark:
// after a re-login only a remark may stand in for the stale ID.
func (s *session) noteChat(chat bot.Target, byRemark bool) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	s.chats[chat.ID] = chat.Kind
	if chat.Kind == bot.ChatFriend {
		s.t.noteFriendIDLocked(chat.ID, byRemark)
	}
}

// groupSender is the member UserName of the "@…:<br/>" prefix of a group
// message's original Content.
func groupSender(raw string) string {
	i := strings.Index(raw, ":<br/>")
	if i <= 0 || !strings.HasPrefix(raw, "@") {
		return ""
	}
	return raw[:i]
}

// groupName is the group's name in the snapshot; a group not in it (not
// saved to contacts) is looked up in openwechat's cache — on the sync
// goroutine, the only one allowed there — and remembered as unsaved.
func (s *session) groupName(m *openwechat.Message, userName string, self bool) string {
	s.t.mu.Lock()
	g, ok := s.groups[userName]
	if ok && !self && !g.spoke {
		g.spoke = true
		s.groups[userName] = g
		s.bindSpokenLocked(g.name)
	}
	s.t.mu.Unlock()
	if ok {
		return g.name
	}
	var (
		u   *openwechat.User
		err error
	)
	if self {
		u, err = m.Receiver()
	} else {
		u, err = m.Sender()
	}
	if err != nil || u == nil || u.UserName != userName {
		return ""
	}
	name := openwechat.FormatEmoji(u.NickName)
	s.t.mu.Lock()
	if _, ok := s.groups[userName]; !ok {
		s.groups[userName] = group{name: name, spoke: !self}
		if !self {
			s.bindSpokenLocked(name)
		}
	}
	s.t.mu.Unlock()
	return name
}

// bindSpokenLocked binds a wanted group that was missing or unsaved at
// login once it speaks: its message names it exactly. Its binding
// problem is gone with that (it comes back at the next login if the group
// is still not saved to contacts and has not spoken again).
func (s *session) bindSpokenLocked(name string) {
	if s.t.sess != s || !slices.Contains(s.t.wanted, name) {
		return
	}
	if b, ok := s.t.bindings[name]; ok && b.count == 1 {
		return
	}
	s.t.rebindLocked()
}

// friend finds a friend by UserName: in the snapshot, else (a contact
// added since login) through openwechat's cache, on the sync goroutine.
// Official accounts are not friends.
func (s *session) friend(m *openwechat.Message, userName string) (contact, bool) {
	s.t.mu.Lock()
	f, ok := s.friends[userName]
	s.t.mu.Unlock()
	if ok {
		return f, true
	}
	var (
		u   *openwechat.User
		err error
	)
	if userName == m.FromUserName {
		u, err = m.Sender()
	} else {
		u, err = m.Receiver()
	}
	if err != nil || u == nil || u.UserName != userName || u.IsMP() || !u.IsFriend() {
		return contact{}, false
	}
	f = contact{nick: openwechat.FormatEmoji(u.NickName), remark: openwechat.FormatEmoji(u.RemarkName)}
	if u.ContactFlag&1 != 0 || f.remark != "" {
		s.t.mu.Lock()
		s.friends[userName] = f
		s.t.mu.Unlock()
	}
	return f, true
}

// memberNick is the sender's group nickname (else nickname), for display.
func (s *session) memberNick(m *openwechat.Message) string {
	u, err := m.SenderInGroup()
	if err != nil || u == nil {
		return ""
	}
	if u.DisplayName != "" {
		return openwechat.FormatEmoji(u.DisplayName)
	}
	return openwechat.FormatEmoji(u.NickName)
}

// selfNames are the names a member writes after "@" to mention the bot:
// its group nickname in this group and its own nickname.
func (s *session) selfNames(m *openwechat.Message) []string {
	names := []string{s.selfNick}
	if !strings.Contains(m.Content, "@") {
		return names
	}
	if g, err := m.Sender(); err == nil && g != nil {
		for _, u := range g.MemberList {
			if u != nil && u.UserName == s.selfUser && u.DisplayName != "" {
				names = append(names, openwechat.FormatEmoji(u.DisplayName))
			}
		}
	}
	return names
}

// stripMention removes the first "@name" (followed by U+2005, a space or
// the end of the text) for the longest matching name, so "@bot" does not
// match inside "@botlaner".
func stripMention(text string, names ...string) (string, bool) {
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, n := range names {
		if n == "" {
			continue
		}
		at := "@" + n
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], at)
			if j < 0 {
				break
			}
			j += i
			rest := text[j+len(at):]
			sep := ""
			switch {
			case rest == "":
			case strings.HasPrefix(rest, "\u2005"):
				sep = "\u2005"
			case strings.HasPrefix(rest, " "):
				sep = " "
			default:
				i = j + len(at)
				continue
			}
			return strings.TrimSpace(text[:j] + rest[len(sep):]), true
		}
	}
	return text, false
}

func (s *session) isEcho(m *openwechat.Message, bm bot.Message) bool {
	s.echoMu.Lock()
	defer s.echoMu.Unlock()
	byID := s.sentIDs.has(bm.ID)
	if m.FromUserName != s.selfUser || bm.Article != nil {
		return byID
	}
	// One send, one echo: a match by id also uses up the text, so the
	// owner typing the same words later is not taken for an echo.
	now := s.t.cfg.Now()
	for i, r := range s.recent {
		if r.to == m.ToUserName && r.text == bm.Text && now.Sub(r.at) < echoWindow {
			s.recent = slices.Delete(s.recent, i, i+1)
			return true
		}
	}
	return byID
}

// appMsg is the part of an app message's XML an article card needs.
type appMsg struct {
	AppMsg struct {
		Title string `xml:"title"`
		Des   string `xml:"des"`
		URL   string `xml:"url"`
		Type  int    `xml:"type"`
	} `xml:"appmsg"`
}

// parseArticle reads a forwarded official-account article card from the
// (already unescaped) Content of an app message.
func parseArticle(content string) (*bot.ArticleCard, error) {
	content = strings.TrimSpace(content)
	var a appMsg
	if err := xml.Unmarshal([]byte(content), &a); err != nil {
		return nil, errors.New("article card: " + err.Error())
	}
	card := &bot.ArticleCard{
		Title: strings.TrimSpace(a.AppMsg.Title),
		Desc:  strings.TrimSpace(a.AppMsg.Des),
		URL:   strings.TrimSpace(a.AppMsg.URL),
	}
	if card.URL == "" {
		return nil, errors.New("article card: no url")
	}
	return card, nil
}
