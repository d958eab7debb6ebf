package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Exit codes: 1 for bad input or a failed operation, 2 for bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// app carries everything a subcommand may touch, so tests can inject input,
// environment and the clock.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time

	// flags is the flag set of the command being run (the last newFlags),
	// so --help can list its flags.
	flags *flag.FlagSet
	// storePath is the store the command opened, named in errors about it.
	storePath string
}

// config holds settings filled from defaults, then WXDIGEST_* environment
// variables, then flags.
type config struct {
	DB         string // --db, WXDIGEST_DB
	Zone       string // --tz, WXDIGEST_TZ: the zone issue dates and schedules live in
	Source     string // --source, WXDIGEST_SOURCE: source name for imported pages
	Budget     int    // --budget, WXDIGEST_BUDGET: runes per message part
	LeadBudget int    // WXDIGEST_LEAD_BUDGET: runes per lead in a digest
	LogLevel   string // WXDIGEST_LOG_LEVEL: debug, info, warn, error

	loc *time.Location
}

func defaultConfig() config {
	return config{
		DB:         "wxdigest.db",
		Zone:       "Asia/Shanghai",
		Source:     "本报",
		Budget:     2000,
		LeadBudget: 120,
		LogLevel:   "warn",
	}
}

// loadConfig applies the environment over the defaults.
func loadConfig(getenv func(string) string) (config, error) {
	c := defaultConfig()
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) error {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s=%q: want a positive number", name, v)
		}
		*dst = n
		return nil
	}
	str("WXDIGEST_DB", &c.DB)
	str("WXDIGEST_TZ", &c.Zone)
	str("WXDIGEST_SOURCE", &c.Source)
	str("WXDIGEST_LOG_LEVEL", &c.LogLevel)
	if err := num("WXDIGEST_BUDGET", &c.Budget); err != nil {
		return c, err
	}
	if err := num("WXDIGEST_LEAD_BUDGET", &c.LeadBudget); err != nil {
		return c, err
	}
	return c, nil
}

// finish validates the config after flags are parsed.
func (c *config) finish() error {
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", c.Zone, err)
	}
	c.loc = loc
	if c.Budget <= 0 {
		return fmt.Errorf("budget %d: want a positive number of characters", c.Budget)
	}
	return nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// command is one subcommand. The list in commands() is also the usage text.
type command struct {
	name  string
	args  string
	short string
	run   func(ctx context.Context, a *app, cfg config, args []string) error
}

func commands() []command {
	return []command{
		{"parse", "FILE [--format text|json]", "parse a page and print its articles (no store)", cmdParse},
		{"import", "[--db PATH] [--date YYYY-MM-DD] [--source NAME] [--allow-private] FILE|URL...", "store the articles of pages ('-' reads stdin) or web article pages", cmdImport},
		{"digest", "[--db PATH] [--date D] [--format text|json|png] [--out FILE] [--font FILE] [--budget RUNES]", "print a day's digest as it would be sent, or draw it as an image card", cmdDigest},
		{"articles", "[list] [--db PATH] [--date D] [--format text|json] | edit --id N [--title T] [--lead L] [--byline B] | delete --id N", "list a day's stored articles; correct or withdraw one before it goes out", cmdArticles},
		{"search", "[--db PATH] [--limit N] QUERY", "search stored articles, newest first", cmdSearch},
		{"reindex", "[--db PATH]", "rebuild the search index from the stored articles", cmdReindex},
		{"sub", "add (--group NAME | --channel NAME) (--at HH:MM[,HH:MM] | --cron SPEC) [--style text|image|both] [--weekdays] [--tz ZONE] | list [--format json] | remove (--group NAME | --channel NAME)", "manage the groups and channels that get the digest, and when", cmdSub},
		{"channel", "add --name NAME (--wecom-robot URL | --wecom-corp CORPID --secret-file FILE --sender USERID [--chat-ids ID,…] [--api URL]) [--allow-private] | list [--format json] | remove --name NAME", "delivery channels beside personal WeChat: WeCom group robots and customer-group tasks", cmdChannel},
		{"role", "grant --remark REMARK --role admin|staff | list | revoke --remark REMARK", "grant roles to friends by the remark (备注) the bot owner gave them", cmdRole},
		{"user", "add --name NAME --role admin|staff [--password-file F] | list [--format json] | remove --name NAME | passwd --name NAME [--role R] [--password-file F]", "accounts of the web console (passwords read from the terminal, or the first line of a file)", cmdUser},
		{"token", "create --name NAME --role staff|admin | list [--format json] | revoke --name NAME", "bearer tokens of the JSON API; create prints the token once, alone on the last line", cmdToken},
		{"source", "add --name NAME --url URL [--every 30m] [--kind feed|page] | list [--format json] | remove --name NAME | enable|disable --name NAME | fetch [--name NAME] [--allow-private]", "sources the store fills itself from: RSS/Atom feeds and web pages", cmdSource},
		{"deliveries", "[--since YYYY-MM-DD] [--format json]", "list what was sent, skipped or missed", cmdDeliveries},
		{"calendar", "[--from YYYY-MM-DD] [--days N] [--format text|json] [--tz ZONE]", "China's working days and holidays (调休 included), as 工作日 subscriptions follow them", cmdCalendar},
		{"run", "[--db PATH] [--wechat-server URL] [--session FILE] [--no-wechat] [--alert-channel NAME] [--font FILE] [--allow-private]", "log the bot account in, start every channel and keep them delivering", cmdRun},
		{"fake-wechat", "[--listen 127.0.0.1:PORT]", "serve a fake WeChat web server with a JSON control API, for trying the bot offline", cmdFakeWeChat},
		{"fake-wecom", "[--listen 127.0.0.1:PORT]", "serve a fake WeCom server (group robots, customer-group tasks) with a JSON control API", cmdFakeWeCom},
		{"demo", "", "try the whole bot offline: a fake WeChat, a demo group with today's sample page, and a chat prompt", cmdDemo},
		{"backup", "[--db PATH] --out FILE", "write a consistent copy of the store (also while run is running), mode 0600", cmdBackup},
		{"migrate", "--from FILE.db --to postgres://…", "copy a SQLite store into PostgreSQL (safe to re-run); prints what it copied", cmdMigrate},
		{"version", "", "print the version, commit and Go version", cmdVersion},
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wxdigest COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n  %-11s   %s\n", c.name, c.args, "", c.short)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment: WXDIGEST_DB, WXDIGEST_TZ, WXDIGEST_SOURCE, WXDIGEST_BUDGET, WXDIGEST_LOG_LEVEL.")
}

// usageError marks an error as bad usage (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	if isHelpArg(name) {
		if len(args) > 1 && !isHelpArg(args[1]) {
			// wxdigest help CMD [VERB] is CMD [VERB] --help.
			return a.main(ctx, append(args[1:], "--help"))
		}
		a.usage(a.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		cfg, err := loadConfig(a.getenv)
		if err != nil {
			fmt.Fprintf(a.stderr, "wxdigest: %v\n", err)
			return exitUsage
		}
		err = c.run(ctx, a, cfg, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			a.printHelp(a.stdout, c, err)
			return exitOK
		case errors.As(err, new(usageError)):
			fmt.Fprintf(a.stderr, "wxdigest %s: %s\n", name, oneLine(userError(err.Error())))
			fmt.Fprintf(a.stderr, "usage: wxdigest %s %s\n", c.name, c.args)
			return exitUsage
		default:
			fmt.Fprintf(a.stderr, "wxdigest %s: %s\n", name, a.storeHint(oneLine(userError(err.Error()))))
			return exitFail
		}
	}
	fmt.Fprintf(a.stderr, "wxdigest: unknown command %q (try: wxdigest help)\n", name)
	return exitUsage
}

// oneLine keeps errors on one line whatever they wrap.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// packagePrefix matches the "data: ", "bot: " … that errors pick up on
// their way through the packages: useful in logs, noise to a user.
var packagePrefix = regexp.MustCompile(`(^|: )(data|bot|source|digest|card|workday|wechat): `)

// storeTrouble are SQLite's words for a store that cannot go on.
var storeTrouble = []string{"database or disk is full", "database disk image is malformed", "file is not a database",
	"disk I/O error", "search keys left"}

// storeHint names the store in an error about it, and says what helps.
func (a *app) storeHint(msg string) string {
	if a.storePath == "" || strings.Contains(msg, a.storePath) {
		return msg
	}
	for _, t := range storeTrouble {
		if strings.Contains(msg, t) {
			hint := ""
			switch t {
			case "database or disk is full", "disk I/O error":
				hint = "; free disk space where it lives"
			case "search keys left":
				hint = "; run wxdigest reindex"
			default:
				hint = "; restore a backup (wxdigest backup makes them)"
			}
			return msg + " (store " + a.storePath + hint + ")"
		}
	}
	return msg
}

// userError is an error message as a user reads it: no package prefixes.
func userError(s string) string {
	for {
		t := packagePrefix.ReplaceAllString(s, "$1")
		if t == s {
			return t
		}
		s = t
	}
}

// newFlags returns a flag set that reports errors instead of exiting; the
// app keeps it so --help can list its flags.
func newFlags(a *app, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // help is printed once, by main, to stdout
	a.flags = fs
	return fs
}

// parseFlags parses flags placed anywhere among the positional arguments
// (`parse FILE --format json` works as well as `parse --format json FILE`).
// A lone "-" is a positional argument (stdin), and "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, arg := range args {
		if arg == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs parses the flags of a command that takes no positional
// arguments, checks --format (when the command has one) and finishes cfg.
func parseNoArgs(fs *flag.FlagSet, args []string, cfg *config, format *string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if format != nil {
		if err := checkFormat(*format); err != nil {
			return err
		}
	}
	if err := cfg.finish(); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

func (a *app) today(cfg config) string {
	return a.now().In(cfg.loc).Format(time.DateOnly)
}

// parseDate checks a YYYY-MM-DD date flag and returns it as a civil date in loc.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, usagef("date %q: want YYYY-MM-DD", s)
	}
	return t, nil
}
