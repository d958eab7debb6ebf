package bot

import (
	"context"
	"errors"
	"time"
)

// ChatKind says where a message was said or is to be sent.
type ChatKind string

const (
	ChatGroup  ChatKind = "group"  // a group chat, addressed by its bound name
	ChatFriend ChatKind = "friend" // a private chat with a friend, addressed by RemarkName (else NickName)
	ChatSelf   ChatKind = "self"   // the bot account's own file helper (文件传输助手)
)

// Target addresses one chat. For ChatGroup, Name is the group's bound name
// (the project-side group id); for ChatFriend it is the friend's RemarkName
// set by the bot owner; for ChatSelf it is ignored.
type Target struct {
	Kind ChatKind
	Name string
	// ID is the transport's id for this chat in the current session
	// (WeChat's UserName), set on incoming messages so that a reply goes to
	// the very chat the message came from, whatever its name resolves to.
	// It is empty for targets made from names (subscriptions, a staff
	// member's private chat). IDs change at every login: a transport uses
	// one only while it is still valid and otherwise falls back to Name, or
	// refuses when the name alone could mean someone else. Compare chats
	// and key maps with Key, never with the ID in.
	ID string
}

// Key is the chat without its session id: the same value for the same
// chat across logins and whether or not the target came from a message.
// Use it as a map key and to compare chats.
func (t Target) Key() Target {
	t.ID = ""
	return t
}

// Sender is who said something, as far as the transport can prove it.
// Only Self and Remark may be used for authorisation: both are out of reach
// of ordinary group members. Nick is for display only.
type Sender struct {
	Self   bool   // sent by the bot account itself (e.g. the owner's phone)
	Remark string // RemarkName the owner gave this friend; empty if not a friend
	Nick   string // nickname or group nickname: user-controlled, never authorise by it
}

// ArticleCard is a forwarded official-account (公众号) article.
type ArticleCard struct {
	Title string
	Desc  string
	URL   string
}

// Message is one incoming chat message, already cleaned: own echoes,
// duplicates and history replayed after a hot login are dropped, and a
// leading @-mention of the bot is stripped from Text.
type Message struct {
	ID      string // network message id, unique per message
	Chat    Target // where it was said; replies go here
	From    Sender // who said it
	Text    string // plain text, mention stripped
	Mention bool   // the bot was @-mentioned (in a group)
	Time    time.Time
	Article *ArticleCard // set when the message is a forwarded article card
}

// LoginState is the transport's view of its session.
type LoginState struct {
	LoggedIn bool
	Self     string    // the bot account's nickname
	Uin      int64     // the bot account's Uin (stable across logins); 0 before the first login
	Since    time.Time // when the current session began (zero when logged out)
	Logins   int       // successful logins since start
	LastErr  string    // last login or session error, if any
	// Problems lists binding problems found at the last login, e.g. a
	// subscribed group that is missing or whose name is ambiguous.
	Problems []string
	// Bound lists the subscribed groups this session can reach, so that of
	// several accounts only those in a group send to it. nil when the
	// transport does not say.
	Bound []string
}

// Transport is a chat network as the bot needs it. Implementations must be
// safe for concurrent use.
type Transport interface {
	// Run logs in and keeps the session alive (re-logging in as needed),
	// delivering incoming messages to handle, until ctx is done. handle must
	// not block for long.
	Run(ctx context.Context, handle func(Message)) error
	// Send sends text to one chat. Errors wrap ErrRateLimited,
	// ErrLoggedOut, ErrLoginRefused or ErrNetwork when they are one of those.
	Send(ctx context.Context, to Target, text string) error
	// State reports the login state.
	State() LoginState
	// BindGroups tells the transport which group names the bot cares about;
	// they are bound at every login and problems are reported in State.
	BindGroups(names []string)
}

// Errors a Transport's Send and Run wrap, so the sender can act on them.
var (
	ErrRateLimited  = errors.New("rate limited")        // 1205: pause all sending
	ErrLoggedOut    = errors.New("logged out")          // 1100/1101/1102: hold until re-login
	ErrLoginRefused = errors.New("login refused")       // 1203: account not allowed to log in
	ErrNetwork      = errors.New("network error")       // transient; retry later
	ErrNoSuchChat   = errors.New("no such chat")        // target not bound in this session
	ErrAmbiguous    = errors.New("ambiguous chat name") // two groups share the name
	// ErrRejected: the channel refused our credentials for good (a WeCom
	// robot key removed or invalid, a secret revoked). Retrying cannot
	// help; the channel is failed until an admin fixes it, and its parts
	// stay pending.
	ErrRejected = errors.New("rejected by the channel")
	// ErrUndeliverable: the channel will never take this one message (over
	// a size limit, a monthly quota spent). The sender gives it up at once
	// and tells admins; the channel itself is fine.
	ErrUndeliverable = errors.New("the channel will not take this message")
)

// ImageSender is a Transport that can also send a picture (the digest as
// an image card). Transports without it get the text parts only.
type ImageSender interface {
	// SendImage sends one PNG to one chat. Errors wrap the same sentinels
	// as Send.
	SendImage(ctx context.Context, to Target, png []byte) error
}
