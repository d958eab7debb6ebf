package wecom_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/bot/wecom"
	"github.com/wxdigest/wxdigest/bot/wecom/wecomtest"
)

const (
	testCorp   = "ww1234567890abcdef"
	testSecret = "s3cr3t-app-secret-0123456789"
	testSender = "wangzhuren"
)

func newCorp(t *testing.T) (*wecom.Corp, *wecomtest.Server, *clock) {
	t.Helper()
	fake, srv, clk := newFake(t)
	fake.AddCorp(testCorp, testSecret, testSender)
	c, err := wecom.NewCorp(wecom.CorpConfig{API: srv.URL, CorpID: testCorp, Secret: testSecret, AllowPrivate: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake, clk
}

func TestTaskFlow(t *testing.T) {
	c, fake, _ := newCorp(t)
	ctx := context.Background()
	id, err := c.AddGroupTask(ctx, testSender, []string{"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"}, "今日新闻：……")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.TaskConfirmed(ctx, id); err != nil || ok {
		t.Fatalf("before confirm: %v %v", ok, err)
	}
	if err := fake.Confirm(id); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.TaskConfirmed(ctx, id); err != nil || !ok {
		t.Fatalf("after confirm: %v %v", ok, err)
	}
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].API != "msg_template" || sent[0].Key != testCorp || sent[0].MsgID != id ||
		sent[0].Content != "今日新闻：……" || !sent[0].Confirmed {
		t.Fatalf("sent = %+v", sent)
	}
	if _, err := c.TaskConfirmed(ctx, "msgNOSUCH"); err == nil {
		t.Fatal("unknown msgid accepted")
	}
}

func TestAddGroupTaskChecks(t *testing.T) {
	c, fake, _ := newCorp(t)
	ctx := context.Background()
	many := make([]string, wecom.ChatIDsMax+1)
	for i := range many {
		many[i] = "wr" + strings.Repeat("x", 8)
	}
	tests := []struct {
		name    string
		sender  string
		chats   []string
		text    string
		ok      bool
		tooBig  bool
		errcode int
	}{
		{"all groups", testSender, nil, "hi", true, false, 0},
		{"text at limit", testSender, []string{"wr1"}, cjk(wecom.TemplateTextMaxBytes), true, false, 0},
		{"text one byte over", testSender, []string{"wr1"}, cjk(wecom.TemplateTextMaxBytes + 1), false, true, 0},
		{"2000 chats", testSender, many[:wecom.ChatIDsMax], "hi", true, false, 0},
		{"2001 chats", testSender, many, "hi", false, true, 0},
		{"empty text", testSender, nil, "", false, false, 0},
		{"no sender", "", nil, "hi", false, false, 0},
		{"unknown sender", "stranger", nil, "hi", false, false, 40003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AddGroupTask(ctx, tt.sender, tt.chats, tt.text)
			if (err == nil) != tt.ok || tt.tooBig != errors.Is(err, wecom.ErrTooLarge) {
				t.Fatalf("err = %v", err)
			}
			var ae *wecom.APIError
			if tt.errcode != 0 && (!errors.As(err, &ae) || ae.Code != tt.errcode) {
				t.Fatalf("err = %v, want errcode %d", err, tt.errcode)
			}
		})
	}
	_ = fake
}

func TestQuotaExhaustion(t *testing.T) {
	c, fake, clk := newCorp(t)
	ctx := context.Background()
	fake.SetQuota(2)
	for i := range 2 {
		if _, err := c.AddGroupTask(ctx, testSender, []string{"wrA"}, "x"); err != nil {
			t.Fatalf("task %d: %v", i+1, err)
		}
	}
	_, err := c.AddGroupTask(ctx, testSender, []string{"wrA"}, "x")
	if !errors.Is(err, wecom.ErrQuota) {
		t.Fatalf("err = %v, want ErrQuota", err)
	}
	// Another group still has room; the spent one is only listed as failed.
	if _, err := c.AddGroupTask(ctx, testSender, []string{"wrA", "wrB"}, "x"); err != nil {
		t.Fatal(err)
	}
	// Next month (China time) the quota is fresh.
	clk.Advance(31 * 24 * time.Hour)
	if _, err := c.AddGroupTask(ctx, testSender, []string{"wrA"}, "x"); err != nil {
		t.Fatalf("next month: %v", err)
	}
}

func TestTokenCachedAndRenewed(t *testing.T) {
	c, fake, clk := newCorp(t)
	ctx := context.Background()
	id, err := c.AddGroupTask(ctx, testSender, nil, "x")
	if err != nil {
		t.Fatal(err)
	}
	step := func(t *testing.T, wantTokens, wantCalls int) {
		t.Helper()
		if _, err := c.TaskConfirmed(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := countAPI(fake, "gettoken"); n != wantTokens {
			t.Fatalf("gettoken called %d times, want %d", n, wantTokens)
		}
		if n := countAPI(fake, "externalcontact/get_groupmsg_task"); n != wantCalls {
			t.Fatalf("get_groupmsg_task called %d times, want %d", n, wantCalls)
		}
	}
	t.Run("cached", func(t *testing.T) {
		for range 5 {
			if _, err := c.TaskConfirmed(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if n := countAPI(fake, "gettoken"); n != 1 {
			t.Fatalf("gettoken called %d times, want 1", n)
		}
	})
	calls := 5
	t.Run("expired by WeCom early: refetched, call retried", func(t *testing.T) {
		fake.ExpireTokens()
		calls += 2 // the refused call and its retry
		step(t, 2, calls)
	})
	t.Run("40014: refetched, call retried", func(t *testing.T) {
		fake.Fault(40014, 1)
		calls += 2
		step(t, 3, calls)
	})
	t.Run("42001: refetched, call retried", func(t *testing.T) {
		fake.Fault(42001, 1)
		calls += 2
		step(t, 4, calls)
	})
	t.Run("near expiry: refetched before the call", func(t *testing.T) {
		clk.Advance(7200*time.Second - 4*time.Minute)
		calls++
		step(t, 5, calls)
	})
	t.Run("retried once only", func(t *testing.T) {
		fake.Fault(42001, 2)
		_, err := c.TaskConfirmed(ctx, id)
		var ae *wecom.APIError
		if !errors.As(err, &ae) || ae.Code != 42001 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConcurrentCallersShareOneTokenFetch(t *testing.T) {
	c, fake, _ := newCorp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := c.AddGroupTask(ctx, testSender, nil, "x")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countAPI(fake, "gettoken"); n != 1 {
		t.Fatalf("gettoken called %d times, want 1", n)
	}
}

func TestCorpCredentialErrors(t *testing.T) {
	fake, srv, clk := newFake(t)
	fake.AddCorp(testCorp, testSecret, testSender)
	tests := []struct {
		name, corp, secret string
		code               int
	}{
		{"bad secret", testCorp, "wrong-secret-value", 40001},
		{"unknown corp", "wwnosuchcorp", testSecret, 40013},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := wecom.NewCorp(wecom.CorpConfig{API: srv.URL, CorpID: tt.corp, Secret: tt.secret, AllowPrivate: true, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AddGroupTask(context.Background(), testSender, nil, "x")
			var ae *wecom.APIError
			if !errors.Is(err, bot.ErrRejected) || !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
	t.Run("config", func(t *testing.T) {
		if _, err := wecom.NewCorp(wecom.CorpConfig{CorpID: testCorp}); err == nil {
			t.Fatal("missing secret accepted")
		}
		if _, err := wecom.NewCorp(wecom.CorpConfig{API: srv.URL, CorpID: testCorp, Secret: testSecret}); err == nil {
			t.Fatal("loopback API accepted without AllowPrivate")
		}
	})
}

func TestErrorsNeverShowToken(t *testing.T) {
	c, fake, _ := newCorp(t)
	ctx := context.Background()
	if _, err := c.AddGroupTask(ctx, testSender, nil, "x"); err != nil {
		t.Fatal(err)
	}
	fake.Fault(45009, 1)
	_, err := c.AddGroupTask(ctx, testSender, nil, "x")
	if !errors.Is(err, bot.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.Query, "faketoken") || strings.Contains(r.Query, testSecret) {
			t.Fatalf("request log leaks a credential: %+v", r)
		}
	}
	if strings.Contains(err.Error(), "faketoken") || strings.Contains(c.String(), testSecret) {
		t.Fatalf("leak: %v / %s", err, c)
	}
}
