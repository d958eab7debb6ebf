package model

import (
	"errors"
	"time"
)

// ErrExists: the change would give a name to a second row, e.g. renaming a
// group to a name that already has a subscription.
var ErrExists = errors.New("already exists")

// Role is what a friend (by the RemarkName the bot owner gave them) may do.
type Role string

const (
	RoleAdmin Role = "admin" // manages subscriptions and roles
	RoleStaff Role = "staff" // previews and pushes digests
)

// Grant gives a role to a friend's RemarkName.
type Grant struct {
	Remark    string
	Role      Role
	GrantedBy string
	GrantedAt time.Time
}

// Schedule kinds of a subscription.
const (
	ScheduleAt   = "at"   // Spec is "HH:MM[,HH:MM…]"
	ScheduleCron = "cron" // Spec is a robfig/cron spec, 5 fields or 6 with seconds
)

// Subscription sends a group its digest on a schedule. A group has at most
// one subscription; subscribing again replaces it.
type Subscription struct {
	ID int64
	// Channel names the channel it delivers through: ChannelWeChat (the
	// personal account; "" reads as it) or a configured Channel's name.
	Channel  string
	Group    string // the group's bound name; for a robot or task channel, the channel's name
	Kind     string // ScheduleAt or ScheduleCron
	Spec     string
	TZ       string // IANA zone the schedule is read in
	Weekdays bool   // Monday to Friday only
	Source   string // only articles of these sources, comma-separated; "" = all
	// Include keeps only items with any of these words in the title or
	// body; Exclude drops items with any of them. nil: no filter.
	Include, Exclude []string
	Style            string // StyleText ("" reads as it), StyleImage or StyleBoth
	Enabled          bool
	Created          time.Time
	Updated          time.Time
	// Approve: a slot waits until a staff member approves its digest
	// (审核, see Approval); unapproved at the end of the grace, it is missed.
	Approve bool
}

// ChannelWeChat is the personal WeChat account's channel name: the default
// of a subscription, and a name no configured channel may take.
const ChannelWeChat = "wechat"

// Channel kinds besides the personal account.
const (
	ChannelWeComRobot = "wecom-robot" // a WeCom group robot: a webhook per group
	ChannelWeComTask  = "wecom-task"  // WeCom customer-group mass sending, confirmed by a staff member
)

// Subscription styles: what a slot sends.
const (
	StyleText  = "text"  // the digest as text parts
	StyleImage = "image" // the digest as image cards (早报图)
	StyleBoth  = "both"  // the cards, then the text
)

// Part kinds in the ledger.
const (
	PartText  = "text"
	PartImage = "image" // Text holds the card as JSON; it is rendered when sent
)

// Channel is a configured delivery channel other than the personal
// account. URL, Secret and (for robots) the key inside URL are secrets:
// never print or log them.
type Channel struct {
	ID           int64
	Name         string
	Kind         string   // ChannelWeComRobot or ChannelWeComTask
	URL          string   // robot: the webhook URL as copied from WeCom; task: API base ("" = WeCom's)
	CorpID       string   // task
	Secret       string   // task: the corp secret of the customer-contact app
	Sender       string   // task: the staff member's WeCom userid
	ChatIDs      []string // task: the customer groups; nil = all the sender's groups
	AllowPrivate bool     // http and private addresses allowed (tests, the demo)
	Enabled      bool
	LastError    string
	LastErrorAt  time.Time // zero when there is no error
	Created      time.Time
	Updated      time.Time
}

// Delivery states.
const (
	DeliveryPending = "pending" // written, not yet sent
	DeliverySent    = "sent"
	DeliveryFailed  = "failed" // retryable; Attempts and Error say more
	DeliveryMissed  = "missed" // found pending after the grace window
	DeliverySkipped = "skipped"
	// DeliveryAwaiting: a customer-group task was created in WeCom and waits
	// for its sender to confirm it; then sent, or missed after the grace.
	DeliveryAwaiting = "awaiting"
)

// Delivery is one message part of one slot of one subscription, written to
// the ledger before anything is sent. (SubscriptionID, Slot, Part) is unique.
type Delivery struct {
	ID             int64
	SubscriptionID int64
	Channel        string // ChannelWeChat or a configured channel's name
	Group          string
	Slot           time.Time // the scheduled firing, UTC, kept to the microsecond
	Part           int       // 1-based; 0 for a skipped slot's single row
	Parts          int       // how many parts the slot has
	Kind           string    // PartText or PartImage
	Text           string
	State          string
	Attempts       int
	Error          string
	RemoteID       string // the channel's id for it, e.g. a WeCom task's msgid
	Created        time.Time
	SentAt         time.Time // zero until sent
	// Account is who sent it, or last claimed it to send: the personal
	// account's name, or the WeCom channel's. "" before any claim.
	Account string
	// ClaimedBy is the process (a lease holder name) that claimed the part
	// to send it, until ClaimUntil; zero ClaimUntil: never claimed.
	ClaimedBy  string
	ClaimUntil time.Time
}

// Claim is what a process asks for when it claims a ledger part to send:
// the part and the rest of its slot's unsent parts become its own until
// now+TTL, so of several processes (several accounts) exactly one sends
// each part, and a crashed claimant's parts pass to another once the claim
// expires.
type Claim struct {
	Holder  string        // the claiming process, as in its leases
	Account string        // recorded as Delivery.Account
	TTL     time.Duration // how long the claim outlives a silent claimant
	// BoundAs names the personal account whose group bindings decide the
	// claim of a personal-WeChat part: it is refused while the group is
	// bound to other live accounts but not to this one. "" skips the check.
	BoundAs string
}

// AuditEntry records who changed what.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Who    string // "self", a friend's remark, or "cli"
	Action string // e.g. "subscribe", "push", "role.grant"
	Detail string
}

// SlotRecord is one slot for RecordSlots: the same arguments RecordSlot
// takes.
type SlotRecord struct {
	SubscriptionID int64
	Slot           time.Time
	Parts          []string
	// Kinds gives each part's kind (PartText or PartImage); nil means all
	// text.
	Kinds      []string
	ArticleIDs []int64
}
