package model

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// The web console's domain: the people who log in to it, their sessions,
// the API's bearer tokens and the approvals (审核) a subscription may wait
// for. Stores keep them; package web decides what they mean.

// User is a console account. Its Role is RoleAdmin or RoleStaff, the same
// words chat roles use.
type User struct {
	ID   int64
	Name string // unique; the audit log names changes "web:NAME"
	Role Role
	// PasswordHash is the encoded hash web.HashPassword makes (argon2id,
	// its parameters and salt included). The password itself is never kept.
	PasswordHash string
	Disabled     bool // a disabled user cannot log in; its sessions stop working
	Created      time.Time
	Updated      time.Time
}

// Session is a console login. ID is the hex SHA-256 of the cookie's value,
// so a copy of the store cannot be used to log in.
type Session struct {
	ID      string
	User    string // the User's Name
	CSRF    string // the token every form of this session must carry
	Created time.Time
	Expires time.Time
}

// APIToken is a bearer token for /api/. Hash is the hex SHA-256 of the
// token as handed out once; the token itself is never kept.
type APIToken struct {
	ID        int64
	Name      string // the audit log names changes "token:NAME"
	Hash      string
	Role      Role
	Created   time.Time
	RevokedAt time.Time // zero while the token works
}

// Revoked reports whether the token was revoked.
func (t APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// Approval states.
const (
	// ApprovalPending: the slot waits for a staff member's approval.
	ApprovalPending = "pending"
	// ApprovalApproved: a staff member approved exactly the text whose
	// hash is TextHash; a slot whose digest has changed since (an article
	// was corrected or withdrawn) is pending again.
	ApprovalApproved = "approved"
	// ApprovalMissed: nobody approved it before the slot's grace ended.
	ApprovalMissed = "missed"
)

// Approval is the 审核 of one slot of a subscription that requires it
// (Subscription.Approve). (SubscriptionID, Slot) is unique.
type Approval struct {
	ID             int64
	SubscriptionID int64
	Slot           time.Time // the scheduled firing, UTC, kept to the microsecond
	State          string    // ApprovalPending, ApprovalApproved or ApprovalMissed
	By             string    // who approved: "web:NAME", "token:NAME" or a staff friend's remark
	At             time.Time // when it was approved; zero while pending
	// Text is exactly what was approved: the slot's parts joined by
	// PartSeparator (image parts as their card JSON). TextHash is
	// DigestHash of those parts.
	Text     string
	TextHash string
}

// PartSeparator joins a slot's parts in Approval.Text.
const PartSeparator = "\n\f\n"

// DigestHash fingerprints a slot's parts: an approval holds only while the
// digest about to be sent hashes the same.
func DigestHash(parts []string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		l := uint64(len(p))
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Covers reports whether the approval lets parts go out: it was approved
// and the parts are the text that was approved.
func (a Approval) Covers(parts []string) bool {
	return a.State == ApprovalApproved && a.TextHash == DigestHash(parts)
}

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	Who    string // exact
	Action string // exact, or a prefix ending in "." such as "role."
	Since  time.Time
	Until  time.Time // exclusive
	Limit  int       // newest first; ≤ 0: the store's default
}

// Match reports whether e passes the filter (Limit aside), for stores and
// tests that filter in memory.
func (f AuditFilter) Match(e AuditEntry) bool {
	if f.Who != "" && e.Who != f.Who {
		return false
	}
	if f.Action != "" && e.Action != f.Action {
		n := len(f.Action)
		if f.Action[n-1] != '.' || len(e.Action) < n || e.Action[:n] != f.Action {
			return false
		}
	}
	if !f.Since.IsZero() && e.At.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !e.At.Before(f.Until) {
		return false
	}
	return true
}

// ErrExpired: a session past its expiry.
var ErrExpired = errors.New("expired")
