package data

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Reading the inverted index (postings.go).

// segmentCache keeps decoded segment rows (keys and page directory) by
// id. A segment never changes and its id is never reused, so an entry
// stays right for as long as the segment exists; entries of segments a
// search no longer sees are dropped.
type segmentCache struct {
	mu sync.Mutex
	m  map[int64]*segmentMeta
}

type segmentMeta struct {
	id       int64
	keys     []int64  // document → search key
	min, max int64    // of keys
	dir      [][]byte // first term of each page
}

// segments returns the metadata of every segment in tx's snapshot.
func (c *segmentCache) segments(ctx context.Context, tx *sql.Tx) ([]*segmentMeta, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM search_segments ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	metas := make([]*segmentMeta, len(ids))
	var missing []int
	c.mu.Lock()
	for i, id := range ids {
		if metas[i] = c.m[id]; metas[i] == nil {
			missing = append(missing, i)
		}
	}
	c.mu.Unlock()
	for _, i := range missing {
		var keys, dir []byte
		var pages int
		if err := tx.QueryRowContext(ctx, `SELECT keys, dir, pages FROM search_segments WHERE id = ?`, ids[i]).
			Scan(&keys, &dir, &pages); err != nil {
			return nil, fmt.Errorf("segment %d: %w", ids[i], err)
		}
		m := &segmentMeta{id: ids[i]}
		if m.keys, err = decodeKeys(keys); err != nil {
			return nil, fmt.Errorf("segment %d: %w", ids[i], err)
		}
		if m.dir, err = decodeDir(dir, pages); err != nil {
			return nil, fmt.Errorf("segment %d: %w", ids[i], err)
		}
		if len(m.keys) == 0 {
			return nil, fmt.Errorf("segment %d: no documents: %w", ids[i], ErrIndexDamaged)
		}
		m.min, m.max = slices.Min(m.keys), slices.Max(m.keys)
		metas[i] = m
	}
	c.mu.Lock()
	if len(missing) > 0 || len(c.m) != len(ids) {
		// The snapshot's segments replace the cache: in-flight searches on
		// older snapshots just reload what they miss.
		m := make(map[int64]*segmentMeta, len(metas))
		for _, s := range metas {
			m[s.id] = s
		}
		c.m = m
	}
	c.mu.Unlock()
	return metas, nil
}

// candidates offers top the search keys of the documents holding every
// term. Retired keys are among them.
func (c *segmentCache) candidates(ctx context.Context, tx *sql.Tx, terms [][]byte, top *topKeys) error {
	metas, err := c.segments(ctx, tx)
	if err != nil {
		return err
	}
	page, err := tx.PrepareContext(ctx, `SELECT data FROM search_pages WHERE id = ?`)
	if err != nil {
		return err
	}
	defer page.Close()
	var cur, list, tmp []uint32
	var pr pageReader
	// Segments with the newest keys first, and documents from the last:
	// numbers mostly follow import order, so the newest keys come first
	// and the heap turns most of the rest away with one comparison. Once
	// the heap is full, a segment whose keys are all older than its least
	// cannot add anything, nor can any after it: a common word is found in
	// the newest segments alone.
	metas = slices.Clone(metas)
	slices.SortFunc(metas, func(a, b *segmentMeta) int { return cmp.Compare(b.max, a.max) })
	for _, m := range metas {
		if m.min >= top.below {
			continue
		}
		if top.full() && m.max <= top.least() {
			top.more = true
			break
		}
		cur = cur[:0]
		for i, t := range terms {
			if list, err = m.lookup(ctx, page, &pr, t, list[:0]); err != nil {
				return fmt.Errorf("segment %d: %w", m.id, err)
			}
			if i == 0 {
				cur, list = list, cur
			} else {
				tmp = intersect(tmp[:0], cur, list)
				cur, tmp = tmp, cur
			}
			if len(cur) == 0 {
				break
			}
		}
		for _, d := range slices.Backward(cur) {
			top.offer(m.keys[d])
		}
	}
	return nil
}

// lookup appends the documents of term t to out.
func (m *segmentMeta) lookup(ctx context.Context, page *sql.Stmt, pr *pageReader, t []byte, out []uint32) ([]uint32, error) {
	i := sort.Search(len(m.dir), func(i int) bool { return bytes.Compare(m.dir[i], t) > 0 }) - 1
	if i < 0 {
		return out, nil
	}
	var data []byte
	err := page.QueryRowContext(ctx, m.id<<pageBits|int64(i)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("page %d missing: %w", i, ErrIndexDamaged)
	}
	if err != nil {
		return out, err
	}
	pr.reset(data)
	for {
		term, n, docs, ok, err := pr.next()
		if err != nil || !ok {
			return out, err
		}
		switch c := bytes.Compare(term, t); {
		case c == 0:
			return appendDocs(out, docs, n, len(m.keys))
		case c > 0:
			return out, nil
		}
	}
}

// intersect appends to out the values in both ascending lists.
func intersect(out, a, b []uint32) []uint32 {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// topKeys keeps the k largest keys offered below a bound: a
// one-character query can have every article as a candidate, and a
// search needs the newest few.
type topKeys struct {
	k     int
	below int64   // only keys below this count
	h     []int64 // min-heap of the largest so far
	more  bool    // a key below the bound was left out
}

func (t *topKeys) full() bool { return len(t.h) == t.k }

// least is the smallest key kept; call only when full.
func (t *topKeys) least() int64 { return t.h[0] }

func (t *topKeys) offer(key int64) {
	switch {
	case key >= t.below:
	case len(t.h) < t.k:
		t.h = append(t.h, key)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.h[p] <= t.h[i] {
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
	case key <= t.h[0]:
		t.more = true
	default:
		t.more = true
		t.h[0] = key
		for i := 0; ; {
			l, small := 2*i+1, i
			if l < len(t.h) && t.h[l] < t.h[small] {
				small = l
			}
			if l+1 < len(t.h) && t.h[l+1] < t.h[small] {
				small = l + 1
			}
			if small == i {
				break
			}
			t.h[i], t.h[small] = t.h[small], t.h[i]
			i = small
		}
	}
}

// sorted returns the kept keys, largest first, and lowers the bound to
// the smallest of them for a next round.
func (t *topKeys) sorted() []int64 {
	keys := slices.Clone(t.h)
	slices.Sort(keys)
	slices.Reverse(keys)
	if len(keys) > 0 {
		t.below = keys[len(keys)-1]
	}
	return keys
}
