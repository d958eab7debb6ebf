package model

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrNotFound: no such row (article, subscription, channel, …).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: an article or argument the store refuses (bad date, empty
	// title, …). The wrapping error says which field.
	ErrInvalid = errors.New("invalid")
	// ErrDuplicate: an update would give an article the same content as
	// another stored article.
	ErrDuplicate = errors.New("duplicate content")
	// ErrWithdrawn: staff withdrew the article (撤下). It wraps ErrNotFound,
	// so readers that only know "not found" treat it so.
	ErrWithdrawn = fmt.Errorf("withdrawn by staff: %w", ErrNotFound)
)

// ErrInUse: the row is still referred to, e.g. a channel that a
// subscription delivers through.
var ErrInUse = errors.New("in use")

// ErrDamaged: the store fails SQLite's quick check; every command refuses
// it, so nothing writes into a damaged file.
var ErrDamaged = errors.New("the store is damaged")

// ErrIndexDamaged marks search index data that does not decode.
// RebuildSearchIndex recreates the index from the articles.
var ErrIndexDamaged = errors.New("search index damaged")
