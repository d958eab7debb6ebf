package data

import (
	"bytes"
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
	id   int64
	keys []int64  // document → search key
	dir  [][]byte // first term of each page
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

// candidates returns the search keys of the documents holding every
// token, in no particular order. Retired keys are among them.
func (c *segmentCache) candidates(ctx context.Context, tx *sql.Tx, toks []string) ([]int64, error) {
	terms := make([][]byte, len(toks))
	for i, t := range toks {
		terms[i] = termOf(t)
	}
	metas, err := c.segments(ctx, tx)
	if err != nil {
		return nil, err
	}
	page, err := tx.PrepareContext(ctx, `SELECT data FROM search_pages WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	defer page.Close()
	var keys []int64
	var cur, list, tmp []uint32
	var pr pageReader
	for _, m := range metas {
		cur = cur[:0]
		for i, t := range terms {
			if list, err = m.lookup(ctx, page, &pr, t, list[:0]); err != nil {
				return nil, fmt.Errorf("segment %d: %w", m.id, err)
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
		for _, d := range cur {
			keys = append(keys, m.keys[d])
		}
	}
	return keys, nil
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
		return out, fmt.Errorf("page %d missing: %w", i, errDamaged)
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

// takeNewest returns the m largest keys of c, largest first, and the
// others. A one-character query can have every article as a candidate;
// selecting costs a pass over them where sorting would cost twenty.
func takeNewest(c []int64, m int) (top, rest []int64) {
	if m < len(c) {
		selectLargest(c, m)
		top, rest = c[:m], c[m:]
	} else {
		top = c
	}
	slices.Sort(top)
	slices.Reverse(top)
	return top, rest
}

// selectLargest reorders c so that c[:m] holds its m largest values, for
// 0 < m < len(c) (Hoare's quickselect, median-of-three pivots).
func selectLargest(c []int64, m int) {
	k := m - 1
	lo, hi := 0, len(c)-1
	for lo < hi {
		a, b, d := c[lo], c[lo+(hi-lo)/2], c[hi]
		p := max(min(a, b), min(max(a, b), d))
		i, j := lo, hi
		for i <= j {
			for c[i] > p {
				i++
			}
			for c[j] < p {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}
