package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/model"
)

// DefaultTaskPoll is how often awaiting tasks are checked.
const DefaultTaskPoll = 30 * time.Second

// TaskChecker asks a task channel whether a task went out (its sender
// confirmed it).
type TaskChecker interface {
	TaskConfirmed(ctx context.Context, remoteID string) (bool, error)
}

// TaskLedger is what the watcher reads and records; *data.Store has it.
type TaskLedger interface {
	Awaiting(ctx context.Context) ([]model.Delivery, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkSlotMissed(ctx context.Context, subID int64, slot time.Time) error
}

// TaskWatcherConfig configures a TaskWatcher. Channel, Checker and Ledger
// are required.
type TaskWatcherConfig struct {
	Channel string // the task channel whose awaiting parts it watches
	Checker TaskChecker
	Ledger  TaskLedger
	Clock   Clock         // default SystemClock
	Poll    time.Duration // default DefaultTaskPoll
	Grace   time.Duration // default DefaultGrace: unconfirmed after slot+Grace is missed
	Report  func(text string)
	Zone    *time.Location // reads slots for the report; default Asia/Shanghai
	Logger  *slog.Logger
}

// TaskWatcher follows a task channel's awaiting parts: confirmed ones are
// recorded sent; those still unconfirmed when their slot's grace window
// ends are recorded missed (their articles go to the next slot) and
// admins are told.
type TaskWatcher struct {
	cfg TaskWatcherConfig
	log *slog.Logger
}

// NewTaskWatcher fills in defaults.
func NewTaskWatcher(cfg TaskWatcherConfig) *TaskWatcher {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultTaskPoll
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Zone == nil {
		cfg.Zone = loadZone(DefaultZone)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &TaskWatcher{cfg: cfg, log: log}
}

// Run checks at once and then every Poll until ctx is done.
func (w *TaskWatcher) Run(ctx context.Context) error {
	return every(ctx, w.cfg.Clock, w.cfg.Poll, func() { w.Check(ctx) })
}

// Check makes one pass over the awaiting parts of the channel.
func (w *TaskWatcher) Check(ctx context.Context) {
	aw, err := w.cfg.Ledger.Awaiting(ctx)
	if err != nil {
		w.log.Error("bot: tasks: read awaiting", "channel", w.cfg.Channel, "err", err)
		return
	}
	var missed []string
	gone := make(map[slotKey]bool)
	for _, d := range aw {
		if d.Channel != w.cfg.Channel || gone[slotKey{d.SubscriptionID, d.Slot.UnixMicro()}] {
			continue
		}
		ok, err := w.cfg.Checker.TaskConfirmed(ctx, d.RemoteID)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.log.Warn("bot: tasks: check", "channel", w.cfg.Channel, "task", d.RemoteID, "err", err)
			continue
		}
		now := w.cfg.Clock.Now()
		switch {
		case ok:
			if err := w.cfg.Ledger.MarkSent(ctx, d.ID, now); err != nil {
				w.log.Error("bot: tasks: record sent", "delivery", d.ID, "err", err)
				continue
			}
			w.log.Info("bot: tasks: confirmed and sent", "channel", w.cfg.Channel, "task", d.RemoteID, "slot", d.Slot)
		case now.Sub(d.Slot) > w.cfg.Grace:
			if err := w.cfg.Ledger.MarkSlotMissed(ctx, d.SubscriptionID, d.Slot); err != nil {
				w.log.Error("bot: tasks: record missed", "delivery", d.ID, "err", err)
				continue
			}
			gone[slotKey{d.SubscriptionID, d.Slot.UnixMicro()}] = true
			w.log.Warn("bot: tasks: not confirmed in time, missed", "channel", w.cfg.Channel, "task", d.RemoteID, "slot", d.Slot)
			missed = append(missed, d.Slot.In(w.cfg.Zone).Format("1月2日 15:04"))
		}
	}
	if len(missed) > 0 && w.cfg.Report != nil {
		w.cfg.Report(fmt.Sprintf("客户群群发「%s」有 %d 个任务超过补发时限（%s）仍未在企业微信里确认发送，已标记为错过：%s。请提醒发送人及时在企业微信“客户群群发”里确认；这些新闻会并入下一次推送。",
			w.cfg.Channel, len(missed), zhDuration(w.cfg.Grace), strings.Join(missed, "、")))
	}
}
