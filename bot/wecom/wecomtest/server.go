package wecomtest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Documented limits the fake enforces (docs/wecom.md).
const (
	TextMaxBytes         = 2048
	MarkdownMaxBytes     = 4096
	ImageMaxBytes        = 2 << 20
	NewsMaxArticles      = 8
	RobotPerMinute       = 20
	TokenLifetime        = 7200 * time.Second
	TemplateTextMaxBytes = 4000
	ChatIDsMax           = 2000
)

// Error codes the fake answers with; names follow WeCom's global error code
// table. Where WeCom documents no code for a case, the closest documented
// one is used and docs/wecom.md says so.
const (
	codeBadSecret     = 40001
	codeBadUserID     = 40003
	codeBadMsgType    = 40008
	codeBadImageSize  = 40009
	codeBadCorpID     = 40013
	codeBadToken      = 40014
	codeBadParam      = 40058
	codeNoToken       = 41001
	codeNoCorpID      = 41002
	codeNoSecret      = 41004
	codeNoUserID      = 41009
	codeNoURL         = 41010
	codeNoTitle       = 41016
	codeNoMsgID       = 41046
	codeBadMsgID      = 41047
	codeNoCustomer    = 41048
	codeTokenExpired  = 42001
	codeEmptyContent  = 44004
	codeTooLong       = 45002
	codeTooManyNews   = 45008
	codeRateLimited   = 45009
	codeInvalidRobot  = 93000
	codeNotFound      = 404 // not a WeCom code: unknown path on the fake
	maxRequestBody    = 8 << 20
	maxRequestsLogged = 10000
)

// china is the zone WeCom's "natural month" quota counts in.
var china = time.FixedZone("CST", 8*3600)

// Config sets up a Server.
type Config struct {
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard
}

// SentMessage is one message the fake accepted: a robot post, or a
// customer-group task (key is then the corp id, content the text).
type SentMessage struct {
	API       string `json:"api"` // "webhook" | "msg_template"
	Key       string `json:"key"`
	Group     string `json:"group,omitempty"`
	MsgType   string `json:"msgtype"`
	Content   string `json:"content"`
	Bytes     int    `json:"bytes"`
	MD5       string `json:"md5,omitempty"`
	MsgID     string `json:"msgid,omitempty"`
	Confirmed bool   `json:"confirmed,omitempty"`
	Time      string `json:"time"` // RFC3339
}

// Request is one API request the fake saw, credentials redacted.
type Request struct {
	Time    string `json:"time"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query,omitempty"`
	API     string `json:"api"`
	ErrCode int    `json:"errcode"`
}

type robot struct {
	group   string
	removed bool
	sends   []time.Time // accepted sends inside the last minute
}

type corp struct {
	secret  string
	senders map[string]bool
}

type token struct {
	corpID  string
	expires time.Time
}

type task struct {
	msgID     string
	corpID    string
	sender    string
	chatIDs   []string
	failed    map[string]bool // chat ids over quota
	text      string
	created   time.Time
	confirmed bool
	sendTime  time.Time
	sentIdx   int // index in Server.sent
}

// Server is the fake. Safe for concurrent use.
type Server struct {
	now func() time.Time
	log *slog.Logger

	mu         sync.Mutex
	robots     map[string]*robot
	corps      map[string]*corp
	tokens     map[string]*token
	tasks      map[string]*task
	quota      int            // per group per month; 0: days in the month
	quotaUsed  map[string]int // corpid|bucket|yyyy-mm → tasks
	faultCode  int
	faultTimes int
	sent       []SentMessage
	requests   []Request
	seq        int
}

// New returns an empty fake: no robots, no corps.
func New(cfg Config) *Server {
	s := &Server{
		now:       cfg.Now,
		log:       cfg.Logger,
		robots:    map[string]*robot{},
		corps:     map[string]*corp{},
		tokens:    map[string]*token{},
		tasks:     map[string]*task{},
		quotaUsed: map[string]int{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// AddRobot makes key a working robot of the named group (again, if it was
// removed).
func (s *Server) AddRobot(key, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots[key] = &robot{group: group}
}

// RemoveRobot removes the robot from its group: its key now gets 93000.
func (s *Server) RemoveRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.robots[key]; r != nil {
		r.removed = true
	} else {
		s.robots[key] = &robot{removed: true}
	}
}

// AddCorp registers a corp, its app secret and the staff userids that may
// send customer-group tasks. Adding a corp again replaces its secret and
// adds senders.
func (s *Server) AddCorp(corpID, secret string, senders ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.corps[corpID]
	if c == nil {
		c = &corp{senders: map[string]bool{}}
		s.corps[corpID] = c
	}
	c.secret = secret
	for _, u := range senders {
		c.senders[u] = true
	}
}

// Fault makes the next times API calls (any endpoint outside /_fake/) fail
// with errcode. times <= 0 clears it.
func (s *Server) Fault(errcode, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultCode, s.faultTimes = errcode, max(times, 0)
}

// Confirm is the sender confirming a customer-group task in the app.
func (s *Server) Confirm(msgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tasks[msgID]
	if t == nil {
		return fmt.Errorf("no task %q", msgID)
	}
	if !t.confirmed {
		t.confirmed, t.sendTime = true, s.now()
		s.sent[t.sentIdx].Confirmed = true
	}
	return nil
}

// Sent lists the accepted messages, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// Requests lists the API requests seen, oldest first (the last 10000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ExpireTokens expires every token issued so far (calls get 42001), as
// WeCom may do before expires_in runs out.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, t := range s.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// SetQuota sets how many customer-group tasks one group may receive per
// month. n <= 0 restores the documented default: as many as the month has
// days.
func (s *Server) SetQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = max(n, 0)
}

// Handler serves the WeCom endpoints and the /_fake/ control API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/webhook/send", s.api("webhook/send", s.webhookSend))
	mux.HandleFunc("/cgi-bin/gettoken", s.api("gettoken", s.getToken))
	mux.HandleFunc("/cgi-bin/externalcontact/add_msg_template", s.api("externalcontact/add_msg_template", s.authed(s.addMsgTemplate)))
	mux.HandleFunc("/cgi-bin/externalcontact/get_groupmsg_task", s.api("externalcontact/get_groupmsg_task", s.authed(s.getGroupMsgTask)))
	mux.HandleFunc("/cgi-bin/externalcontact/get_groupmsg_send_result", s.api("externalcontact/get_groupmsg_send_result", s.authed(s.getGroupMsgSendResult)))
	mux.HandleFunc("/_fake/", s.control)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.logRequest(r, "", codeNotFound)
		writeJSON(w, http.StatusNotFound, map[string]any{"errcode": codeNotFound, "errmsg": "not found: " + r.URL.Path})
	})
	return mux
}

// answer is an API reply: errcode 0 plus fields, or an error.
type answer map[string]any

func fail(code int, msg string) answer { return answer{"errcode": code, "errmsg": msg} }

// api wraps an endpoint: fault injection, logging, the JSON reply. The
// handler runs with s.mu held.
func (s *Server) api(name string, h func(r *http.Request, body []byte) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		s.mu.Lock()
		var a answer
		switch {
		case s.faultTimes > 0:
			s.faultTimes--
			a = fail(s.faultCode, "fault injected by the fake")
		case err != nil || len(body) > maxRequestBody:
			a = fail(codeBadParam, "request body unreadable or too large")
		default:
			a = h(r, body)
		}
		if _, ok := a["errcode"]; !ok {
			a["errcode"], a["errmsg"] = 0, "ok"
		}
		code, _ := a["errcode"].(int)
		s.logRequest(r, name, code)
		s.mu.Unlock()
		if code != 0 {
			s.log.Debug("fake wecom error", "api", name, "errcode", code, "errmsg", a["errmsg"])
		}
		writeJSON(w, http.StatusOK, a)
	}
}

// logRequest records r; s.mu must be held.
func (s *Server) logRequest(r *http.Request, api string, code int) {
	if len(s.requests) >= maxRequestsLogged {
		s.requests = s.requests[1:]
	}
	s.requests = append(s.requests, Request{
		Time: s.now().UTC().Format(time.RFC3339), Method: r.Method, Path: r.URL.Path,
		Query: redactQuery(r.URL.Query()), API: api, ErrCode: code,
	})
}

func redactQuery(q url.Values) string {
	for k, vs := range q {
		switch k {
		case "key", "access_token", "corpsecret":
			for i, v := range vs {
				vs[i] = redact(v)
			}
		}
	}
	return q.Encode()
}

func redact(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return "…"
	}
	return "…" + string(r[len(r)-4:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08d", prefix, s.seq)
}

// decodeBody parses a JSON request body; WeCom's answer to bad JSON carries
// "Warning: wrong json format." in errmsg.
func decodeBody(body []byte, v any) answer {
	if err := json.Unmarshal(body, v); err != nil {
		return fail(codeBadParam, "Warning: wrong json format. "+strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return nil
}

// ---- group robot ----

type webhookReq struct {
	MsgType string `json:"msgtype"`
	Text    *struct {
		Content string `json:"content"`
	} `json:"text"`
	Markdown *struct {
		Content string `json:"content"`
	} `json:"markdown"`
	Image *struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	} `json:"image"`
	News *struct {
		Articles []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			URL         string `json:"url"`
			PicURL      string `json:"picurl"`
		} `json:"articles"`
	} `json:"news"`
}

func (s *Server) webhookSend(r *http.Request, body []byte) answer {
	if r.Method != http.MethodPost {
		return fail(codeBadParam, "webhook/send takes POST")
	}
	key := r.URL.Query().Get("key")
	rb := s.robots[key]
	if key == "" || rb == nil || rb.removed {
		return fail(codeInvalidRobot, "invalid webhook url")
	}
	now := s.now()
	kept := rb.sends[:0]
	for _, t := range rb.sends {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	rb.sends = kept
	if len(rb.sends) >= RobotPerMinute {
		return fail(codeRateLimited, "api freq out of limit")
	}
	var req webhookReq
	if a := decodeBody(body, &req); a != nil {
		return a
	}
	msg := SentMessage{API: "webhook", Key: key, Group: rb.group, MsgType: req.MsgType, Time: now.UTC().Format(time.RFC3339)}
	switch req.MsgType {
	case "text", "markdown":
		limit, part := TextMaxBytes, req.Text
		if req.MsgType == "markdown" {
			limit, part = MarkdownMaxBytes, req.Markdown
		}
		if part == nil || part.Content == "" {
			return fail(codeEmptyContent, "empty content")
		}
		if len(part.Content) > limit {
			return fail(codeTooLong, fmt.Sprintf("content size out of limit (%d > %d bytes)", len(part.Content), limit))
		}
		msg.Content, msg.Bytes = part.Content, len(part.Content)
	case "image":
		if req.Image == nil || req.Image.Base64 == "" || req.Image.MD5 == "" {
			return fail(codeBadParam, "image needs base64 and md5")
		}
		raw, err := base64.StdEncoding.DecodeString(req.Image.Base64)
		if err != nil {
			return fail(codeBadParam, "invalid base64")
		}
		if len(raw) > ImageMaxBytes {
			return fail(codeBadImageSize, fmt.Sprintf("image size out of limit (%d > %d bytes)", len(raw), ImageMaxBytes))
		}
		sum := md5.Sum(raw)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), req.Image.MD5) {
			return fail(codeBadParam, "image md5 mismatch")
		}
		msg.Bytes, msg.MD5 = len(raw), hex.EncodeToString(sum[:])
	case "news":
		if req.News == nil || len(req.News.Articles) == 0 {
			return fail(codeBadParam, "news needs articles")
		}
		if len(req.News.Articles) > NewsMaxArticles {
			return fail(codeTooManyNews, "news holds at most 8 articles")
		}
		titles := make([]string, len(req.News.Articles))
		for i, a := range req.News.Articles {
			if a.Title == "" {
				return fail(codeNoTitle, "missing title")
			}
			if a.URL == "" {
				return fail(codeNoURL, "missing url")
			}
			titles[i] = a.Title
		}
		msg.Content = strings.Join(titles, "\n")
		msg.Bytes = len(msg.Content)
	case "":
		return fail(codeBadMsgType, "missing msgtype")
	default:
		return fail(codeBadMsgType, "invalid message type (the fake models text, markdown, image, news)")
	}
	rb.sends = append(rb.sends, now)
	s.sent = append(s.sent, msg)
	return answer{}
}

// ---- access token ----

func (s *Server) getToken(r *http.Request, _ []byte) answer {
	q := r.URL.Query()
	id, secret := q.Get("corpid"), q.Get("corpsecret")
	switch {
	case id == "":
		return fail(codeNoCorpID, "corpid missing")
	case secret == "":
		return fail(codeNoSecret, "corpsecret missing")
	}
	c := s.corps[id]
	if c == nil {
		return fail(codeBadCorpID, "invalid corpid")
	}
	if secret != c.secret {
		return fail(codeBadSecret, "invalid credential")
	}
	now := s.now()
	tok := s.nextID("faketoken-" + id + "-")
	s.tokens[tok] = &token{corpID: id, expires: now.Add(TokenLifetime)}
	return answer{"access_token": tok, "expires_in": int(TokenLifetime / time.Second)}
}

// authed checks access_token before h runs, with the corp it belongs to.
func (s *Server) authed(h func(r *http.Request, body []byte, corpID string) answer) func(*http.Request, []byte) answer {
	return func(r *http.Request, body []byte) answer {
		if r.Method != http.MethodPost {
			return fail(codeBadParam, "this API takes POST")
		}
		tok := r.URL.Query().Get("access_token")
		if tok == "" {
			return fail(codeNoToken, "access_token missing")
		}
		t := s.tokens[tok]
		if t == nil {
			return fail(codeBadToken, "invalid access_token")
		}
		if !s.now().Before(t.expires) {
			return fail(codeTokenExpired, "access_token expired")
		}
		return h(r, body, t.corpID)
	}
}

// ---- customer-group mass send ----

func (s *Server) groupQuota(now time.Time) int {
	if s.quota > 0 {
		return s.quota
	}
	t := now.In(china)
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, china).Day()
}

func (s *Server) addMsgTemplate(_ *http.Request, body []byte, corpID string) answer {
	var req struct {
		ChatType   string   `json:"chat_type"`
		Sender     string   `json:"sender"`
		ChatIDList []string `json:"chat_id_list"`
		Text       struct {
			Content string `json:"content"`
		} `json:"text"`
		Attachments []json.RawMessage `json:"attachments"`
	}
	if a := decodeBody(body, &req); a != nil {
		return a
	}
	switch {
	case req.ChatType != "group":
		return fail(codeBadParam, `the fake models chat_type "group" only`)
	case req.Sender == "":
		return fail(codeNoUserID, "sender is required for chat_type group")
	case !s.corps[corpID].senders[req.Sender]:
		return fail(codeBadUserID, "invalid userid: "+req.Sender)
	case len(req.Attachments) > 0:
		return fail(codeBadParam, "the fake models text only")
	case req.Text.Content == "":
		return fail(codeEmptyContent, "empty content")
	case len(req.Text.Content) > TemplateTextMaxBytes:
		return fail(codeTooLong, fmt.Sprintf("text content size out of limit (%d > %d bytes)", len(req.Text.Content), TemplateTextMaxBytes))
	case len(req.ChatIDList) > ChatIDsMax:
		return fail(codeBadParam, fmt.Sprintf("chat_id_list holds at most %d ids", ChatIDsMax))
	}
	now := s.now()
	month := now.In(china).Format("2006-01")
	limit := s.groupQuota(now)
	// Without a chat list the sender chooses among all their groups; the
	// fake counts that against one bucket per sender.
	buckets := req.ChatIDList
	if len(buckets) == 0 {
		buckets = []string{"all-groups-of:" + req.Sender}
	}
	failed := map[string]bool{}
	failList := []string{}
	for _, b := range buckets {
		if s.quotaUsed[corpID+"|"+b+"|"+month] >= limit {
			failed[b] = true
			if len(req.ChatIDList) > 0 {
				failList = append(failList, b)
			}
		}
	}
	if len(failed) == len(buckets) {
		return fail(codeNoCustomer, "no customer group can receive this month (quota used up)")
	}
	for _, b := range buckets {
		if !failed[b] {
			s.quotaUsed[corpID+"|"+b+"|"+month]++
		}
	}
	t := &task{
		msgID: s.nextID("msgFAKE"), corpID: corpID, sender: req.Sender,
		chatIDs: append([]string(nil), req.ChatIDList...), failed: failed,
		text: req.Text.Content, created: now, sentIdx: len(s.sent),
	}
	s.tasks[t.msgID] = t
	s.sent = append(s.sent, SentMessage{
		API: "msg_template", Key: corpID, Group: strings.Join(req.ChatIDList, ","), MsgType: "text",
		Content: t.text, Bytes: len(t.text), MsgID: t.msgID, Time: now.UTC().Format(time.RFC3339),
	})
	return answer{"msgid": t.msgID, "fail_list": failList}
}

func (s *Server) findTask(body []byte, corpID string) (*task, answer) {
	var req struct {
		MsgID string `json:"msgid"`
	}
	if a := decodeBody(body, &req); a != nil {
		return nil, a
	}
	if req.MsgID == "" {
		return nil, fail(codeNoMsgID, "msgid missing")
	}
	t := s.tasks[req.MsgID]
	if t == nil || t.corpID != corpID {
		return nil, fail(codeBadMsgID, "invalid msgid")
	}
	return t, nil
}

func (s *Server) getGroupMsgTask(_ *http.Request, body []byte, corpID string) answer {
	t, a := s.findTask(body, corpID)
	if a != nil {
		return a
	}
	row := map[string]any{"userid": t.sender, "status": 0}
	if t.confirmed {
		row["status"], row["send_time"] = 2, t.sendTime.Unix()
	}
	return answer{"next_cursor": "", "task_list": []any{row}}
}

func (s *Server) getGroupMsgSendResult(_ *http.Request, body []byte, corpID string) answer {
	t, a := s.findTask(body, corpID)
	if a != nil {
		return a
	}
	rows := []any{}
	for _, id := range t.chatIDs {
		row := map[string]any{"chat_id": id, "userid": t.sender, "status": 0}
		switch {
		case t.failed[id]:
			row["status"] = 3 // 因已经收到其他群发消息导致发送失败
		case t.confirmed:
			row["status"], row["send_time"] = 1, t.sendTime.Unix()
		}
		rows = append(rows, row)
	}
	return answer{"next_cursor": "", "send_list": rows}
}

// ---- control API ----

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	bad := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.ReplaceAll(msg, "\n", " ")})
	}
	read := func(v any) bool {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			bad("bad JSON body: " + err.Error())
			return false
		}
		return true
	}
	ok := func() { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) }
	route := r.Method + " " + r.URL.Path
	switch route {
	case "POST /_fake/robots":
		var v struct{ Key, Group string }
		if !read(&v) {
			return
		}
		if v.Key == "" {
			bad("key is required")
			return
		}
		s.AddRobot(v.Key, v.Group)
		ok()
	case "DELETE /_fake/robots":
		key := r.URL.Query().Get("key")
		if key == "" {
			bad("key is required (?key=K)")
			return
		}
		s.RemoveRobot(key)
		ok()
	case "POST /_fake/corps":
		var v struct {
			CorpID  string   `json:"corpid"`
			Secret  string   `json:"secret"`
			Senders []string `json:"senders"`
		}
		if !read(&v) {
			return
		}
		if v.CorpID == "" || v.Secret == "" {
			bad("corpid and secret are required")
			return
		}
		s.AddCorp(v.CorpID, v.Secret, v.Senders...)
		ok()
	case "POST /_fake/faults":
		var v struct {
			ErrCode *int `json:"errcode"`
			Times   int  `json:"times"`
		}
		if !read(&v) {
			return
		}
		if v.ErrCode == nil || v.Times < 0 {
			bad("errcode is required and times must be >= 0")
			return
		}
		s.Fault(*v.ErrCode, v.Times)
		ok()
	case "POST /_fake/confirm":
		var v struct {
			MsgID string `json:"msgid"`
		}
		if !read(&v) {
			return
		}
		if err := s.Confirm(v.MsgID); err != nil {
			bad(err.Error())
			return
		}
		ok()
	case "POST /_fake/expire-tokens":
		s.ExpireTokens()
		ok()
	case "POST /_fake/quota":
		var v struct {
			N int `json:"n"`
		}
		if !read(&v) {
			return
		}
		s.SetQuota(v.N)
		ok()
	case "GET /_fake/sent":
		writeJSON(w, http.StatusOK, s.Sent())
	case "GET /_fake/requests":
		writeJSON(w, http.StatusOK, s.Requests())
	default:
		if strings.HasPrefix(r.URL.Path, "/_fake/") {
			bad("unknown control request " + route)
			return
		}
		bad("unknown control request")
	}
}
