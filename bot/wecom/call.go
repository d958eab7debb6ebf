package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/source"
)

// maxBody caps a response; WeCom's answers are a few hundred bytes.
const maxBody = 1 << 20

// caller does one HTTP exchange with WeCom and decodes its JSON answer.
type caller struct {
	hc      *http.Client
	secrets func() []string // credentials to keep out of error text
}

// do sends body (GET when nil) to target and decodes the JSON answer into
// out, which must embed status. api names the endpoint in errors; target
// itself is never quoted because its query holds the key or token.
func (c *caller) do(ctx context.Context, api, target string, body any, out response) error {
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("wecom %s: encode request: %v", api, err)
		}
		method, rd = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("wecom %s: bad request URL", api)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("User-Agent", source.DefaultUserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(api, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return c.transportError(api, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wecom %s: %w: HTTP %d", api, bot.ErrNetwork, resp.StatusCode)
	}
	if len(data) > maxBody {
		return fmt.Errorf("wecom %s: %w: response larger than %d bytes", api, bot.ErrNetwork, maxBody)
	}
	return decode(api, data, out, c.secrets())
}

// transportError keeps the cause but drops the URL a *url.Error quotes.
func (c *caller) transportError(api string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := scrub(err.Error(), c.secrets()...)
	if errors.Is(err, source.ErrBlockedAddress) {
		// Retrying cannot help: the configured host is internal.
		return fmt.Errorf("wecom %s: %w: %w: %s", api, bot.ErrRejected, source.ErrBlockedAddress, msg)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("wecom %s: %w: %w", api, bot.ErrNetwork, err)
	}
	return fmt.Errorf("wecom %s: %w: %s", api, bot.ErrNetwork, msg)
}

// status is the errcode/errmsg pair every WeCom answer carries.
type status struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s *status) base() *status { return s }

type response interface{ base() *status }

// decode parses a WeCom answer. Anything that is not a JSON object with an
// errcode is a one-line error wrapping bot.ErrNetwork: a captive portal, a
// proxy error page or a cut-off body, all worth a later retry.
func decode(api string, data []byte, out response, secrets []string) error {
	if err := json.Unmarshal(data, out); err != nil {
		var se *json.SyntaxError
		switch {
		case len(bytes.TrimSpace(data)) == 0:
			return fmt.Errorf("wecom %s: %w: empty response", api, bot.ErrNetwork)
		case errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("wecom %s: %w: response is not JSON (%d bytes)", api, bot.ErrNetwork, len(data))
		default:
			return fmt.Errorf("wecom %s: %w: unexpected response shape: %s", api, bot.ErrNetwork, scrub(err.Error(), secrets...))
		}
	}
	st := out.base()
	if st.ErrCode == nil {
		return fmt.Errorf("wecom %s: %w: response has no errcode", api, bot.ErrNetwork)
	}
	if *st.ErrCode != 0 {
		return &APIError{API: api, Code: *st.ErrCode, Msg: scrub(st.ErrMsg, secrets...)}
	}
	return nil
}
