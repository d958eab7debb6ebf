package wecom

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wxdigest/wxdigest/bot"
)

// probeAfter is how long a rejected channel waits before it lets one send
// through again: WeCom may have been wrong for a moment, and the part sent
// is one that was waiting anyway.
const probeAfter = 10 * time.Minute

// health is a channel's up/down state as bot.Transport.State reports it.
type health struct {
	mu       sync.Mutex
	name     string
	now      func() time.Time
	rejected time.Time // zero while fine
	lastErr  string
}

// note records the outcome of a call.
func (h *health) note(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil:
		h.rejected, h.lastErr = time.Time{}, ""
	case errors.Is(err, bot.ErrRejected):
		h.rejected, h.lastErr = h.now(), err.Error()
	default:
		h.lastErr = err.Error()
	}
}

func (h *health) reset() {
	h.mu.Lock()
	h.rejected, h.lastErr = time.Time{}, ""
	h.mu.Unlock()
}

func (h *health) state() bot.LoginState {
	h.mu.Lock()
	defer h.mu.Unlock()
	up := h.rejected.IsZero() || h.now().Sub(h.rejected) >= probeAfter
	return bot.LoginState{LoggedIn: up, Self: h.name, LastErr: h.lastErr}
}

// RobotChannel is a WeCom group robot as a bot.Transport: every message
// goes to the robot's one group (the Target is not used). It takes no
// incoming messages. A rejected key (93000: the robot was removed) turns
// its state down, so the sender holds its parts until SetURL gives it a new
// key (or a probe finds the old one works again).
type RobotChannel struct {
	health
	cfg   RobotConfig
	mu    sync.Mutex
	robot *Robot
}

var (
	_ bot.Transport   = (*RobotChannel)(nil)
	_ bot.ImageSender = (*RobotChannel)(nil)
)

// NewRobotChannel checks cfg and returns the channel named name.
func NewRobotChannel(name string, cfg RobotConfig, now func() time.Time) (*RobotChannel, error) {
	r, err := NewRobot(cfg)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &RobotChannel{health: health{name: name, now: now}, cfg: cfg, robot: r}, nil
}

// SetURL points the channel at a new webhook (an admin re-added the robot)
// and clears its failure. The same URL changes nothing.
func (c *RobotChannel) SetURL(raw string) error {
	cfg := c.cfg
	cfg.URL = raw
	r, err := NewRobot(cfg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	same := r.endpoint == c.robot.endpoint && r.key == c.robot.key
	if !same {
		c.robot, c.cfg = r, cfg
	}
	c.mu.Unlock()
	if !same {
		c.reset()
	}
	return nil
}

func (c *RobotChannel) current() *Robot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.robot
}

// Run waits for ctx: a robot has nothing to log in to or receive.
func (c *RobotChannel) Run(ctx context.Context, _ func(bot.Message)) error {
	<-ctx.Done()
	return nil
}

// Send posts text to the robot's group.
func (c *RobotChannel) Send(ctx context.Context, _ bot.Target, text string) error {
	err := c.current().Text(ctx, text)
	c.note(err)
	return err
}

// SendImage posts a PNG to the robot's group.
func (c *RobotChannel) SendImage(ctx context.Context, _ bot.Target, png []byte) error {
	err := c.current().Image(ctx, png)
	c.note(err)
	return err
}

// State is up unless WeCom rejected the key.
func (c *RobotChannel) State() bot.LoginState { return c.state() }

// BindGroups does nothing: a robot belongs to one group.
func (c *RobotChannel) BindGroups([]string) {}

// String names the channel for logs, key redacted.
func (c *RobotChannel) String() string { return c.current().String() }

// TaskChannel is WeCom customer-group mass sending as a bot.Transport: each
// digest part becomes a task for Sender to confirm in the WeCom app
// (bot.TaskSender), and TaskConfirmed tells when it went out. It cannot
// send a plain message: a task reaches residents only after a person
// confirms it, so it is never an alert channel.
type TaskChannel struct {
	health
	corp    *Corp
	sender  string
	chatIDs []string
}

var (
	_ bot.Transport   = (*TaskChannel)(nil)
	_ bot.TaskSender  = (*TaskChannel)(nil)
	_ bot.TaskChecker = (*TaskChannel)(nil)
)

// ErrNotTask: a plain message handed to a task channel.
var ErrNotTask = errors.New("a customer-group task channel sends digests only")

// NewTaskChannel returns the channel named name sending as sender to
// chatIDs (nil: all the sender's customer groups).
func NewTaskChannel(name string, cfg CorpConfig, sender string, chatIDs []string) (*TaskChannel, error) {
	if sender == "" {
		return nil, errors.New("wecom: a task channel needs a sender userid")
	}
	if len(chatIDs) > ChatIDsMax {
		return nil, fmt.Errorf("wecom: %d chat ids, at most %d", len(chatIDs), ChatIDsMax)
	}
	corp, err := NewCorp(cfg)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &TaskChannel{health: health{name: name, now: now}, corp: corp, sender: sender, chatIDs: chatIDs}, nil
}

// Run waits for ctx.
func (c *TaskChannel) Run(ctx context.Context, _ func(bot.Message)) error {
	<-ctx.Done()
	return nil
}

// Send refuses: see ErrNotTask.
func (c *TaskChannel) Send(context.Context, bot.Target, string) error { return ErrNotTask }

// SendTask creates the task and returns its msgid.
func (c *TaskChannel) SendTask(ctx context.Context, _ bot.Target, text string) (string, error) {
	id, err := c.corp.AddGroupTask(ctx, c.sender, c.chatIDs, text)
	c.note(err)
	return id, err
}

// TaskConfirmed reports whether the sender confirmed task id.
func (c *TaskChannel) TaskConfirmed(ctx context.Context, id string) (bool, error) {
	ok, err := c.corp.TaskConfirmed(ctx, id)
	c.note(err)
	return ok, err
}

// State is up unless WeCom rejected the corp's credentials.
func (c *TaskChannel) State() bot.LoginState { return c.state() }

// BindGroups does nothing: the sender's customer groups are WeCom's.
func (c *TaskChannel) BindGroups([]string) {}
