package bot

import (
	"context"
	"errors"
	"log/slog"

	"github.com/wxdigest/wxdigest/model"
)

// Role is what a sender may do in chat. The order matters: admin ⊇ staff ⊇
// resident, so a command allowed to a role is allowed to every higher one.
type Role int

const (
	RoleResident Role = iota // anyone in a group or a friend without a grant
	RoleStaff                // previews and pushes digests
	RoleAdmin                // manages subscriptions; the bot account itself
)

// String is the role's English name as the CLI and model.Role spell it.
func (r Role) String() string {
	switch r {
	case RoleAdmin:
		return string(model.RoleAdmin)
	case RoleStaff:
		return string(model.RoleStaff)
	default:
		return "resident"
	}
}

// zh names the role in chat replies.
func (r Role) zh() string {
	switch r {
	case RoleAdmin:
		return "管理员"
	case RoleStaff:
		return "工作人员"
	default:
		return "居民"
	}
}

// RoleFromData maps a stored grant to a chat role; anything unknown is a
// resident, so a bad row never widens anyone's rights.
func RoleFromData(r model.Role) Role {
	switch r {
	case model.RoleAdmin:
		return RoleAdmin
	case model.RoleStaff:
		return RoleStaff
	default:
		return RoleResident
	}
}

// SenderRole decides a sender's role: the bot account itself is admin, a
// friend's RemarkName is looked up in roles, everyone else is a resident.
// Nick is never consulted. A store error fails closed (resident) and is
// returned so the caller can log it.
func SenderRole(ctx context.Context, roles Roles, from Sender) (Role, error) {
	if from.Self {
		return RoleAdmin, nil
	}
	if from.Remark == "" || roles == nil {
		return RoleResident, nil
	}
	r, err := roles.RoleOf(ctx, from.Remark)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return RoleResident, nil
	case err != nil:
		return RoleResident, err
	}
	return RoleFromData(r), nil
}

// auditWho is how a sender appears in the audit log.
func auditWho(from Sender) string {
	if from.Self {
		return "self"
	}
	return from.Remark
}

// privateTarget is where something meant only for the sender goes: the
// file helper for the bot account, the private chat for a friend. ok is
// false for a sender the bot cannot message privately (not a friend).
func privateTarget(from Sender) (Target, bool) {
	switch {
	case from.Self:
		return Target{Kind: ChatSelf}, true
	case from.Remark != "":
		return Target{Kind: ChatFriend, Name: from.Remark}, true
	}
	return Target{}, false
}

// discardLogger is the logger used when none is configured.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
