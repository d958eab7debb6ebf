package bot

import (
	"context"
	"testing"
)

// stTransport is a Transport that only reports a state.
type stTransport struct{ st LoginState }

func (t stTransport) Run(ctx context.Context, _ func(Message)) error { <-ctx.Done(); return nil }
func (stTransport) Send(context.Context, Target, string) error       { return nil }
func (t stTransport) State() LoginState                              { return t.st }
func (stTransport) BindGroups([]string)                              {}

// 状态 lists the other channels with their health and queues.
func TestRouterStatusChannels(t *testing.T) {
	robot := NewSender(SenderConfig{Transport: stTransport{LoginState{LoggedIn: true}}})
	e := newRTEnv(t, func(c *RouterConfig) {
		c.Channels = func() []WatchedChannel {
			return []WatchedChannel{
				{Name: "和谐家园群", Kind: KindWeComBot, Transport: stTransport{LoginState{LoggedIn: true}}, Queue: robot},
				{Name: "幸福里", Kind: KindWeComBot, Transport: stTransport{LoginState{LastErr: "wecom webhook/send: errcode 93000: invalid webhook url"}}},
				{Name: "客户群", Kind: KindWeComTask, Transport: stTransport{LoginState{LoggedIn: true}}},
			}
		}
	})
	robot.Reply(Target{Kind: ChatGroup, Name: "和谐家园群"}, "一", "二")
	rtWantReply(t, e.say(rtGroup, rtStaff, "状态"), rtGroup,
		"其他渠道：",
		"· 企业微信群机器人「和谐家园群」：正常，2 条待发，今天已发 0 条",
		"· 企业微信群机器人「幸福里」：故障（wecom webhook/send: errcode 93000: invalid webhook url）",
		"· 企业微信客户群群发「客户群」：正常")
}
