package data

import "github.com/wxdigest/wxdigest/model"

// The store's domain types and sentinels live in package model, which
// imports no driver, so that the bot and other stores share them; these
// names keep the store's own code and its callers reading as before.

type (
	Role          = model.Role
	Grant         = model.Grant
	Subscription  = model.Subscription
	Channel       = model.Channel
	Delivery      = model.Delivery
	AuditEntry    = model.AuditEntry
	SlotRecord    = model.SlotRecord
	ImportResult  = model.ImportResult
	Hit           = model.Hit
	Source        = model.Source
	FetchOutcome  = model.FetchOutcome
	Fetched       = model.Fetched
	FetchedResult = model.FetchedResult
	QueuedReply   = model.QueuedReply
)

var (
	ErrNotFound     = model.ErrNotFound
	ErrInvalid      = model.ErrInvalid
	ErrDuplicate    = model.ErrDuplicate
	ErrWithdrawn    = model.ErrWithdrawn
	ErrExists       = model.ErrExists
	ErrInUse        = model.ErrInUse
	ErrDamaged      = model.ErrDamaged
	ErrIndexDamaged = model.ErrIndexDamaged
)

const (
	RoleAdmin = model.RoleAdmin
	RoleStaff = model.RoleStaff

	ScheduleAt   = model.ScheduleAt
	ScheduleCron = model.ScheduleCron

	ChannelWeChat     = model.ChannelWeChat
	ChannelWeComRobot = model.ChannelWeComRobot
	ChannelWeComTask  = model.ChannelWeComTask

	StyleText  = model.StyleText
	StyleImage = model.StyleImage
	StyleBoth  = model.StyleBoth

	PartText  = model.PartText
	PartImage = model.PartImage

	DeliveryPending  = model.DeliveryPending
	DeliverySent     = model.DeliverySent
	DeliveryFailed   = model.DeliveryFailed
	DeliveryMissed   = model.DeliveryMissed
	DeliverySkipped  = model.DeliverySkipped
	DeliveryAwaiting = model.DeliveryAwaiting

	SourceFeed          = model.SourceFeed
	SourcePage          = model.SourcePage
	SourceWeChatForward = model.SourceWeChatForward
)
