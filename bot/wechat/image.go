package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/eatmoreapple/openwechat"

	"github.com/wxdigest/wxdigest/bot"
)

// maxImageBytes is openwechat's own image limit (maxImageUploadSize, unused
// by it): a bigger file would go up as a document.
const maxImageBytes = 20 << 20

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// SendImage sends one PNG to one chat of the current session: one upload
// (webwxuploadmedia on file.<domain>, in 512 KB chunks when larger) and one
// webwxsendmsgimg. Target resolution, locking and error mapping are those
// of Send; nothing is retried here.
func (t *Transport) SendImage(ctx context.Context, to bot.Target, png []byte) error {
	op := fmt.Sprintf("wechat: send image to %s %q", to.Kind, to.Name)
	switch {
	case len(png) == 0:
		return fmt.Errorf("%s: empty image", op)
	case len(png) > maxImageBytes:
		return fmt.Errorf("%s: image of %d bytes is over the %d-byte limit", op, len(png), maxImageBytes)
	case !bytes.HasPrefix(png, pngMagic):
		// openwechat names the file by sniffing its content; anything
		// else would not go out as a picture.
		return fmt.Errorf("%s: not a PNG", op)
	}
	s, userName, err := t.target(to)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.sendImage(ctx, op, userName, png)
}

// sendImage uploads png and sends it to the UserName to, under the same
// lock as text so a session sends one message at a time.
func (s *session) sendImage(ctx context.Context, op, to string, png []byte) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, bot.ErrLoggedOut)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// openwechat uploads only from an *os.File (it seeks, stats and sniffs
	// it). The .png name makes its form say mediatype "pic".
	f, err := os.CreateTemp("", "wxdigest-*.png")
	if err != nil {
		return fmt.Errorf("%s: temp file: %w", op, err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	if _, err := f.Write(png); err != nil {
		return fmt.Errorf("%s: temp file: %w", op, err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return fmt.Errorf("%s: temp file: %w", op, err)
	}

	// As for text: not cut off when the session ends, and marked as our
	// own request so the sniffer keeps Set-Cookie away from openwechat's
	// jar (unsafe to write outside the sync goroutine). Reading the jar,
	// as the upload does for webwx_data_ticket, is safe.
	rctx, cancel := context.WithCancel(ownRequest(ctx))
	defer cancel()
	failed := func(stage string, err error) error {
		if ctx.Err() == nil && s.ctx.Err() != nil {
			return fmt.Errorf("%s: %s: %w (session ended)", op, stage, bot.ErrLoggedOut)
		}
		if errors.Is(err, openwechat.ErrWebWxDataTicketNotFound) {
			// The v1.4.8 hot-login jar lost the cookie for file.<domain>
			// and the storage workaround did not restore it.
			return fmt.Errorf("%s: %s: no webwx_data_ticket cookie for the upload host: %w", op, stage, err)
		}
		return mapErr(op+": "+stage, err)
	}

	// Upload and send are separate so an error says which failed: after a
	// failed upload nothing reached the chat.
	up, err := s.bot.Caller.UploadMedia(rctx, f, &openwechat.CallerUploadMediaOptions{
		FromUserName: s.selfUser, ToUserName: to, BaseRequest: s.req, LoginInfo: s.info,
	})
	if err != nil {
		return failed("upload", err)
	}
	msg := openwechat.NewMediaSendMessage(openwechat.MsgTypeImage, s.selfUser, to, up.MediaId)
	resp, err := s.bot.Caller.Client.WebWxSendMsgImg(rctx, &openwechat.ClientWebWxSendMsgOptions{
		BaseRequest: s.req, LoginInfo: s.info, Message: msg,
	})
	if err != nil {
		return failed("send", err)
	}
	defer func() { _ = resp.Body.Close() }()
	parser := openwechat.MessageResponseParser{Reader: resp.Body}
	sent, err := parser.SentMessage(msg)
	if err != nil {
		return failed("send", err)
	}
	s.echoMu.Lock()
	if sent.MsgId != "" {
		s.sentIDs.add(sent.MsgId)
	}
	s.echoMu.Unlock()
	return nil
}
