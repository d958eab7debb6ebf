package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // the read-only connection the copy streams from

	"github.com/wxdigest/wxdigest/data"
	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/pgstore"
)

// migrateHelp is what migrate --help says beyond its synopsis.
const migrateHelp = `Copies a SQLite store into PostgreSQL, ids kept, and prints what it copied, one line a table.

Copied: meta; roles; console users and API tokens (revoked ones too); channels; sources;
subscriptions (channel, style, filters, approval); articles (withdrawn tombstones and
corrections too, with their content hashes; the search tokens are computed as the PostgreSQL
store computes them, so search finds the same); the delivery ledger: delivery_texts,
deliveries (states, attempts, errors, remote ids, the sending account) and delivery_items
(what each group was handed or shown); approvals of slots; audit; outbox (queued replies).
Not copied: leases, account_groups and ledger claims (claimed_by, claim_until), which belong to
running processes; console sessions (people log in again); SQLite's search index (search_keys,
search_segments, search_pages and the meta keys search_*: PostgreSQL searches the articles'
tokens column); the meta key store.id.

--from is opened as every command opens a store (migrated to this build's schema,
quick-checked) and must not be in use by wxdigest run; --to is brought to this build's schema
first.

Safe to re-run: a row whose id (or key) the target already holds is left as it is, so a second
run copies nothing and changes nothing; rows changed in SQLite after a copy are not updated.
Each PostgreSQL id sequence is then moved past the largest id SQLite ever handed out.

Never mixes two stores: the SQLite store gets a random id (meta store.id) and the target
records it (meta migrated.from) at the first copy. A target that records another store, or
holds data without that record, is refused; so is a re-run that finds another row under an id
it copied (both stores were written since). The copy is one PostgreSQL transaction: a refusal
or a failure leaves the target as it was.`

// Meta keys of the migration.
const (
	metaStoreID      = "store.id"      // SQLite: this store's random id
	metaMigratedFrom = "migrated.from" // PostgreSQL: the store.id of the store copied in
	metaMigratedFile = "migrated.file" // PostgreSQL: where that store was, for messages
)

// migrateLock is the pg_advisory_xact_lock key of a migration, so two at
// once into one database take turns ("wxdg" "mgr1").
const migrateLock int64 = 0x77786467_6d677231

// migrateBatch is how many rows go into PostgreSQL per COPY and INSERT.
const migrateBatch = 5_000

// colKind says how a SQLite column's value becomes a PostgreSQL one.
type colKind int

const (
	colText     colKind = iota // TEXT → text
	colNullText                // TEXT or NULL → text
	colInt                     // INTEGER → bigint, integer
	colNullInt                 // INTEGER or NULL → bigint
	colBool                    // 0/1 → boolean
	colTime                    // 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' → timestamptz
	colNullTime                // the same or NULL
	colDate                    // 'YYYY-MM-DD' → date
	colBytes                   // BLOB → bytea
	colList                    // comma-separated, '' for none → text[]
)

type migColumn struct {
	name string
	kind colKind
	// optional: copied only when both stores have it (a column a newer
	// migration adds, on a store that may not have it yet).
	optional bool
}

// migTable is one table the migration copies, in an order that puts the
// rows a foreign key names first.
type migTable struct {
	name string
	cols []migColumn
	// key is what a row already in the target is found by: "id", or the
	// table's natural key.
	key []string
	// ident are columns of an id table that never change after a row is
	// written: a target row under the same id with other values there is
	// another store's.
	ident []string
	where string // SQLite: the rows to copy ("" = all)
	// tokens: the target's tokens column is filled from title and body
	// (articles).
	tokens bool
}

func (t *migTable) hasID() bool { return len(t.key) == 1 && t.key[0] == "id" }

// migrateTables are the tables copied, in order.
var migrateTables = []migTable{
	{name: "meta", key: []string{"key"}, cols: []migColumn{{"key", colText, false}, {"value", colText, false}},
		where: `key <> '` + metaStoreID + `' AND key NOT LIKE 'migrated.%' AND key NOT LIKE 'search\_%' ESCAPE '\'`},
	{name: "roles", key: []string{"remark"}, cols: []migColumn{
		{"remark", colText, false}, {"role", colText, false}, {"granted_by", colText, false}, {"granted_at", colTime, false}}},
	{name: "users", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"name", colText, false}, {"role", colText, false}, {"password_hash", colText, false},
		{"disabled", colBool, false}, {"created_at", colTime, false}, {"updated_at", colTime, false}}},
	{name: "api_tokens", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"name", colText, false}, {"hash", colText, false}, {"role", colText, false},
		{"created_at", colTime, false}, {"revoked_at", colNullTime, false}}},
	{name: "channels", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"name", colText, false}, {"kind", colText, false}, {"url", colText, false},
		{"corp_id", colText, false}, {"secret", colText, false}, {"sender", colText, false}, {"chat_ids", colList, false},
		{"allow_private", colBool, false}, {"enabled", colBool, false}, {"last_error", colText, false},
		{"last_error_at", colNullTime, false}, {"created_at", colTime, false}, {"updated_at", colTime, false}}},
	{name: "sources", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"name", colText, false}, {"kind", colText, false}, {"url", colText, false},
		{"every_seconds", colInt, false}, {"enabled", colBool, false}, {"last_fetch", colNullTime, false},
		{"last_error", colText, false}, {"etag", colText, false}, {"last_modified", colText, false},
		{"failures", colInt, false}, {"next_fetch", colNullTime, false}, {"created_at", colTime, false}}},
	{name: "subscriptions", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"channel", colText, false}, {"group_name", colText, false}, {"kind", colText, false},
		{"spec", colText, false}, {"tz", colText, false}, {"weekdays", colBool, false}, {"source", colText, false},
		{"style", colText, false}, {"enabled", colBool, false}, {"include_words", colList, false},
		{"exclude_words", colList, false}, {"created_at", colTime, false}, {"updated_at", colTime, false},
		{"approve", colBool, true}}},
	{name: "articles", key: []string{"id"}, ident: []string{"imported_at"}, tokens: true, cols: []migColumn{
		{"id", colInt, false}, {"source", colText, false}, {"issue_date", colDate, false}, {"page_order", colInt, false},
		{"url", colText, false}, {"kicker", colText, false}, {"title", colText, false}, {"subtitle", colText, false},
		{"dateline", colText, false}, {"byline", colText, false}, {"lead", colText, false}, {"body", colText, false},
		{"imported_at", colTime, false}, {"content_hash", colBytes, false}, {"guid", colNullText, false},
		{"withdrawn_at", colNullTime, false}, {"withdrawn_by", colText, false}}},
	{name: "delivery_texts", key: []string{"id"}, ident: []string{"hash"}, cols: []migColumn{
		{"id", colInt, false}, {"hash", colBytes, false}, {"text", colText, false}}},
	{name: "deliveries", key: []string{"id"}, ident: []string{"slot", "part", "created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"subscription_id", colNullInt, false}, {"channel", colText, false},
		{"group_name", colText, false}, {"slot", colTime, false}, {"part", colInt, false}, {"parts", colInt, false},
		{"kind", colText, false}, {"text_id", colNullInt, false}, {"state", colText, false}, {"attempts", colInt, false},
		{"error", colText, false}, {"remote_id", colText, false}, {"created_at", colTime, false},
		{"sent_at", colNullTime, false}, {"account", colText, true}}},
	{name: "delivery_items", key: []string{"subscription_id", "article_id", "slot"}, cols: []migColumn{
		{"subscription_id", colInt, false}, {"slot", colTime, false}, {"article_id", colInt, false}}},
	{name: "approvals", key: []string{"id"}, ident: []string{"subscription_id", "slot"}, cols: []migColumn{
		{"id", colInt, false}, {"subscription_id", colInt, false}, {"slot", colTime, false}, {"state", colText, false},
		{"approved_by", colText, false}, {"approved_at", colNullTime, false}, {"text", colText, false},
		{"text_hash", colText, false}}},
	{name: "audit", key: []string{"id"}, ident: []string{"at", "who", "action"}, cols: []migColumn{
		{"id", colInt, false}, {"at", colTime, false}, {"who", colText, false}, {"action", colText, false},
		{"detail", colText, false}}},
	{name: "outbox", key: []string{"id"}, ident: []string{"created_at"}, cols: []migColumn{
		{"id", colInt, false}, {"channel", colText, false}, {"target_kind", colText, false},
		{"target_name", colText, false}, {"target_id", colText, false}, {"text", colText, false},
		{"created_at", colTime, false}}},
}

// migrateSkipped are the SQLite tables deliberately left behind, and why.
var migrateSkipped = map[string]string{
	"leases":          "held by running processes",
	"sessions":        "console logins: people log in again",
	"account_groups":  "kept alive by running processes",
	"search_keys":     "SQLite's search index",
	"search_segments": "SQLite's search index",
	"search_pages":    "SQLite's search index",
	"article_terms":   "SQLite's first search index",
	"sqlite_sequence": "read to move the sequences",
}

// tableCount is what the copy of one table did.
type tableCount struct {
	name                    string
	copied, already, others int64
}

func (c tableCount) String() string {
	s := fmt.Sprintf("%s: %d copied, %d already there", c.name, c.copied, c.already)
	if c.others > 0 {
		s += fmt.Sprintf(", %d skipped (the target holds them under other ids)", c.others)
	}
	return s
}

// cmdMigrate copies a SQLite store into PostgreSQL.
func cmdMigrate(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "migrate")
	from := fs.String("from", "", "the SQLite store to copy (FILE.db); it must exist")
	to := fs.String("to", "", "the PostgreSQL database to copy it into (postgres:// or postgresql:// URL)")
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	switch {
	case *from == "":
		return usagef("--from FILE.db is required")
	case *to == "":
		return usagef("--to postgres://… is required")
	case isPostgres(*from):
		return usagef("--from must be a SQLite store file, not a PostgreSQL URL")
	case !isPostgres(*to):
		return usagef("--to must be a postgres:// or postgresql:// URL, not %q", *to)
	}
	target := redactURL(*to)
	if err := checkSQLiteFile(*from); err != nil {
		return err
	}
	a.storePath = *from
	lite, err := data.Open(ctx, *from, data.Options{Logger: cfg.logger(a.stderr), Now: a.now})
	if err != nil {
		return err
	}
	defer lite.Close()
	if holder, until, err := lite.Lease(ctx, leaseName); err == nil && until.After(a.now()) {
		return fmt.Errorf("%s is in use by wxdigest run (%s, until %s): stop it first, so nothing changes in it after the copy",
			*from, holder, until.In(cfg.loc).Format("15:04:05"))
	} else if err != nil && !errors.Is(err, model.ErrNotFound) {
		return err
	}
	id, err := storeID(ctx, lite)
	if err != nil {
		return err
	}
	pg, err := pgstore.Open(ctx, *to, pgstore.Options{Logger: cfg.logger(a.stderr), Now: a.now})
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	defer pg.Close()
	conn, err := pgx.Connect(ctx, *to)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	defer conn.Close(context.Background())
	src, err := openSnapshot(ctx, lite.Path())
	if err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	defer src.close()

	m := &migration{a: a, src: src, tokens: pg.SearchTokens, from: lite.Path(), target: target, id: id}
	counts, err := m.run(ctx, conn)
	if err != nil {
		return err
	}
	var total tableCount
	total.name = "total"
	for _, c := range counts {
		fmt.Fprintln(a.stdout, c)
		total.copied += c.copied
		total.already += c.already
		total.others += c.others
	}
	fmt.Fprintln(a.stdout, total)
	return nil
}

// redactURL hides a password in a URL shown in a message.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the PostgreSQL URL"
	}
	return u.Redacted()
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkSQLiteFile refuses a --from that is missing (data.Open would create
// it) or is not a SQLite database.
func checkSQLiteFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: no such store file", path)
		}
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, not a SQLite store", path)
	}
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != sqliteMagic {
		return fmt.Errorf("%s is not a SQLite store file", path)
	}
	return nil
}

// storeID returns the SQLite store's random id, made at its first
// migration.
func storeID(ctx context.Context, lite *data.Store) (string, error) {
	id, err := lite.Meta(ctx, metaStoreID)
	if err == nil && id != "" {
		return id, nil
	}
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return "", err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	if err := lite.SetMeta(ctx, metaStoreID, id); err != nil {
		return "", err
	}
	return id, nil
}

// snapshot is one read transaction on the SQLite file, so every table is
// copied as of one moment.
type snapshot struct {
	db *sql.DB
	tx *sql.Tx
}

func openSnapshot(ctx context.Context, path string) (*snapshot, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_query_only", "on")
	q.Set("_busy_timeout", "5000")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite3", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &snapshot{db: db, tx: tx}, nil
}

func (s *snapshot) close() {
	s.tx.Rollback()
	s.db.Close()
}

// migration is one run of migrate.
type migration struct {
	a      *app
	src    *snapshot
	tokens func(title, body string) []string
	from   string // the SQLite file, absolute
	target string // the PostgreSQL URL, password hidden
	id     string // the SQLite store's id
}

// plan is a table as this pair of stores has it: the columns both hold,
// and how many rows there are to copy.
type plan struct {
	*migTable
	cols  []migColumn
	total int64
}

func (m *migration) run(ctx context.Context, conn *pgx.Conn) ([]tableCount, error) {
	var plans []plan
	for i := range migrateTables {
		p, err := m.plan(ctx, conn, &migrateTables[i])
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	var counts []tableCount
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if err := m.claimTarget(ctx, tx); err != nil {
			return err
		}
		// Articles' tokens arrays are compressed as they are stored; lz4,
		// where the server has it, does that about five times faster than
		// the default pglz (the values read back the same either way).
		var lz4 bool
		err := tx.QueryRow(ctx, `SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`).Scan(&lz4)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s: %w", m.target, err)
		}
		if lz4 {
			if _, err := tx.Exec(ctx, `SET LOCAL default_toast_compression = lz4`); err != nil {
				return fmt.Errorf("%s: %w", m.target, err)
			}
		}
		for _, p := range plans {
			c, err := m.copyTable(ctx, tx, p)
			if err != nil {
				return err
			}
			counts = append(counts, c)
		}
		for _, p := range plans {
			if p.hasID() {
				if err := m.advanceSequence(ctx, tx, p); err != nil {
					return fmt.Errorf("%s: sequence: %w", p.name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// plan finds the columns both stores have (a required one missing is an
// error) and counts the rows to copy.
func (m *migration) plan(ctx context.Context, conn *pgx.Conn, t *migTable) (plan, error) {
	p := plan{migTable: t}
	srcCols := map[string]bool{}
	rows, err := m.src.tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t.name)
	if err != nil {
		return p, fmt.Errorf("%s: columns of %s: %w", m.from, t.name, err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return p, err
		}
		srcCols[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	dstCols := map[string]bool{}
	prows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, t.name)
	if err != nil {
		return p, fmt.Errorf("%s: columns of %s: %w", m.target, t.name, err)
	}
	for prows.Next() {
		var c string
		if err := prows.Scan(&c); err != nil {
			prows.Close()
			return p, err
		}
		dstCols[c] = true
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return p, err
	}
	for _, c := range t.cols {
		switch {
		case srcCols[c.name] && dstCols[c.name]:
			p.cols = append(p.cols, c)
		case c.optional:
		case !srcCols[c.name]:
			return p, fmt.Errorf("%s: table %s has no column %s", m.from, t.name, c.name)
		default:
			return p, fmt.Errorf("%s: table %s has no column %s", m.target, t.name, c.name)
		}
	}
	if t.tokens && !dstCols["tokens"] {
		return p, fmt.Errorf("%s: table %s has no column tokens", m.target, t.name)
	}
	need := append(append([]string{}, t.key...), t.ident...)
	if t.tokens {
		need = append(need, "title", "body", "withdrawn_at")
	}
	for _, name := range need {
		if p.index(name) < 0 {
			return p, fmt.Errorf("table %s: column %s is not copied", t.name, name)
		}
	}
	if err := m.src.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name+where(t.where)).Scan(&p.total); err != nil {
		return p, fmt.Errorf("%s: count %s: %w", m.from, t.name, err)
	}
	return p, nil
}

func where(w string) string {
	if w == "" {
		return ""
	}
	return " WHERE " + w
}

// claimTarget makes sure the target is this store's or empty, and records
// this store in it.
func (m *migration) claimTarget(ctx context.Context, tx pgx.Tx) error {
	var from, file string
	err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, metaMigratedFrom).Scan(&from)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", m.target, err)
	}
	if from == m.id {
		return nil
	}
	if from != "" {
		_ = tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, metaMigratedFile).Scan(&file)
		if file == "" {
			file = "store " + from
		}
		return fmt.Errorf("%s already holds another store (copied from %s), not %s: refusing to mix two stores; migrate into an empty database",
			m.target, file, m.from)
	}
	for _, t := range migrateTables {
		if t.name == "meta" {
			continue // facts such as the account's Uin; a copy never replaces them
		}
		var held bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&held); err != nil {
			return fmt.Errorf("%s: %w", m.target, err)
		}
		if held {
			return fmt.Errorf("%s already holds data (in %s) that was not copied from %s: refusing to mix two stores; migrate into an empty database",
				m.target, t.name, m.from)
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING`,
		metaMigratedFrom, m.id, metaMigratedFile, m.from)
	if err != nil {
		return fmt.Errorf("%s: %w", m.target, err)
	}
	return nil
}

// copyTable copies one table, a batch of rows at a time: rows whose key
// the target already holds are looked up first (and must be the same
// rows), the others go in with COPY: straight into the table when it was
// empty, else through a temporary table and INSERT … SELECT … ON CONFLICT
// DO NOTHING, which leaves out a row another unique key already holds.
func (m *migration) copyTable(ctx context.Context, tx pgx.Tx, p plan) (tableCount, error) {
	c := tableCount{name: p.name}
	names := make([]string, 0, len(p.cols)+1)
	for _, col := range p.cols {
		names = append(names, col.name)
	}
	srcCols := strings.Join(names, ", ")
	if p.tokens {
		names = append(names, "tokens")
	}
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM `+p.name+`)`).Scan(&empty); err != nil {
		return c, fmt.Errorf("%s: %w", p.name, err)
	}
	rows, err := m.src.tx.QueryContext(ctx, `SELECT `+srcCols+` FROM `+p.name+where(p.where)+` ORDER BY `+strings.Join(p.key, ", "))
	if err != nil {
		return c, fmt.Errorf("%s: read %s: %w", m.from, p.name, err)
	}
	defer rows.Close()
	br := newBatchReader(rows, p)
	bar := newRowBar(m.a.stderr, p.name, p.total)
	var rebuild []string // GIN indexes to build again after the copy
	if empty && p.total >= bulkRows {
		if rebuild, err = dropGIN(ctx, tx, p.name); err != nil {
			return c, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	lookup := lookupQuery(p)
	tmp := ""
	for {
		batch, err := br.next(migrateBatch)
		if err != nil {
			return c, fmt.Errorf("%s: %w", m.from, err)
		}
		if len(batch) == 0 {
			break
		}
		missing := batch
		if !empty {
			if missing, err = m.notThere(ctx, tx, p, lookup, batch); err != nil {
				return c, err
			}
			c.already += int64(len(batch) - len(missing))
			bar.add(int64(len(batch) - len(missing)))
		}
		if len(missing) > 0 {
			if empty {
				src := newCopySource(p, missing, m.tokens, bar)
				n, err := tx.CopyFrom(ctx, pgx.Identifier{p.name}, names, src)
				src.close()
				if err != nil {
					return c, fmt.Errorf("%s: %w", p.name, err)
				}
				c.copied += n
			} else {
				if tmp == "" {
					tmp = "migrate_" + p.name
					if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+tmp+` ON COMMIT DROP AS SELECT `+strings.Join(names, ", ")+
						` FROM `+p.name+` WITH NO DATA`); err != nil {
						return c, fmt.Errorf("%s: %w", p.name, err)
					}
				} else if _, err := tx.Exec(ctx, `TRUNCATE `+tmp); err != nil {
					return c, fmt.Errorf("%s: %w", p.name, err)
				}
				src := newCopySource(p, missing, m.tokens, bar)
				_, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, names, src)
				src.close()
				if err != nil {
					return c, fmt.Errorf("%s: %w", p.name, err)
				}
				override := ""
				if p.hasID() {
					override = " OVERRIDING SYSTEM VALUE"
				}
				cols := strings.Join(names, ", ")
				tag, err := tx.Exec(ctx, `INSERT INTO `+p.name+` (`+cols+`)`+override+` SELECT `+cols+` FROM `+tmp+` ON CONFLICT DO NOTHING`)
				if err != nil {
					return c, fmt.Errorf("%s: %w", p.name, err)
				}
				c.copied += tag.RowsAffected()
				c.others += int64(len(missing)) - tag.RowsAffected()
			}
		}
	}
	bar.finish()
	if len(rebuild) > 0 {
		fmt.Fprintf(m.a.stderr, "%s: building the search index…\n", p.name)
		start := time.Now()
		if err := buildIndexes(ctx, tx, rebuild); err != nil {
			return c, fmt.Errorf("%s: %w", p.name, err)
		}
		fmt.Fprintf(m.a.stderr, "%s: search index built in %s\n", p.name, time.Since(start).Round(time.Second))
	}
	return c, nil
}

// bulkRows: an empty table getting at least this many rows has its GIN
// indexes (the articles' tokens) dropped for the copy and built again
// after it, in the same transaction: a build from the whole column is
// several times faster than adding each row's hundreds of tokens.
const bulkRows = 10_000

// dropGIN drops the GIN indexes of table and returns their definitions.
func dropGIN(ctx context.Context, tx pgx.Tx, table string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = $1 AND indexdef LIKE '% USING gin %'`, table)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// buildIndexes runs the CREATE INDEX statements defs, with more memory
// for the sort than PostgreSQL's default 64 MB (never less than set).
func buildIndexes(ctx context.Context, tx pgx.Tx, defs []string) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', '256MB', true)
		WHERE (SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem') < 256 * 1024 * 1024`); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := tx.Exec(ctx, def); err != nil {
			return err
		}
	}
	return nil
}

// lookupQuery finds which rows of a batch the target already holds: it
// takes the batch's key columns (then its ident columns) as arrays and
// returns the 1-based position of each row found, and whether its ident
// columns are the target's.
func lookupQuery(p plan) string {
	var args, alias, join, mine, theirs []string
	add := func(name string) string {
		col := p.col(name)
		n := len(args) + 1
		a := fmt.Sprintf("c%d", n)
		args = append(args, fmt.Sprintf("$%d::%s[]", n, col.kind.pgType()))
		alias = append(alias, a)
		return a
	}
	for _, k := range p.key {
		join = append(join, "x."+k+" = k."+add(k))
	}
	for _, id := range p.ident {
		theirs = append(theirs, "x."+id)
		mine = append(mine, "k."+add(id))
	}
	same := "true"
	if len(p.ident) > 0 {
		same = "(" + strings.Join(theirs, ", ") + ") IS NOT DISTINCT FROM (" + strings.Join(mine, ", ") + ")"
	}
	return `SELECT k.i, ` + same + ` FROM unnest(` + strings.Join(args, ", ") + `) WITH ORDINALITY AS k(` +
		strings.Join(alias, ", ") + `, i) JOIN ` + p.name + ` x ON ` + strings.Join(join, " AND ")
}

// notThere returns the rows of batch the target does not hold yet, and
// refuses a batch with a row whose key the target holds for another row.
func (m *migration) notThere(ctx context.Context, tx pgx.Tx, p plan, lookup string, batch [][]any) ([][]any, error) {
	var args []any
	for _, name := range append(append([]string{}, p.key...), p.ident...) {
		i := p.index(name)
		args = append(args, column(p.cols[i].kind, batch, i))
	}
	rows, err := tx.Query(ctx, lookup, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	there := make([]bool, len(batch))
	for rows.Next() {
		var i int64
		var same bool
		if err := rows.Scan(&i, &same); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		if !same {
			rows.Close()
			return nil, fmt.Errorf("%s row %v differs between %s and %s: both stores were written after the last copy; refusing to mix them (nothing was copied)",
				p.name, batch[i-1][0], m.target, m.from)
		}
		there[i-1] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	missing := batch[:0:0]
	for i, row := range batch {
		if !there[i] {
			missing = append(missing, row)
		}
	}
	return missing, nil
}

// column is column i of batch as a typed slice, for an array parameter.
func column(kind colKind, batch [][]any, i int) any {
	switch kind {
	case colInt:
		v := make([]int64, len(batch))
		for j, row := range batch {
			v[j] = row[i].(int64)
		}
		return v
	case colTime:
		v := make([]time.Time, len(batch))
		for j, row := range batch {
			v[j] = row[i].(time.Time)
		}
		return v
	case colBytes:
		v := make([][]byte, len(batch))
		for j, row := range batch {
			v[j] = row[i].([]byte)
		}
		return v
	default: // colText
		v := make([]string, len(batch))
		for j, row := range batch {
			v[j] = row[i].(string)
		}
		return v
	}
}

// pgType is the PostgreSQL type of a key or ident column.
func (k colKind) pgType() string {
	switch k {
	case colInt:
		return "bigint"
	case colTime:
		return "timestamptz"
	case colBytes:
		return "bytea"
	}
	return "text"
}

// col and index find a column of the plan by name; plan made sure the
// key, ident and token columns are there.
func (p plan) col(name string) migColumn { return p.cols[p.index(name)] }

func (p plan) index(name string) int {
	for i, c := range p.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// advanceSequence moves the table's id sequence past the largest id the
// SQLite store ever handed out (its AUTOINCREMENT counter included, so an
// id deleted there is never handed out again here), and never back.
func (m *migration) advanceSequence(ctx context.Context, tx pgx.Tx, p plan) error {
	var maxID int64
	if err := m.src.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+p.name).Scan(&maxID); err != nil {
		return err
	}
	var seq int64
	err := m.src.tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, p.name).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	n := max(maxID, seq)
	if n < 1 {
		return nil
	}
	_, err = tx.Exec(ctx, `SELECT setval(s, $2) FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s) q
		WHERE $2 > COALESCE(pg_sequence_last_value(s), 0)`, p.name, n)
	return err
}

// batchReader reads the SQLite rows of a table, converted to PostgreSQL's
// types, a batch at a time.
type batchReader struct {
	rows *sql.Rows
	p    plan
	dest []any
}

func newBatchReader(rows *sql.Rows, p plan) *batchReader {
	br := &batchReader{rows: rows, p: p}
	for _, c := range p.cols {
		switch c.kind {
		case colText, colTime, colDate, colList:
			br.dest = append(br.dest, new(string))
		case colNullText, colNullTime:
			br.dest = append(br.dest, new(sql.NullString))
		case colInt, colBool:
			br.dest = append(br.dest, new(int64))
		case colNullInt:
			br.dest = append(br.dest, new(sql.NullInt64))
		case colBytes:
			br.dest = append(br.dest, new([]byte))
		}
	}
	return br
}

// next reads up to n rows; none at the end.
func (br *batchReader) next(n int) ([][]any, error) {
	var batch [][]any
	for len(batch) < n && br.rows.Next() {
		if err := br.rows.Scan(br.dest...); err != nil {
			return nil, fmt.Errorf("read %s: %w", br.p.name, err)
		}
		row := make([]any, len(br.dest))
		for i, c := range br.p.cols {
			v, err := convert(c, br.dest[i])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %s: %w", br.p.name, rowName(br.p, br.dest), c.name, err)
			}
			row[i] = v
		}
		batch = append(batch, row)
	}
	if err := br.rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", br.p.name, err)
	}
	return batch, nil
}

// copySource hands rows to pgx's CopyFrom. For articles it adds each
// row's search tokens, made on every core a little ahead of the copy
// (tokens cost more than anything else the copy does in Go) and held
// for at most tokenWindow rows at a time.
type copySource struct {
	p      plan
	rows   [][]any
	tokens func(title, body string) []string
	bar    *rowBar
	i      int
	vals   []any
	ahead  <-chan chan []string // the tokens of the rows to come, in order
	done   chan struct{}        // closed when the copy ends
}

// tokenWindow bounds how many rows' tokens are made ahead of the copy.
const tokenWindow = 256

func newCopySource(p plan, rows [][]any, tokens func(title, body string) []string, bar *rowBar) *copySource {
	cs := &copySource{p: p, rows: rows, tokens: tokens, bar: bar}
	if !p.tokens {
		return cs
	}
	title, body, withdrawn := p.index("title"), p.index("body"), p.index("withdrawn_at")
	type job struct {
		row []any
		out chan []string
	}
	ahead := make(chan chan []string, tokenWindow)
	jobs := make(chan job)
	cs.ahead, cs.done = ahead, make(chan struct{})
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for j := range jobs {
				toks := []string{}
				if j.row[withdrawn] == nil {
					toks = tokens(j.row[title].(string), j.row[body].(string))
				}
				j.out <- toks // buffered: never blocks
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, row := range rows {
			out := make(chan []string, 1)
			select {
			case ahead <- out:
			case <-cs.done:
				return
			}
			select {
			case jobs <- job{row, out}:
			case <-cs.done:
				return
			}
		}
	}()
	return cs
}

// close stops the token makers; call it when the copy returns.
func (cs *copySource) close() {
	if cs.done != nil {
		close(cs.done)
	}
}

func (cs *copySource) Next() bool {
	if cs.i >= len(cs.rows) {
		return false
	}
	cs.i++
	cs.bar.add(1)
	return true
}

func (cs *copySource) Values() ([]any, error) {
	row := cs.rows[cs.i-1]
	if !cs.p.tokens {
		return row, nil
	}
	toks := <-<-cs.ahead
	cs.vals = append(append(cs.vals[:0], row...), toks)
	return cs.vals, nil
}

func (cs *copySource) Err() error { return nil }

// rowName names the row being read in an error: its key.
func rowName(p plan, dest []any) string {
	var parts []string
	for i, c := range p.cols {
		for _, k := range p.key {
			if c.name == k {
				parts = append(parts, fmt.Sprintf("%s %v", k, deref(dest[i])))
			}
		}
	}
	return strings.Join(parts, ", ")
}

func deref(p any) any {
	switch v := p.(type) {
	case *string:
		return *v
	case *int64:
		return *v
	case *sql.NullString:
		return v.String
	case *sql.NullInt64:
		return v.Int64
	}
	return p
}

// convert turns a scanned SQLite value into what PostgreSQL's column takes.
func convert(c migColumn, p any) (any, error) {
	switch c.kind {
	case colText:
		s := *p.(*string)
		return s, checkText(s)
	case colNullText:
		ns := *p.(*sql.NullString)
		if !ns.Valid {
			return nil, nil
		}
		return ns.String, checkText(ns.String)
	case colInt:
		return *p.(*int64), nil
	case colNullInt:
		ni := *p.(*sql.NullInt64)
		if !ni.Valid {
			return nil, nil
		}
		return ni.Int64, nil
	case colBool:
		return *p.(*int64) != 0, nil
	case colTime:
		return parseStoredTime(*p.(*string))
	case colNullTime:
		ns := *p.(*sql.NullString)
		if !ns.Valid {
			return nil, nil
		}
		return parseStoredTime(ns.String)
	case colDate:
		s := *p.(*string)
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("bad date %q", s)
		}
		return d, nil
	case colBytes:
		return *p.(*[]byte), nil
	case colList:
		s := *p.(*string)
		if s == "" {
			return []string{}, nil
		}
		return strings.Split(s, ","), checkText(s)
	}
	return nil, fmt.Errorf("unknown column kind %d", c.kind)
}

// checkText refuses what PostgreSQL's text cannot hold, with a clearer
// message than the server's.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8, which PostgreSQL cannot store")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("holds a NUL character, which PostgreSQL cannot store")
	}
	return nil
}

// parseStoredTime reads a time as the SQLite store writes them: UTC,
// RFC 3339, with or without fractional seconds.
func parseStoredTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q", s)
	}
	return t.UTC(), nil
}

// rowBar shows how far the copy of a table is on stderr: a bar with rows
// done of total and the percentage, redrawn in place on a terminal, or a
// plain line at every tenth otherwise (logs, pipes, tests).
type rowBar struct {
	w           io.Writer
	tty         bool
	name        string
	total, done int64
	shown       int64 // the percentage (terminal) or tenth (plain) shown last; -1: none
}

func newRowBar(w io.Writer, name string, total int64) *rowBar {
	b := &rowBar{w: w, tty: writesToTerminal(w), name: name, total: total, shown: -1}
	if b.tty {
		b.draw(b.percent())
	}
	return b
}

func (b *rowBar) percent() int64 {
	if b.total <= 0 {
		return 100
	}
	return min(100, b.done*100/b.total)
}

func (b *rowBar) add(n int64) {
	b.done += n
	pct := b.percent()
	switch {
	case b.tty:
		if pct != b.shown {
			b.draw(pct)
		}
	case pct/10 > b.shown && pct < 100:
		if pct >= 10 {
			fmt.Fprintf(b.w, "%s: %d/%d rows (%d%%)\n", b.name, b.done, b.total, pct)
		}
		b.shown = pct / 10
	}
}

func (b *rowBar) draw(pct int64) {
	filled := int(pct) * barCells / 100
	fmt.Fprintf(b.w, "\r\x1b[K%-15s [%s%s] %3d%%  %d/%d rows", b.name,
		strings.Repeat("#", filled), strings.Repeat("-", barCells-filled), pct, b.done, b.total)
	b.shown = pct
}

// finish shows the table as done.
func (b *rowBar) finish() {
	if b.tty {
		b.draw(100)
		fmt.Fprintln(b.w)
		return
	}
	fmt.Fprintf(b.w, "%s: %d/%d rows (100%%)\n", b.name, b.done, b.total)
}
