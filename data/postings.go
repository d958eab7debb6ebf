package data

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/searchtext"
)

// The inverted index (migration 0005). A segment lists, for each term in
// byte order, the documents holding it; a document is a number in the
// segment, and the segment's keys table turns it into a search key.
// Segments never change once written: new articles go into a new
// segment, and segments of one level are merged sixteen at a time into one
// of the next level, dropping retired keys. So a search reads at most a
// few dozen segments, and an article's postings are rewritten about
// log16(articles) times over the life of the store.
//
// Page layout: entries in term order, each
//
//	shared prefix length with the previous term (uvarint; 0 on a page's first)
//	suffix length (uvarint), suffix
//	document count (uvarint)
//	document list length in bytes (uvarint), then the documents as
//	uvarint gaps (the first counted from 0)
//
// A page is closed once it holds pageTarget bytes, so it fits about one
// SQLite page; a term with a long document list gets a page to itself.

const (
	pageTarget  = 3800
	pageBits    = 24 // page rowid = segment id << pageBits | page number
	maxPages    = 1<<pageBits - 1
	pageChunk   = 64 // pages a merge reads per query
	mergeFanout = 16
	docBits     = 20   // a builder numbers fewer than 2^20 documents
	flushDocs   = 8192 // documents the indexer buffers before writing a segment
)

// Builders never get near 2^20 documents (a negative constant here would
// not compile).
const _ = uint(1<<docBits - max(importSlice, flushDocs))

// postingBuilder collects the (term, document) pairs of documents numbered
// 0, 1, 2, … in the order they are added. CJK pairs are packed into one
// uint64 each and radix-sorted, which costs far less than one hash table
// of all the terms of an import (FTS5's way, and its largest cost).
type postingBuilder struct {
	seg   searchtext.Segmenter
	pairs []uint64 // CJK sort key << docBits | document
	tmp   []uint64
	seen  []uint64 // open-addressing set of the current document's pairs
	words map[string][]uint32
	wbuf  []byte
	docs  int
}

func newPostingBuilder() *postingBuilder {
	return &postingBuilder{words: map[string][]uint32{}}
}

func (pb *postingBuilder) reset() {
	pb.pairs = pb.pairs[:0]
	clear(pb.words)
	clear(pb.seen) // document numbers start again
	pb.docs = 0
}

// grow makes room for the pairs of n more bytes of text: an article's
// distinct CJK tokens are about a third of its bytes (at most two thirds).
// Growing by appends would copy the pairs over and over.
func (pb *postingBuilder) grow(n int) {
	pb.pairs = slices.Grow(pb.pairs, n/2+2)
}

// add indexes the texts as the next document and returns its number.
func (pb *postingBuilder) add(texts ...string) uint32 {
	d := uint32(pb.docs)
	pb.docs++
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	// The set must stay at most half full: a document has at most two
	// tokens per CJK character, three bytes or more each.
	if need := 4*n/3 + 16; len(pb.seen) < need {
		pb.seen = make([]uint64, 1<<bits.Len(uint(need)))
	}
	for _, s := range texts {
		pb.seg.Each(s, func(sg searchtext.Segment) { pb.addSegment(sg, d) })
	}
	return d
}

func (pb *postingBuilder) addSegment(sg searchtext.Segment, d uint32) {
	if !sg.CJK {
		pb.wbuf = pb.wbuf[:0]
		for _, r := range sg.Runes {
			pb.wbuf = utf8.AppendRune(pb.wbuf, r)
		}
		ds, ok := pb.words[string(pb.wbuf)]
		if !ok {
			pb.words[string(pb.wbuf)] = []uint32{d}
		} else if ds[len(ds)-1] != d {
			pb.words[string(pb.wbuf)] = append(ds, d)
		}
		return
	}
	doc := uint64(d)
	for i, r := range sg.Runes {
		pb.addPair(uniKey(r), doc)
		if i > 0 {
			pb.addPair(pairKey(sg.Runes[i-1], r), doc)
		}
	}
}

// addPair appends (k, doc) unless the document already has k. An article
// has about 1,200 CJK tokens but 660 distinct ones, and dropping repeats
// here costs less than sorting them. The set is never cleared: a slot
// holding another document's pair counts as empty, and within one
// document nothing is overwritten, so a probe for k passes only this
// document's other tokens.
func (pb *postingBuilder) addPair(k, doc uint64) {
	p := k<<docBits | doc
	mask := uint64(len(pb.seen) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		s := pb.seen[i]
		if s == p {
			return
		}
		if s == 0 || s&(1<<docBits-1) != doc {
			pb.seen[i] = p
			pb.pairs = append(pb.pairs, p)
			return
		}
	}
}

// sort orders the CJK pairs by term. The pairs went in by document, and
// an LSD radix sort is stable, so each term's documents stay ascending
// without sorting on them.
func (pb *postingBuilder) sort() {
	const digit = 11
	if cap(pb.tmp) < len(pb.pairs) {
		pb.tmp = make([]uint64, len(pb.pairs))
	}
	src, dst := pb.pairs, pb.tmp[:len(pb.pairs)]
	var count [1 << digit]int
	for shift := uint(docBits); shift < docBits+cjkBits; shift += digit {
		clear(count[:])
		for _, p := range src {
			count[p>>shift&(1<<digit-1)]++
		}
		if len(src) > 0 && count[src[0]>>shift&(1<<digit-1)] == len(src) {
			continue // one value of this digit: the pass would copy
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, p := range src {
			b := p >> shift & (1<<digit - 1)
			dst[count[b]] = p
			count[b]++
		}
		src, dst = dst, src
	}
	pb.pairs, pb.tmp = src, dst
}

// absorb adds the postings of o, a sorted builder whose documents were
// numbered on from pb's, and leaves pb sorted. Pairs compare as
// (term, document), so one merge of the two arrays keeps every list
// ascending.
func (pb *postingBuilder) absorb(o *postingBuilder) {
	n := len(pb.pairs) + len(o.pairs)
	if cap(pb.tmp) < n {
		pb.tmp = make([]uint64, n)
	}
	a, b, dst := pb.pairs, o.pairs, pb.tmp[:n]
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			dst[k] = a[i]
			i++
		} else {
			dst[k] = b[j]
			j++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
	pb.pairs, pb.tmp = dst, pb.pairs
	for w, ds := range o.words {
		pb.words[w] = append(pb.words[w], ds...)
	}
	pb.docs = o.docs
}

// each calls f for every term, in byte order, with its documents
// ascending and without repeats. Call after sort; term and docs are only
// valid during the call.
func (pb *postingBuilder) each(f func(term []byte, docs []uint32) error) error {
	var term []byte
	var docs []uint32
	for i := 0; i < len(pb.pairs); {
		k := pb.pairs[i] >> docBits
		docs = docs[:0]
		for ; i < len(pb.pairs) && pb.pairs[i]>>docBits == k; i++ {
			d := uint32(pb.pairs[i] & (1<<docBits - 1))
			if len(docs) == 0 || docs[len(docs)-1] != d {
				docs = append(docs, d)
			}
		}
		term = appendCJKTerm(term[:0], k)
		if err := f(term, docs); err != nil {
			return err
		}
	}
	words := make([]string, 0, len(pb.words))
	for w := range pb.words {
		words = append(words, w)
	}
	slices.Sort(words)
	for _, w := range words {
		term = appendWordTerm(term[:0], w)
		if err := f(term, pb.words[w]); err != nil {
			return err
		}
	}
	return nil
}

// levelOf is floor(log16(docs)), for mergeFanout 16.
func levelOf(docs int) int {
	l := 0
	for docs >= mergeFanout {
		docs /= mergeFanout
		l++
	}
	return l
}

// segmentWriter writes one new segment's pages and then its row. A
// writer without a transaction holds its pages in memory until store:
// an import encodes its segment on another core, before the article ids
// it will list exist.
type segmentWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	pages *sql.Stmt
	id    int64
	page  []byte
	prev  []byte
	dir   []byte
	n     int      // pages written
	held  [][]byte // pages of a writer without a transaction
	list  listJoiner
}

func newSegmentWriter(ctx context.Context, tx *sql.Tx, pages *sql.Stmt) (*segmentWriter, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO search_segments (level, docs, pages, keys, dir) VALUES (0, 0, 0, x'', x'')`)
	if err != nil {
		return nil, fmt.Errorf("new segment: %w", err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("new segment: %w", err)
	}
	return &segmentWriter{ctx: ctx, tx: tx, pages: pages, id: id}, nil
}

// term appends a term with its documents, ascending, to the segment.
func (w *segmentWriter) term(t []byte, docs []uint32) error {
	w.list.reset()
	for _, d := range docs {
		w.list.add(d)
	}
	return w.termEncoded(t, w.list.n, w.list.buf)
}

func (w *segmentWriter) termEncoded(t []byte, n int, docs []byte) error {
	shared := 0
	if len(w.page) == 0 {
		w.dir = binary.AppendUvarint(w.dir, uint64(len(t)))
		w.dir = append(w.dir, t...)
	} else {
		for shared < len(t) && shared < len(w.prev) && t[shared] == w.prev[shared] {
			shared++
		}
	}
	w.page = binary.AppendUvarint(w.page, uint64(shared))
	w.page = binary.AppendUvarint(w.page, uint64(len(t)-shared))
	w.page = append(w.page, t[shared:]...)
	w.page = binary.AppendUvarint(w.page, uint64(n))
	w.page = binary.AppendUvarint(w.page, uint64(len(docs)))
	w.page = append(w.page, docs...)
	w.prev = append(w.prev[:0], t...)
	if len(w.page) >= pageTarget {
		return w.flushPage()
	}
	return nil
}

func (w *segmentWriter) flushPage() error {
	if len(w.page) == 0 {
		return nil
	}
	if w.n >= maxPages {
		return fmt.Errorf("segment %d: more than %d pages", w.id, maxPages)
	}
	if w.tx == nil {
		w.held = append(w.held, slices.Clone(w.page))
	} else if _, err := w.pages.ExecContext(w.ctx, w.id<<pageBits|int64(w.n), w.page); err != nil {
		return fmt.Errorf("segment %d: write page: %w", w.id, err)
	}
	w.n++
	w.page = w.page[:0]
	return nil
}

// store writes a held segment in tx, its documents having keys.
func (w *segmentWriter) store(ctx context.Context, tx *sql.Tx, pages *sql.Stmt, keys []int64) error {
	if err := w.flushPage(); err != nil {
		return err
	}
	dst, err := newSegmentWriter(ctx, tx, pages)
	if err != nil {
		return err
	}
	for _, p := range w.held {
		dst.page = p
		if err := dst.flushPage(); err != nil {
			return err
		}
	}
	dst.page, dst.dir = nil, w.dir
	return dst.finish(keys)
}

// finish writes the segment row; keys[i] is document i's search key. A
// segment without terms is removed: nothing could find its documents.
func (w *segmentWriter) finish(keys []int64) error {
	if err := w.flushPage(); err != nil {
		return err
	}
	if w.n == 0 || len(keys) == 0 {
		return deleteSegment(w.ctx, w.tx, w.id)
	}
	_, err := w.tx.ExecContext(w.ctx, `UPDATE search_segments SET level = ?, docs = ?, pages = ?, keys = ?, dir = ? WHERE id = ?`,
		levelOf(len(keys)), len(keys), w.n, encodeKeys(keys), w.dir, w.id)
	if err != nil {
		return fmt.Errorf("segment %d: %w", w.id, err)
	}
	return nil
}

// encodeKeys writes the keys as a count and zigzag gaps: neighbouring
// documents are mostly neighbouring articles of one day.
func encodeKeys(keys []int64) []byte {
	b := binary.AppendUvarint(make([]byte, 0, len(keys)*2+4), uint64(len(keys)))
	prev := int64(0)
	for _, k := range keys {
		b = binary.AppendVarint(b, k-prev)
		prev = k
	}
	return b
}

func decodeKeys(b []byte) ([]int64, error) {
	n, m := binary.Uvarint(b)
	if m <= 0 || n > uint64(len(b)) {
		return nil, ErrIndexDamaged
	}
	b = b[m:]
	keys := make([]int64, n)
	prev := int64(0)
	for i := range keys {
		d, m := binary.Varint(b)
		if m <= 0 {
			return nil, ErrIndexDamaged
		}
		b = b[m:]
		prev += d
		keys[i] = prev
	}
	if len(b) != 0 {
		return nil, ErrIndexDamaged
	}
	return keys, nil
}

func decodeDir(b []byte, pages int) ([][]byte, error) {
	dir := make([][]byte, 0, pages)
	for len(b) > 0 {
		n, m := binary.Uvarint(b)
		if m <= 0 || n > uint64(len(b)-m) {
			return nil, ErrIndexDamaged
		}
		dir = append(dir, b[m:m+int(n)])
		b = b[m+int(n):]
	}
	if len(dir) != pages {
		return nil, ErrIndexDamaged
	}
	return dir, nil
}

// pageReader walks the entries of one page.
type pageReader struct {
	b    []byte
	term []byte
}

func (p *pageReader) reset(b []byte) {
	p.b = b
	p.term = p.term[:0]
}

// next returns the next entry; ok is false at the end of the page. term
// and docs are valid until the next call or reset.
func (p *pageReader) next() (term []byte, n int, docs []byte, ok bool, err error) {
	if len(p.b) == 0 {
		return nil, 0, nil, false, nil
	}
	var v [4]uint64
	for i := range v {
		x, m := binary.Uvarint(p.b)
		if m <= 0 {
			return nil, 0, nil, false, ErrIndexDamaged
		}
		p.b = p.b[m:]
		v[i] = x
		if i == 1 { // the suffix sits between the second and third numbers
			if v[0] > uint64(len(p.term)) || x > uint64(len(p.b)) {
				return nil, 0, nil, false, ErrIndexDamaged
			}
			p.term = append(p.term[:v[0]], p.b[:x]...)
			p.b = p.b[x:]
		}
	}
	if v[3] > uint64(len(p.b)) || v[2] > v[3] {
		return nil, 0, nil, false, ErrIndexDamaged
	}
	docs = p.b[:v[3]]
	p.b = p.b[v[3]:]
	return p.term, int(v[2]), docs, true, nil
}

// appendDocs decodes n gap-coded documents onto out. Documents must be
// below limit (the segment's document count).
func appendDocs(out []uint32, b []byte, n int, limit int) ([]uint32, error) {
	d := uint64(0)
	for i := 0; i < n; i++ {
		g, m := binary.Uvarint(b)
		if m <= 0 {
			return out, ErrIndexDamaged
		}
		b = b[m:]
		d += g
		if d >= uint64(limit) || (i > 0 && g == 0) {
			return out, ErrIndexDamaged
		}
		out = append(out, uint32(d))
	}
	if len(b) != 0 {
		return out, ErrIndexDamaged
	}
	return out, nil
}

// listJoiner concatenates document lists, each above the last, into one
// gap-coded list.
type listJoiner struct {
	buf  []byte
	n    int
	last uint32 // the last document, if n > 0
}

func (j *listJoiner) reset() {
	j.buf = j.buf[:0]
	j.n = 0
}

func (j *listJoiner) add(d uint32) {
	g := d
	if j.n > 0 {
		g = d - j.last
	}
	j.buf = binary.AppendUvarint(j.buf, uint64(g))
	j.n++
	j.last = d
}

// addShifted appends a gap-coded list of n documents below limit, each
// plus off. Only the first gap changes; the rest are copied after a
// check.
func (j *listJoiner) addShifted(b []byte, n, limit int, off uint32) error {
	first, m := binary.Uvarint(b)
	if m <= 0 || n <= 0 {
		return ErrIndexDamaged
	}
	d, rest := first, b[m:]
	for i := 1; i < n; i++ {
		g, m := binary.Uvarint(rest)
		if m <= 0 || g == 0 {
			return ErrIndexDamaged
		}
		d += g
		rest = rest[m:]
	}
	if len(rest) != 0 || d >= uint64(limit) {
		return ErrIndexDamaged
	}
	start := uint64(off) + first
	if j.n > 0 {
		if start <= uint64(j.last) {
			return ErrIndexDamaged
		}
		start -= uint64(j.last)
	}
	j.buf = binary.AppendUvarint(j.buf, start)
	j.buf = append(j.buf, b[m:]...)
	j.n += n
	j.last = uint32(d) + off
	return nil
}

// segmentRow is what compaction needs of a segment.
type segmentRow struct {
	id, level, docs, pages int64
}

func listSegments(ctx context.Context, tx *sql.Tx) ([]segmentRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, level, docs, pages FROM search_segments ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var segs []segmentRow
	for rows.Next() {
		var s segmentRow
		if err := rows.Scan(&s.id, &s.level, &s.docs, &s.pages); err != nil {
			return nil, err
		}
		segs = append(segs, s)
	}
	return segs, rows.Err()
}

// compact merges segments while some level holds mergeFanout or more,
// lowest level first. When a merge takes in every segment, no postings
// refer to retired keys any more, and their rows go.
func (x *indexer) compact(ctx context.Context) error {
	var retired map[int64]bool // loaded at the first merge; compacting retires no keys
	for {
		segs, err := listSegments(ctx, x.tx)
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		byLevel := map[int64][]segmentRow{}
		pick := int64(-1)
		for _, s := range segs {
			byLevel[s.level] = append(byLevel[s.level], s)
			if len(byLevel[s.level]) >= mergeFanout && (pick < 0 || s.level < pick) {
				pick = s.level
			}
		}
		if pick < 0 {
			return nil
		}
		if retired == nil {
			if retired, err = retiredKeys(ctx, x.tx); err != nil {
				return fmt.Errorf("compact: %w", err)
			}
		}
		if err := x.merge(ctx, byLevel[pick], retired); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		if len(byLevel[pick]) == len(segs) {
			if _, err := x.tx.ExecContext(ctx, `DELETE FROM search_keys WHERE article_id IS NULL`); err != nil {
				return fmt.Errorf("compact: %w", err)
			}
		}
	}
}

func retiredKeys(ctx context.Context, tx *sql.Tx) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT key FROM search_keys WHERE article_id IS NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	retired := map[int64]bool{}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		retired[k] = true
	}
	return retired, rows.Err()
}

// segCursor walks a segment's entries in order, reading its pages a chunk
// at a time so that a merge holds little of its inputs in memory.
type segCursor struct {
	ctx    context.Context
	tx     *sql.Tx
	seg    segmentRow
	next   int64 // next page to load
	loaded [][]byte
	pr     pageReader
	term   []byte
	n      int
	docs   []byte
	done   bool
}

func (c *segCursor) advance() error {
	for {
		term, n, docs, ok, err := c.pr.next()
		if err != nil {
			return fmt.Errorf("segment %d: %w", c.seg.id, err)
		}
		if ok {
			c.term, c.n, c.docs = term, n, docs
			return nil
		}
		if len(c.loaded) == 0 {
			if c.next >= c.seg.pages {
				c.done = true
				return nil
			}
			if err := c.load(); err != nil {
				return err
			}
		}
		c.pr.reset(c.loaded[0])
		c.loaded = c.loaded[1:]
	}
}

func (c *segCursor) load() error {
	end := min(c.seg.pages, c.next+pageChunk)
	rows, err := c.tx.QueryContext(c.ctx, `SELECT id, data FROM search_pages WHERE id >= ? AND id < ? ORDER BY id`,
		c.seg.id<<pageBits|c.next, c.seg.id<<pageBits|end)
	if err != nil {
		return fmt.Errorf("segment %d: %w", c.seg.id, err)
	}
	defer rows.Close()
	want := c.seg.id<<pageBits | c.next
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("segment %d: %w", c.seg.id, err)
		}
		if id != want {
			return fmt.Errorf("segment %d: page %d missing: %w", c.seg.id, want&maxPages, ErrIndexDamaged)
		}
		c.loaded = append(c.loaded, data)
		want++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("segment %d: %w", c.seg.id, err)
	}
	if want != c.seg.id<<pageBits|end {
		return fmt.Errorf("segment %d: page %d missing: %w", c.seg.id, want&maxPages, ErrIndexDamaged)
	}
	c.next = end
	return nil
}

// merge writes segs (in id order) as one segment and deletes them. The
// new numbering puts the documents of segs[0] first, then segs[1]'s, …,
// so a term's lists are concatenated, not merged; retired keys are
// dropped on the way.
func (x *indexer) merge(ctx context.Context, segs []segmentRow, retired map[int64]bool) error {
	var keys []int64
	renum := make([][]int32, len(segs))
	cursors := make([]*segCursor, len(segs))
	for i, sg := range segs {
		var blob []byte
		if err := x.tx.QueryRowContext(ctx, `SELECT keys FROM search_segments WHERE id = ?`, sg.id).Scan(&blob); err != nil {
			return fmt.Errorf("segment %d: %w", sg.id, err)
		}
		sk, err := decodeKeys(blob)
		if err != nil {
			return fmt.Errorf("segment %d: %w", sg.id, err)
		}
		if int64(len(sk)) != sg.docs {
			return fmt.Errorf("segment %d: %w", sg.id, ErrIndexDamaged)
		}
		renum[i] = make([]int32, len(sk))
		for j, k := range sk {
			if retired[k] {
				renum[i][j] = -1
				continue
			}
			renum[i][j] = int32(len(keys))
			keys = append(keys, k)
		}
		cursors[i] = &segCursor{ctx: ctx, tx: x.tx, seg: sg}
		if err := cursors[i].advance(); err != nil {
			return err
		}
	}
	w, err := newSegmentWriter(ctx, x.tx, x.pages)
	if err != nil {
		return err
	}
	// A segment without retired keys keeps its numbering, shifted: its
	// lists are copied as they are but for the first gap.
	shift := make([]int32, len(segs))
	for i, rn := range renum {
		shift[i] = -1
		if len(rn) > 0 && !slices.Contains(rn, -1) {
			shift[i] = rn[0]
		}
	}
	var term []byte
	var docs []uint32
	var j listJoiner
	for {
		var min []byte
		for _, c := range cursors {
			if !c.done && (min == nil || bytes.Compare(c.term, min) < 0) {
				min = c.term
			}
		}
		if min == nil {
			break
		}
		term = append(term[:0], min...)
		j.reset()
		for i, c := range cursors {
			if c.done || !bytes.Equal(c.term, term) {
				continue
			}
			if shift[i] >= 0 {
				err = j.addShifted(c.docs, c.n, len(renum[i]), uint32(shift[i]))
			} else {
				docs, err = appendDocs(docs[:0], c.docs, c.n, len(renum[i]))
				for _, d := range docs {
					if o := renum[i][d]; o >= 0 {
						j.add(uint32(o))
					}
				}
			}
			if err != nil {
				return fmt.Errorf("segment %d: %w", c.seg.id, err)
			}
			if err := c.advance(); err != nil {
				return err
			}
		}
		if j.n > 0 {
			if err := w.termEncoded(term, j.n, j.buf); err != nil {
				return err
			}
		}
	}
	if err := w.finish(keys); err != nil {
		return err
	}
	for _, sg := range segs {
		if err := deleteSegment(ctx, x.tx, sg.id); err != nil {
			return err
		}
	}
	return nil
}

// deleteSegment removes a segment's pages and row.
func deleteSegment(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_pages WHERE id >= ? AND id < ?`,
		id<<pageBits, (id+1)<<pageBits); err != nil {
		return fmt.Errorf("segment %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_segments WHERE id = ?`, id); err != nil {
		return fmt.Errorf("segment %d: %w", id, err)
	}
	return nil
}
