package data

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
	ID       int64
	Group    string // the group's bound name
	Kind     string // ScheduleAt or ScheduleCron
	Spec     string
	TZ       string // IANA zone the schedule is read in
	Weekdays bool   // Monday to Friday only
	Source   string // only articles of this source; "" = all
	Enabled  bool
	Created  time.Time
	Updated  time.Time
}

// Delivery states.
const (
	DeliveryPending = "pending" // written, not yet sent
	DeliverySent    = "sent"
	DeliveryFailed  = "failed" // retryable; Attempts and Error say more
	DeliveryMissed  = "missed" // found pending after the grace window
	DeliverySkipped = "skipped"
)

// Delivery is one message part of one slot of one subscription, written to
// the ledger before anything is sent. (SubscriptionID, Slot, Part) is unique.
type Delivery struct {
	ID             int64
	SubscriptionID int64
	Group          string
	Slot           time.Time // the scheduled firing, UTC, kept to the microsecond
	Part           int       // 1-based; 0 for a skipped slot's single row
	Parts          int       // how many parts the slot has
	Text           string
	State          string
	Attempts       int
	Error          string
	Created        time.Time
	SentAt         time.Time // zero until sent
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
	ArticleIDs     []int64
}
