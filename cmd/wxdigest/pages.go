package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/digest"
	"github.com/wxdigest/wxdigest/pgstore"
)

// maxPageBytes bounds what is read from one input: a newspaper page is tens
// of kilobytes, so anything this large is not a page.
const maxPageBytes = 32 << 20

// readPage reads and parses one page file ("-" is stdin). Every error names
// the file.
func (a *app) readPage(path string) ([]digest.Article, error) {
	name := path
	var r io.Reader
	if path == "-" {
		name = "stdin"
		r = a.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, describeOpenError(err))
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory, want a page text file", path)
		}
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if len(b) > maxPageBytes {
		return nil, fmt.Errorf("%s: larger than %d MB, not a page", name, maxPageBytes>>20)
	}
	text, err := digest.DecodeText(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	arts, err := digest.ParsePage(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return arts, nil
}

func describeOpenError(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("no such file")
	case errors.Is(err, os.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func cmdParse(_ context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "parse")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one FILE, got %d", len(pos))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	arts, err := a.readPage(pos[0])
	if err != nil {
		return err
	}
	if *format == "json" {
		out := struct {
			Articles []parsedJSON `json:"articles"`
		}{Articles: make([]parsedJSON, 0, len(arts))}
		for _, x := range arts {
			out.Articles = append(out.Articles, toParsedJSON(x))
		}
		return writeJSON(a.stdout, out)
	}
	for i, x := range arts {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		writeArticleText(a.stdout, i+1, x)
	}
	return nil
}

type parsedJSON struct {
	Kicker   string `json:"kicker"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Dateline string `json:"dateline"`
	Byline   string `json:"byline"`
	Lead     string `json:"lead"`
	Body     string `json:"body"`
}

func toParsedJSON(x digest.Article) parsedJSON {
	return parsedJSON{x.Kicker, x.Title, x.Subtitle, x.Dateline, x.Byline, x.Lead, x.Body}
}

// writeArticleText prints an article for a terminal reader: labelled fields,
// then the body.
func writeArticleText(w io.Writer, n int, x digest.Article) {
	fmt.Fprintf(w, "[%d] %s\n", n, x.Title)
	field := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "    %s：%s\n", label, v)
		}
	}
	field("引题", x.Kicker)
	field("副题", x.Subtitle)
	field("电头", x.Dateline)
	field("署名", x.Byline)
	field("来源", x.Source)
	field("日期", x.Date)
	field("链接", x.URL)
	field("导语", x.Lead)
	fmt.Fprintf(w, "    正文：%d段，%d字\n", strings.Count(x.Body, "\n")+1, utf8.RuneCountInString(x.Body))
	for _, p := range strings.Split(x.Body, "\n") {
		fmt.Fprintf(w, "      %s\n", p)
	}
}

func checkFormat(f string) error {
	if f != "text" && f != "json" {
		return usagef("format %q: want text or json", f)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// storeFlags binds the flags every store command shares.
func storeFlags(fs *flag.FlagSet, cfg *config) {
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite store path (env WXDIGEST_DB)")
	fs.StringVar(&cfg.Zone, "tz", cfg.Zone, "time zone of issue dates (env WXDIGEST_TZ)")
}

func (a *app) openStore(ctx context.Context, cfg config) (store, error) {
	a.storePath = cfg.DB
	if isPostgres(cfg.DB) {
		st, err := pgstore.Open(ctx, cfg.DB, pgstore.Options{Logger: cfg.logger(a.stderr), Now: a.now})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := data.Open(ctx, cfg.DB, data.Options{Logger: cfg.logger(a.stderr), Now: a.now})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func cmdImport(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "import")
	storeFlags(fs, &cfg)
	date := fs.String("date", "", "issue date YYYY-MM-DD (default: today)")
	fs.StringVar(&cfg.Source, "source", cfg.Source, "source name (env WXDIGEST_SOURCE; a web article's default is its host)")
	allowPrivate := allowPrivateFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want at least one FILE ('-' for stdin) or http(s) URL")
	}
	if err := cfg.finish(); err != nil {
		return usageError{err.Error()}
	}
	if strings.TrimSpace(cfg.Source) == "" {
		return usagef("source name is empty")
	}
	day := a.today(cfg)
	if *date != "" {
		if _, err := parseDate(*date, cfg.loc); err != nil {
			return err
		}
		day = *date
	}
	// A web article is named after its site unless --source says otherwise.
	webSource := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "source" {
			webSource = cfg.Source
		}
	})
	var files, urls []string
	for _, p := range pos {
		if isWebURL(p) {
			if err := checkWebURL(p); err != nil {
				return err
			}
			urls = append(urls, p)
		} else {
			files = append(files, p)
		}
	}
	// Read every input before touching the store: one bad input imports nothing.
	bar := a.newProgress(len(pos))
	var all []digest.Article
	for _, p := range files {
		bar.start(p)
		arts, err := a.readPage(p)
		if err != nil {
			return err
		}
		bar.done(p)
		for _, x := range arts {
			x.Source, x.Date = cfg.Source, day
			all = append(all, x)
		}
	}
	var web []data.Fetched
	if len(urls) > 0 {
		client, err := a.sourceClient(*allowPrivate, cfg.logger(a.stderr))
		if err != nil {
			return err
		}
		if web, err = a.webArticles(ctx, client, urls, webSource, cfg.Source, day, bar); err != nil {
			return err
		}
	}
	bar.finish()
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var res data.ImportResult
	if len(all) > 0 {
		if res, err = st.ImportArticles(ctx, all); err != nil {
			return err
		}
	}
	var titles []string
	if len(web) > 0 {
		wr, err := st.ImportFetched(ctx, web)
		if err != nil {
			return err
		}
		res.New += wr.New
		res.Existing += wr.Existing
		for i, added := range wr.Added {
			if added {
				titles = append(titles, web[i].Article.Title)
			}
		}
	}
	fmt.Fprintf(a.stdout, "%d new, %d already stored\n", res.New, res.Existing)
	for _, t := range titles {
		fmt.Fprintf(a.stdout, "  %s\n", t)
	}
	return nil
}
