package bot

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/model"
)

// RouterConfig wires a Router. Store, Outbox are required; the rest have
// defaults.
type RouterConfig struct {
	Store      Store
	Outbox     Outbox
	Dispatcher Dispatcher        // nil: 推送 and 状态 say scheduling is off
	State      func() LoginState // the transport's State; nil: unknown
	Now        func() time.Time  // default time.Now
	Logger     *slog.Logger      // default: discard
	Zone       *time.Location    // dates and schedules; default Asia/Shanghai
	Budget     int               // runes per message part; ≤ 0: digest.DefaultBudget
	LeadBudget int               // runes per lead; ≤ 0: digest.DefaultLeadBudget
	Limits     Limits            // zero fields: DefaultLimits
	// FetchArticle reads the page of a 公众号 article card staff forward;
	// nil: only the card's title and description are kept.
	FetchArticle func(ctx context.Context, url string) (digest.Article, error)
	// Forwards keeps forwarded articles; nil: Store, when it has
	// ImportFetched (as *data.Store does).
	Forwards ForwardStore
	// Channels lists the other delivery channels for 状态; nil: none.
	Channels func() []WatchedChannel
	// Claim is asked before a command said in a group is answered: when
	// several accounts of one store are in the group, each sees the
	// message, and only the one whose claim wins answers. nil: always
	// answer.
	Claim func(ctx context.Context, m Message) bool
	// Approvals keeps the 审核 of held digests, for 批准; nil: 批准 says
	// approval is not in use.
	Approvals ApprovalStore
	// OnCommand is told how long each command took to handle, by its
	// alias (for metrics); nil: nobody is.
	OnCommand func(command string, d time.Duration)
}

// Router turns incoming chat messages into command replies. Handle is
// meant to be called from one goroutine; Shown may be called from any.
type Router struct {
	store      Store
	out        Outbox
	disp       Dispatcher
	state      func() LoginState
	now        func() time.Time
	log        *slog.Logger
	zone       *time.Location
	zoneName   string // passed to subscriptions; "" when the zone has no IANA name
	budget     int
	leadBudget int
	fetch      func(ctx context.Context, url string) (digest.Article, error)
	forwards   ForwardStore
	channels   func() []WatchedChannel

	cmds    []command
	byWord  map[string]command // Chinese words
	byAlias map[string]command // English aliases, lower case
	prefix  []string           // words taking attached arguments, longest first

	claim     func(ctx context.Context, m Message) bool
	approvals ApprovalStore
	onCommand func(command string, d time.Duration)

	senders *rateWindow // per resident
	chats   *rateWindow // per chat, residents only
	digests *rateOnce   // on-demand digests per chat and day

	mu       sync.Mutex
	shown    map[Target][]int64 // the numbered digest last shown per chat (Target.Key), for 详情 N
	searched map[Target][]int64 // the last search's hits per chat (Target.Key), for 详情 搜N
	// approvalsShown is what 批准 last listed per chat, for 批准 N.
	approvalsShown map[Target][]model.Approval
}

// maxCommandRunes: longer messages are chat, never commands — except
// those of a command that takes free text (修改 with a new lead), up to
// maxTextCommandRunes.
const (
	maxCommandRunes     = 100
	maxTextCommandRunes = 600
)

// NewRouter builds a router from cfg.
func NewRouter(cfg RouterConfig) *Router {
	r := &Router{
		store:      cfg.Store,
		out:        cfg.Outbox,
		disp:       cfg.Dispatcher,
		state:      cfg.State,
		now:        cfg.Now,
		log:        cfg.Logger,
		zone:       cfg.Zone,
		budget:     cfg.Budget,
		leadBudget: cfg.LeadBudget,
		fetch:      cfg.FetchArticle,
		forwards:   cfg.Forwards,
		channels:   cfg.Channels,
		claim:      cfg.Claim,
		approvals:  cfg.Approvals,
		onCommand:  cfg.OnCommand,
		byWord:     make(map[string]command),
		byAlias:    make(map[string]command),
		shown:      make(map[Target][]int64),
		searched:   make(map[Target][]int64),

		approvalsShown: make(map[Target][]model.Approval),
	}
	if r.now == nil {
		r.now = time.Now
	}
	if fs, ok := cfg.Store.(ForwardStore); ok && r.forwards == nil {
		r.forwards = fs
	}
	if r.log == nil {
		r.log = discardLogger()
	}
	if r.zone == nil {
		if loc, err := time.LoadLocation(DefaultZone); err == nil {
			r.zone, r.zoneName = loc, DefaultZone
		} else {
			// China has had no DST since 1991, so a fixed +8 is exact.
			r.zone = time.FixedZone("CST", 8*3600)
			r.log.Warn("time zone data missing; using UTC+8", "zone", DefaultZone, "err", err)
		}
	} else if _, err := time.LoadLocation(r.zone.String()); err == nil && r.zone.String() != "Local" {
		r.zoneName = r.zone.String()
	}
	if r.budget <= 0 {
		r.budget = digest.DefaultBudget
	}
	if r.leadBudget <= 0 {
		r.leadBudget = digest.DefaultLeadBudget
	}
	lim := cfg.Limits.withDefaults()
	r.senders = newRateWindow(lim.PerSender, lim.SenderWindow)
	r.chats = newRateWindow(lim.PerChat, lim.ChatWindow)
	r.digests = newRateOnce(lim.DigestEvery)

	r.cmds = rtCommands()
	for _, c := range r.cmds {
		in := c.info()
		for _, w := range in.words {
			r.byWord[w] = c
			if in.attached != nil {
				r.prefix = append(r.prefix, w)
			}
		}
		if in.alias != "" {
			r.byAlias[in.alias] = c
		}
	}
	// Longest first, so 今日新闻 is tried before 新闻 would be.
	for i := 1; i < len(r.prefix); i++ {
		for j := i; j > 0 && len(r.prefix[j]) > len(r.prefix[j-1]); j-- {
			r.prefix[j], r.prefix[j-1] = r.prefix[j-1], r.prefix[j]
		}
	}
	return r
}

// manager is the shared management code, as chat uses it.
func (r *Router) manager() Manager {
	return Manager{Store: r.store, Dispatcher: r.disp, Now: r.now, Logger: r.log}
}

// audit records a change made from chat.
func (r *Router) audit(ctx context.Context, who, action, detail string) error {
	return r.manager().audit(ctx, who, action, detail)
}

// Shown records the numbered articles last shown in chat — a digest on
// demand, a preview, or a scheduled push — so that 详情 N there means item
// N of it (a search has its own numbering, 详情 搜N). An empty ids forgets the chat's list.
func (r *Router) Shown(chat Target, ids []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(ids) == 0 {
		delete(r.shown, chat.Key())
		return
	}
	r.shown[chat.Key()] = append([]int64(nil), ids...)
}

// searchedIDs is the last search's hits in chat; ok is false when none.
func (r *Router) searchedIDs(chat Target) (ids []int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, ok = r.searched[chat.Key()]
	return ids, ok
}

// shownIDs is the list last shown in chat; ok is false when none was.
func (r *Router) shownIDs(chat Target) (ids []int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, ok = r.shown[chat.Key()]
	return ids, ok
}

// matchKind is what a message turned out to be.
type matchKind int

const (
	matchNone    matchKind = iota // plain chat: stay silent
	matchCommand                  // a known command
	matchHint                     // addressed to the bot but unknown: point to 帮助
)

// match recognises a command: the whole text is a command word and its
// arguments, or "/alias args". Mentions are already stripped by the
// transport.
func (r *Router) match(text string) (command, string, matchKind) {
	s := rtTrimTrailing(rtNormalize(text))
	n := utf8.RuneCountInString(s)
	if s == "" || n > maxTextCommandRunes {
		return nil, "", matchNone
	}
	c, args, kind := r.matchWords(s)
	if n > maxCommandRunes && (c == nil || !c.info().freeText) {
		return nil, "", matchNone
	}
	return c, args, kind
}

func (r *Router) matchWords(s string) (command, string, matchKind) {
	if s[0] == '/' {
		name, args, _ := strings.Cut(s[1:], " ")
		c := r.byAlias[strings.ToLower(name)]
		if c == nil {
			c = r.byWord[name]
		}
		if c == nil {
			// "/xyz" looks like a command; "/::)" (a WeChat emoticon) or
			// a path does not.
			if rtIsASCIIWord(name) {
				return nil, "", matchHint
			}
			return nil, "", matchNone
		}
		if args != "" && !c.info().takesArgs {
			return nil, "", matchNone
		}
		return c, args, matchCommand
	}
	word, args, _ := strings.Cut(s, " ")
	if c := r.byWord[word]; c != nil {
		if args != "" && !c.info().takesArgs {
			return nil, "", matchNone
		}
		return c, args, matchCommand
	}
	for _, w := range r.prefix {
		rest, ok := strings.CutPrefix(s, w)
		if !ok || rest == "" || strings.HasPrefix(rest, " ") {
			continue
		}
		if c := r.byWord[w]; c.info().attached(rest) {
			return c, rest, matchCommand
		}
	}
	return nil, "", matchNone
}

// rtDropTrailingMention removes a final "@name" word: the transport strips
// a leading mention of the bot, but people also put it last
// ("今日新闻 @中原区新闻").
func rtDropTrailingMention(text string) string {
	s := rtNormalize(text)
	if i := strings.LastIndexByte(s, ' '); i >= 0 && strings.HasPrefix(s[i+1:], "@") {
		return s[:i]
	}
	return text
}

// rtIsASCIIWord reports a non-empty run of ASCII letters (and digits after
// the first letter).
func rtIsASCIIWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

// rtChatKey names a chat in rate-limit keys.
func rtChatKey(t Target) string { return string(t.Kind) + ":" + t.Name }

// rtSenderKey names a sender within a chat in rate-limit keys. Nick is
// fine here — it only decides whose turn it is, never what anyone may do.
func rtSenderKey(m Message) string {
	if m.From.Remark != "" {
		return rtChatKey(m.Chat) + "|r:" + m.From.Remark
	}
	return rtChatKey(m.Chat) + "|n:" + m.From.Nick
}

// Handle answers one message when it is a command. It never panics and
// replies only through the Outbox.
func (r *Router) Handle(ctx context.Context, m Message) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("router: panic handling message", "chat", m.Chat.Name, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	if m.Article != nil {
		r.forward(ctx, m) // a forwarded article card is never a command
		return
	}
	text := m.Text
	if m.Mention {
		text = rtDropTrailingMention(text)
	}
	cmd, args, kind := r.match(text)
	if kind == matchNone && m.Mention && m.Chat.Kind == ChatGroup {
		kind = matchHint // "@bot 你好": addressed to the bot, so answer
	}
	if kind == matchNone {
		return
	}
	if m.Chat.Kind == ChatGroup && r.claim != nil && !r.claim(ctx, m) {
		r.log.Debug("router: another account answers", "chat", m.Chat.Name, "id", m.ID)
		return
	}
	now := r.now()
	role, err := SenderRole(ctx, r.store, m.From)
	if err != nil {
		r.log.Warn("router: role lookup failed; treating as resident", "remark", m.From.Remark, "err", err)
	}
	if role == RoleResident && !r.admit(m, now) {
		return
	}
	if kind == matchHint {
		r.out.Reply(m.Chat, "没有这个命令，发送“帮助”查看可用命令")
		return
	}
	in := cmd.info()
	if role < in.role {
		r.log.Info("router: refused", "command", in.words[0], "chat", m.Chat.Name, "remark", m.From.Remark, "nick", m.From.Nick)
		r.out.Reply(m.Chat, "“"+in.words[0]+"”需要"+in.role.zh()+"权限。发送“帮助”查看您能用的命令")
		return
	}
	if in.role > RoleResident {
		r.log.Info("router: command", "command", in.words[0], "args", args, "chat", m.Chat.Name, "who", auditWho(m.From))
	}
	began := time.Now()
	cmd.run(ctx, &call{r: r, m: m, role: role, args: args, now: now})
	if r.onCommand != nil {
		// Real time, not the injected clock: this measures the work.
		r.onCommand(in.alias, time.Since(began))
	}
}

// admit applies the resident limits, giving one notice when a limit is
// first hit and silence after that.
func (r *Router) admit(m Message, now time.Time) bool {
	switch r.senders.take(rtSenderKey(m), now) {
	case rateNotice:
		// The notice is a message in the group too: it counts against
		// the group's own cap, and is left out when that is spent.
		if r.chats.take(rtChatKey(m.Chat), now) == rateAllow {
			wait := r.senders.wait(rtSenderKey(m), now).Round(time.Second)
			r.out.Reply(m.Chat, "您发得太频繁了，请"+rtDurationZH(max(wait, time.Second))+"后再试")
		}
		return false
	case rateSilent:
		return false
	}
	switch r.chats.take(rtChatKey(m.Chat), now) {
	case rateNotice:
		r.out.Reply(m.Chat, "大家发得太快了，请"+rtDurationZH(r.chats.window)+"后再试")
		return false
	case rateSilent:
		return false
	}
	return true
}

// rtDurationZH writes a short duration for chat: "1分钟", "30秒".
func rtDurationZH(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "小时"
	case d >= time.Minute:
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + "分钟"
	default:
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + "秒"
	}
}
