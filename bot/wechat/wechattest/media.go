package wechattest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Images: the upload to file.<domain>/…/webwxuploadmedia (multipart, in
// chunks of 512 KB when larger), then webwxsendmsgimg naming the MediaId
// the upload answered. Only what openwechat v1.4.8 sends is modelled
// (client.go:491-644, 649-662).

const (
	// maxUpload is the largest file accepted (openwechat's
	// maxFileUploadSize; the web client sends bigger files another way).
	maxUpload = 50 << 20
	// maxMedia bounds the uploads a session remembers (oldest dropped);
	// maxPartial the chunked uploads in progress.
	maxMedia   = 1000
	maxPartial = 8
)

// media is an uploaded file; only its size and digest are kept.
type media struct {
	size int64
	md5  string
}

// partial is a chunked upload in progress. openwechat sends every chunk
// with the same uploadmediarequest (StartPos 0, DataLen the whole file),
// so chunks are placed by the chunk field alone.
type partial struct {
	chunks int
	got    map[int][]byte
	bytes  int64
}

// uploadRequest is the uploadmediarequest form field (JSON).
type uploadRequest struct {
	UploadType    int
	BaseRequest   baseRequest
	ClientMediaId flexInt
	TotalLen      flexInt
	StartPos      flexInt
	DataLen       flexInt
	MediaType     int
	FromUserName  string
	ToUserName    string
	FileMd5       string
}

type uploadResp struct {
	BaseResponse      baseResponse
	MediaId           string
	StartPos          int64
	CDNThumbImgHeight int
	CDNThumbImgWidth  int
	EncryFileName     string
}

func uploadErr(w http.ResponseWriter, ret int, msg string) {
	writeWire(w, http.StatusOK, uploadResp{BaseResponse: baseResponse{Ret: ret, ErrMsg: msg}})
}

// POST file.<domain>/…/webwxuploadmedia?f=json: one chunk (or the whole
// file). Answers MediaId "" until the last chunk, then the new MediaId.
// Bad input is a Ret, never a panic or a 5xx.
func (s *Server) handleUploadMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		uploadErr(w, 1, "upload: want POST")
		return
	}
	if err := r.ParseMultipartForm(maxBody); err != nil {
		uploadErr(w, 1, "upload: bad multipart form: "+err.Error())
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	form := r.MultipartForm.Value
	field := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var req uploadRequest
	if err := json.Unmarshal([]byte(field("uploadmediarequest")), &req); err != nil {
		uploadErr(w, 1, "upload: bad uploadmediarequest: "+err.Error())
		return
	}
	data, err := formFile(r, "filename")
	if err != nil {
		uploadErr(w, 1, "upload: "+err.Error())
		return
	}
	total := int64(req.TotalLen)
	chunks, chunk := 1, 0
	if v := field("chunks"); v != "" {
		chunks, err = strconv.Atoi(v)
		if err == nil {
			chunk, err = strconv.Atoi(field("chunk"))
		}
		if err != nil || chunks < 1 || chunk < 0 || chunk >= chunks {
			uploadErr(w, 1, fmt.Sprintf("upload: bad chunk %q of %q", field("chunk"), v))
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if ret := s.faults.UploadRet; ret != 0 {
		s.faults.UploadRet = 0
		s.broadcastLocked()
		uploadErr(w, ret, "")
		return
	}
	br := req.BaseRequest
	ss := s.sessionFor(br.Sid, br.Skey, int64(br.Uin))
	if ss == nil || (s.faults.StrictCookies && !s.cookiesOK(r, ss)) {
		writeWire(w, http.StatusOK, uploadResp{BaseResponse: sessionGone})
		return
	}
	switch {
	case field("webwx_data_ticket") != ss.dataTicket:
		// The real web client copies it from the cookie; openwechat fails
		// before sending when its jar has none for file.<domain>.
		uploadErr(w, 1, "upload: webwx_data_ticket mismatch")
		return
	case field("pass_ticket") != ss.passTicket:
		uploadErr(w, 1, "upload: pass_ticket mismatch")
		return
	case req.FromUserName != ss.self:
		uploadErr(w, 1, "upload: FromUserName is not the logged-in account")
		return
	case total <= 0 || total > maxUpload:
		uploadErr(w, 1, fmt.Sprintf("upload: TotalLen %d out of range", total))
		return
	case field("size") != strconv.FormatInt(total, 10):
		uploadErr(w, 1, fmt.Sprintf("upload: size %q is not TotalLen %d", field("size"), total))
		return
	}

	key := fmt.Sprintf("%d|%s|%d", int64(req.ClientMediaId), req.FileMd5, total)
	if ss.uploads == nil {
		ss.uploads = map[string]*partial{}
	}
	p := ss.uploads[key]
	if p == nil || p.chunks != chunks {
		if p == nil {
			ss.uploadQ = append(ss.uploadQ, key)
			if len(ss.uploadQ) > maxPartial {
				delete(ss.uploads, ss.uploadQ[0])
				ss.uploadQ = ss.uploadQ[1:]
			}
		}
		p = &partial{chunks: chunks, got: map[int][]byte{}}
		ss.uploads[key] = p
	}
	if old, ok := p.got[chunk]; ok {
		p.bytes -= int64(len(old)) // a chunk sent again replaces the first
	}
	if p.bytes+int64(len(data)) > total {
		s.dropUploadLocked(ss, key)
		uploadErr(w, 1, "upload: more data than TotalLen")
		return
	}
	p.got[chunk] = data
	p.bytes += int64(len(data))
	if len(p.got) < p.chunks {
		writeWire(w, http.StatusOK, uploadResp{StartPos: p.bytes})
		return
	}

	s.dropUploadLocked(ss, key)
	h := md5.New()
	for i := range p.chunks {
		_, _ = h.Write(p.got[i])
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case p.bytes != total:
		uploadErr(w, 1, fmt.Sprintf("upload: got %d bytes, TotalLen %d", p.bytes, total))
		return
	case req.FileMd5 != "" && !strings.EqualFold(req.FileMd5, sum):
		uploadErr(w, 1, "upload: FileMd5 does not match the data")
		return
	}
	id := "@crypt_" + s.hex(4) + "_" + s.hex(48)
	if ss.media == nil {
		ss.media = map[string]media{}
	}
	ss.media[id] = media{size: total, md5: sum}
	ss.mediaQ = append(ss.mediaQ, id)
	if len(ss.mediaQ) > maxMedia {
		delete(ss.media, ss.mediaQ[0])
		ss.mediaQ = ss.mediaQ[1:]
	}
	s.broadcastLocked()
	s.log.Info("fake wechat upload", "media_id", id, "bytes", total, "chunks", p.chunks)
	writeWire(w, http.StatusOK, uploadResp{MediaId: id, StartPos: total, CDNThumbImgHeight: 100, CDNThumbImgWidth: 100})
}

func (s *Server) dropUploadLocked(ss *session, key string) {
	delete(ss.uploads, key)
	for i, k := range ss.uploadQ {
		if k == key {
			ss.uploadQ = append(ss.uploadQ[:i], ss.uploadQ[i+1:]...)
			break
		}
	}
}

// formFile reads the one file part named name.
func formFile(r *http.Request, name string) ([]byte, error) {
	fhs := r.MultipartForm.File[name]
	if len(fhs) != 1 {
		return nil, fmt.Errorf("want one file part %q, got %d", name, len(fhs))
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("file part %q is empty", name)
	}
	return data, nil
}

// POST <domain>/…/webwxsendmsgimg?fun=async&f=json&pass_ticket=…: like
// webwxsendmsg, with Msg.Type 3 and the MediaId of an upload of this
// session. Faults.SendRet refuses it as it refuses text.
func (s *Server) handleSendMsgImg(w http.ResponseWriter, r *http.Request) {
	var req struct {
		BaseRequest baseRequest
		Msg         struct {
			Type         int
			Content      string
			FromUserName string
			ToUserName   string
			LocalID      string
			ClientMsgId  string
			MediaId      string
		}
	}
	if !decodeBody(w, r, &req) {
		return
	}
	type sendResp struct {
		BaseResponse baseResponse
		MsgID        string
		LocalID      string
	}
	fail := func(ret int, msg string) {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: baseResponse{Ret: ret, ErrMsg: msg}})
	}
	m := req.Msg
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionFor(req.BaseRequest.Sid, req.BaseRequest.Skey, int64(req.BaseRequest.Uin))
	if ss == nil {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: sessionGone})
		return
	}
	if r.URL.Query().Get("pass_ticket") != ss.passTicket {
		fail(1, "pass_ticket mismatch")
		return
	}
	if ret, ok := s.takeSendFaultLocked(); ok {
		fail(ret, "")
		return
	}
	var (
		md media
		ok bool
	)
	switch {
	case m.FromUserName != ss.self:
		fail(1, "FromUserName is not the logged-in account")
		return
	case m.Type != msgImage:
		fail(1, fmt.Sprintf("Msg.Type %d is not an image (3)", m.Type))
		return
	case m.MediaId == "":
		fail(1, "missing MediaId")
		return
	}
	if md, ok = ss.media[m.MediaId]; !ok {
		// Never uploaded, or uploaded in an earlier session.
		fail(1, "unknown MediaId")
		return
	}
	sm := SentMessage{
		Time: s.now(), LocalID: m.LocalID, ClientMsgID: m.ClientMsgId, ToUserName: m.ToUserName, Type: m.Type,
		Media: MediaImage, Bytes: md.size, MD5: md.md5, MediaID: m.MediaId,
	}
	if br, ok := s.sendTargetLocked(ss, m.ToUserName, &sm); !ok {
		writeWire(w, http.StatusOK, sendResp{BaseResponse: br})
		return
	}
	id, n := s.msgID()
	sm.MsgID = id
	s.sent = appendBounded(s.sent, sm, s.opts.MaxRecords)
	if s.faults.EchoSends {
		// The real echo carries the picture's description as escaped XML.
		xml := fmt.Sprintf(`<?xml version="1.0"?><msg><img length="%d" md5="%s" /></msg>`, md.size, md.md5)
		s.appendLogLocked(ss, s.newMsgLocked(ss, msgImage, ss.self, m.ToUserName, html.EscapeString(xml), func(w *wireMsg) {
			w.MsgId, w.NewMsgId, w.ImgStatus = id, n, 2
		}))
	}
	s.broadcastLocked()
	s.log.Info("fake wechat sent image", "to", sm.To, "kind", sm.Kind, "bytes", md.size)
	writeWire(w, http.StatusOK, sendResp{MsgID: id, LocalID: m.LocalID})
}
