package data

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// The search index: search_keys mapping keys to article ids, and the
// segments of postings.go listing keys by term (migration 0005).

// A search key is day << bits | n: day is the issue date's day number
// (parseDate), n numbers the day's articles in id order from 0, retired
// keys included. Key order is newest-first order. Only the writer takes
// keys apart; a search compares them, so it reads any width.
//
// keyBits is the width of n in an index built now: 2^32 articles a day,
// no limit in practice (day numbers fit 22 bits). An index built before
// numbered days with legacyKeyBits, 65,536 articles a day, and keeps that
// width until it is rebuilt (wxdigest reindex, or the one rebuild migration
// 0012 asks Open for); the meta row keyWidthMeta says which width an index
// has, and an index without it that holds keys is a legacy one.
const (
	keyBits       = 32
	legacyKeyBits = 16
	keyWidthMeta  = "search_key_bits"
)

// searchKey is a key of an index built now (keyBits wide).
func searchKey(day, n int64) int64 { return day<<keyBits | n }

// dayRange is the half-open range of one day's keys in an index built now.
func dayRange(day int64) (lo, hi int64) { return day << keyBits, (day + 1) << keyBits }

// keyWidth returns the width of n in the index tx sees. An empty index
// takes keyBits, and the meta row records it: rebuilding the index of a
// legacy store (RebuildSearchIndex empties it first) widens its keys.
func keyWidth(ctx context.Context, tx *sql.Tx) (int, error) {
	var v sql.NullString
	var keys, segs bool
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key = ?),
		EXISTS (SELECT 1 FROM search_keys), EXISTS (SELECT 1 FROM search_segments)`, keyWidthMeta).
		Scan(&v, &keys, &segs); err != nil {
		return 0, fmt.Errorf("search key width: %w", err)
	}
	want := strconv.Itoa(keyBits)
	switch {
	case !keys && !segs:
		if v.String != want {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, keyWidthMeta, want); err != nil {
				return 0, fmt.Errorf("search key width: %w", err)
			}
		}
		return keyBits, nil
	case !v.Valid:
		return legacyKeyBits, nil
	case v.String == want:
		return keyBits, nil
	case v.String == strconv.Itoa(legacyKeyBits):
		return legacyKeyBits, nil
	}
	return 0, fmt.Errorf("search key width %q: %w", v.String, ErrIndexDamaged)
}

// dayDate is the issue date of day number day (parseDate's inverse).
func dayDate(day int64) string {
	const unixToDay0 = 719162 // days from 0001-01-01 to 1970-01-01
	return time.Unix((day-unixToDay0)*86400, 0).UTC().Format(dateLayout)
}

// indexer writes search entries inside a write transaction. Documents
// added one by one wait in a builder; flush writes them as a segment and
// merges segments. Every transaction that adds entries calls flush
// before it commits.
type indexer struct {
	tx       *sql.Tx
	bits     int // width of a day's numbers (keyWidth)
	keys     *sql.Stmt
	pages    *sql.Stmt
	pb       *postingBuilder
	pbKeys   []int64         // key of each document in pb
	wrote    bool            // a segment was written, so merges may be due
	nextSeen map[int64]int64 // next number per day, for days this indexer touched
}

func newIndexer(ctx context.Context, tx *sql.Tx) (*indexer, error) {
	keys, err := tx.PrepareContext(ctx, `INSERT INTO search_keys (key, article_id) VALUES (?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	pages, err := tx.PrepareContext(ctx, `INSERT INTO search_pages (id, data) VALUES (?, ?)`)
	if err != nil {
		keys.Close()
		return nil, fmt.Errorf("index: %w", err)
	}
	bits, err := keyWidth(ctx, tx)
	if err != nil {
		keys.Close()
		pages.Close()
		return nil, fmt.Errorf("index: %w", err)
	}
	return &indexer{tx: tx, bits: bits, keys: keys, pages: pages, pb: newPostingBuilder(), nextSeen: map[int64]int64{}}, nil
}

func (x *indexer) close() {
	x.keys.Close()
	x.pages.Close()
}

// dayRange is the half-open key range of one day.
func (x *indexer) dayRange(day int64) (lo, hi int64) { return day << x.bits, (day + 1) << x.bits }

// perDay is how many keys a day has.
func (x *indexer) perDay() int64 { return 1 << x.bits }

// used returns how many keys day has had, retired ones included: the
// next key's n.
func (x *indexer) used(ctx context.Context, day int64) (int64, error) {
	if n, ok := x.nextSeen[day]; ok {
		return n, nil
	}
	lo, hi := x.dayRange(day)
	var last sql.NullInt64
	if err := x.tx.QueryRowContext(ctx, `SELECT MAX(key) FROM search_keys WHERE key >= ? AND key < ?`, lo, hi).Scan(&last); err != nil {
		return 0, fmt.Errorf("index: %w", err)
	}
	n := int64(0)
	if last.Valid {
		n = last.Int64 - lo + 1
	}
	x.nextSeen[day] = n
	return n, nil
}

// reserve fails, wrapping ErrInvalid, unless day has keys left for n new
// articles.
func (x *indexer) reserve(ctx context.Context, day int64, n int) error {
	used, err := x.used(ctx, day)
	if err != nil {
		return err
	}
	if left := x.perDay() - used; int64(n) > left {
		return x.fullDay(day, n, left)
	}
	return nil
}

// fullDay is the error for a day without keys left for n more articles. A
// rebuild numbers the day afresh, without retired keys, and in the
// current width.
func (x *indexer) fullDay(day int64, n int, left int64) error {
	hint := "wxdigest reindex renumbers the day without them"
	if x.bits < keyBits {
		hint = "wxdigest reindex renumbers the day and lifts the limit"
	}
	return fmt.Errorf("%s: %d new article(s) but the day has %d of its %d search keys left (this store's index numbers at most %d articles a day, retired ones included; %s): %w",
		dayDate(day), n, left, x.perDay(), x.perDay(), hint, ErrInvalid)
}

// nextKey returns the key for a new article on day, above every key the
// day has had, retired ones included: postings may still name those.
func (x *indexer) nextKey(ctx context.Context, day int64) (int64, error) {
	n, err := x.used(ctx, day)
	if err != nil {
		return 0, err
	}
	if n >= x.perDay() {
		return 0, fmt.Errorf("index: %w", x.fullDay(day, 1, 0))
	}
	x.nextSeen[day] = n + 1
	return day<<x.bits | n, nil
}

// entry is one article to index.
type entry struct {
	key, id     int64
	title, body string
	input       int // document number in a prebuilt postingBuilder
}

func (x *indexer) addKeys(ctx context.Context, es []entry) error {
	for _, e := range es {
		if _, err := x.keys.ExecContext(ctx, e.key, e.id); err != nil {
			return fmt.Errorf("index article %d: %w", e.id, err)
		}
	}
	return nil
}

// add indexes entries, building their postings here.
func (x *indexer) add(ctx context.Context, es []entry) error {
	if err := x.addKeys(ctx, es); err != nil {
		return err
	}
	for _, e := range es {
		x.pb.add(e.title, e.body)
		x.pbKeys = append(x.pbKeys, e.key)
		if x.pb.docs >= flushDocs {
			if err := x.writeBuffered(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// addBuilt indexes entries whose postings pb already holds, sorted, as
// documents e.input; pb's other documents (copies found while importing)
// are left out. It writes one segment: pre, pb encoded with every
// document in, when none is left out.
func (x *indexer) addBuilt(ctx context.Context, es []entry, pb *postingBuilder, pre *segmentWriter) error {
	if err := x.addKeys(ctx, es); err != nil {
		return err
	}
	if len(es) == 0 {
		return nil
	}
	keys := make([]int64, len(es))
	for n, e := range es {
		keys[n] = e.key
	}
	if pre != nil && len(es) == pb.docs {
		// Entries come in input order, so es[i] is document i.
		if err := pre.store(ctx, x.tx, x.pages, keys); err != nil {
			return fmt.Errorf("index: %w", err)
		}
		x.wrote = true
		return nil
	}
	// Entries come in input order, so numbering them in turn keeps each
	// list ascending.
	ord := make([]int32, pb.docs)
	for i := range ord {
		ord[i] = -1
	}
	for n, e := range es {
		ord[e.input] = int32(n)
	}
	return x.writeSegment(ctx, pb, ord, keys)
}

// writeSegment writes pb's postings as one segment, documents renumbered
// by ord (-1: left out; nil: as they are); keys[i] is the key of new
// document i.
func (x *indexer) writeSegment(ctx context.Context, pb *postingBuilder, ord []int32, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	w, err := newSegmentWriter(ctx, x.tx, x.pages)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	var out []uint32
	err = pb.each(func(term []byte, docs []uint32) error {
		if ord == nil {
			return w.term(term, docs)
		}
		out = out[:0]
		for _, d := range docs {
			if o := ord[d]; o >= 0 {
				out = append(out, uint32(o))
			}
		}
		if len(out) == 0 {
			return nil
		}
		return w.term(term, out)
	})
	if err == nil {
		err = w.finish(keys)
	}
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	x.wrote = true
	return nil
}

func (x *indexer) writeBuffered(ctx context.Context) error {
	if x.pb.docs == 0 {
		return nil
	}
	x.pb.sort()
	if err := x.writeSegment(ctx, x.pb, nil, x.pbKeys); err != nil {
		return err
	}
	x.pb.reset()
	x.pbKeys = x.pbKeys[:0]
	return nil
}

// flush writes what add buffered and merges segments as needed.
func (x *indexer) flush(ctx context.Context) error {
	if err := x.writeBuffered(ctx); err != nil {
		return err
	}
	if !x.wrote {
		return nil
	}
	if err := x.compact(ctx); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	x.wrote = false
	return nil
}

// unindex retires one article's search key, if it has one. Its postings
// stay until a merge drops them; searches skip retired keys.
func unindex(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE search_keys SET article_id = NULL WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("unindex article %d: %w", id, err)
	}
	return nil
}

// renumberDay restores the invariant that a day's keys follow its
// articles' ids, after an article lost its key (an edit) or moved onto
// the day: from the first article out of order on, every article of the
// day gets a fresh key, in id order. Keys are never reused, so those go
// above all the day has had. Edits are rare, and most edit the day's
// latest articles.
func renumberDay(ctx context.Context, tx *sql.Tx, x *indexer, day int64, date string) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.title, a.body, k.key FROM articles AS a
		LEFT JOIN search_keys AS k ON k.article_id = a.id
		WHERE a.issue_date = ? AND a.withdrawn_at IS NULL ORDER BY a.id`, date)
	if err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	var move []entry
	lo, hi := x.dayRange(day)
	prev := lo - 1
	for rows.Next() {
		var e entry
		var key sql.NullInt64
		if err := rows.Scan(&e.id, &e.title, &e.body, &key); err != nil {
			rows.Close()
			return fmt.Errorf("renumber %s: %w", date, err)
		}
		if len(move) == 0 && key.Valid && key.Int64 > prev && key.Int64 < hi {
			prev = key.Int64
			continue
		}
		move = append(move, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	for i := range move {
		if err := unindex(ctx, tx, move[i].id); err != nil {
			return err
		}
	}
	for i := range move {
		if move[i].key, err = x.nextKey(ctx, day); err != nil {
			return fmt.Errorf("renumber %s: %w", date, err)
		}
	}
	if err := x.add(ctx, move); err != nil {
		return fmt.Errorf("renumber %s: %w", date, err)
	}
	return nil
}
