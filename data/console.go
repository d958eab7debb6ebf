package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"

	"github.com/wxdigest/wxdigest/model"
)

// The web console's data: its users and their sessions, the API's bearer
// tokens and the approvals (审核) of slots. Package web decides what they
// mean; the store keeps them and refuses what it cannot keep (ErrInvalid),
// the same way the PostgreSQL store does.

// checkConsoleRole refuses a role other than admin or staff.
func checkConsoleRole(r model.Role) error {
	if r != model.RoleAdmin && r != model.RoleStaff {
		return fmt.Errorf("unknown role %q, want %q or %q: %w", r, model.RoleAdmin, model.RoleStaff, ErrInvalid)
	}
	return nil
}

// checkSHA256 refuses anything but a hex SHA-256 in lower case (64 hex
// digits): session ids and token hashes are digests of the secrets handed
// out, never the secrets themselves.
func checkSHA256(what, v string) error {
	if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
		return fmt.Errorf("%s is not a hex SHA-256: %w", what, ErrInvalid)
	}
	return nil
}

// checkText refuses text a store cannot keep the same way everywhere:
// invalid UTF-8, or a NUL character (PostgreSQL's text has none).
func checkText(what, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, ErrInvalid)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%s holds a NUL character: %w", what, ErrInvalid)
	}
	return nil
}

// isPrimaryKey reports a PRIMARY KEY's refusal (a taken session id).
func isPrimaryKey(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}

func checkUser(u model.User) error {
	if err := checkName("user name", u.Name); err != nil {
		return err
	}
	if err := checkText("user name", u.Name); err != nil {
		return err
	}
	if err := checkConsoleRole(u.Role); err != nil {
		return err
	}
	if err := checkName("password hash", u.PasswordHash); err != nil {
		return err
	}
	return checkText("password hash", u.PasswordHash)
}

const userCols = `id, name, role, password_hash, disabled, created_at, updated_at`

func scanUser(sc botScanner) (model.User, error) {
	var u model.User
	var disabled int
	var created, updated string
	if err := sc.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &disabled, &created, &updated); err != nil {
		return model.User{}, err
	}
	u.Disabled = disabled != 0
	var err error
	if u.Created, err = parseBotTime(created); err != nil {
		return model.User{}, err
	}
	if u.Updated, err = parseBotTime(updated); err != nil {
		return model.User{}, err
	}
	return u, nil
}

// AddUser adds a console user (u.ID, Created and Updated are the store's)
// and returns it as stored. A taken name is ErrExists; an empty name or
// password hash, or a role other than admin or staff, is ErrInvalid.
func (s *Store) AddUser(ctx context.Context, u model.User) (model.User, error) {
	if err := checkUser(u); err != nil {
		return model.User{}, fmt.Errorf("data: add user: %w", err)
	}
	now := botTime(s.now())
	out, err := scanUser(s.w.QueryRowContext(ctx, `INSERT INTO users
		(name, role, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		RETURNING `+userCols, u.Name, string(u.Role), u.PasswordHash, boolInt(u.Disabled), now, now))
	if isUnique(err) {
		return model.User{}, fmt.Errorf("data: add user %q: %w", u.Name, ErrExists)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("data: add user %q: %w", u.Name, err)
	}
	return out, nil
}

// User returns the console user called name; ErrNotFound when there is
// none.
func (s *Store) User(ctx context.Context, name string) (model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, fmt.Errorf("data: user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("data: user %q: %w", name, err)
	}
	return u, nil
}

// Users lists the console users by name.
func (s *Store) Users(ctx context.Context) ([]model.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("data: users: %w", err)
	}
	defer rows.Close()
	us := []model.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("data: users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: users: %w", err)
	}
	return us, nil
}

// UpdateUser sets the role, password hash and disabled flag of the user
// called u.Name (ErrNotFound; ErrInvalid as AddUser) and returns it as
// stored, Updated the store's clock. It ends no sessions: a caller that
// disables a user or changes a password calls DeleteUserSessions.
func (s *Store) UpdateUser(ctx context.Context, u model.User) (model.User, error) {
	if err := checkUser(u); err != nil {
		return model.User{}, fmt.Errorf("data: update user: %w", err)
	}
	out, err := scanUser(s.w.QueryRowContext(ctx, `UPDATE users SET role = ?, password_hash = ?, disabled = ?, updated_at = ?
		WHERE name = ? RETURNING `+userCols, string(u.Role), u.PasswordHash, boolInt(u.Disabled), botTime(s.now()), u.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, fmt.Errorf("data: update user %q: %w", u.Name, ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("data: update user %q: %w", u.Name, err)
	}
	return out, nil
}

// RemoveUser removes the user called name and its sessions; ErrNotFound
// when there is none.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	return s.botTx(ctx, fmt.Sprintf("remove user %q", name), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = ?`, name); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// CreateSession stores a console login. Its ID is the hex SHA-256 of the
// cookie's value (ErrInvalid otherwise), its user must exist (ErrNotFound)
// and Expires is required; Created defaults to the store's clock. An ID
// already stored is ErrExists.
func (s *Store) CreateSession(ctx context.Context, sess model.Session) error {
	if err := checkSHA256("session id", sess.ID); err != nil {
		return fmt.Errorf("data: create session: %w", err)
	}
	if err := checkText("session csrf token", sess.CSRF); err != nil {
		return fmt.Errorf("data: create session: %w", err)
	}
	if sess.Created.IsZero() {
		sess.Created = s.now()
	}
	if err := checkBotTime("session creation time", sess.Created); err != nil {
		return fmt.Errorf("data: create session: %w", err)
	}
	if err := checkBotTime("session expiry", sess.Expires); err != nil {
		return fmt.Errorf("data: create session: %w", err)
	}
	return s.botTx(ctx, fmt.Sprintf("create session of %q", sess.User), func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)`, sess.User).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("user: %w", ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			sess.ID, sess.User, sess.CSRF, botTime(sess.Created), botTime(sess.Expires))
		if isUnique(err) || isPrimaryKey(err) {
			return ErrExists
		}
		return err
	})
}

// Session returns the session with this ID. One that is not stored is
// ErrNotFound. One that has expired by the store's clock (now at or after
// Expires) is an error wrapping both model.ErrExpired and ErrNotFound: a
// caller asking whether someone is logged in gets "no" either way, and
// one that cares can tell why. PruneSessions deletes expired sessions.
func (s *Store) Session(ctx context.Context, id string) (model.Session, error) {
	var sess model.Session
	var created, expires string
	err := s.r.QueryRowContext(ctx, `SELECT id, user_name, csrf, created_at, expires_at FROM sessions WHERE id = ?`, id).
		Scan(&sess.ID, &sess.User, &sess.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Session{}, fmt.Errorf("data: session: %w", ErrNotFound)
	}
	if err != nil {
		return model.Session{}, fmt.Errorf("data: session: %w", err)
	}
	if sess.Created, err = parseBotTime(created); err != nil {
		return model.Session{}, fmt.Errorf("data: session: %w", err)
	}
	if sess.Expires, err = parseBotTime(expires); err != nil {
		return model.Session{}, fmt.Errorf("data: session: %w", err)
	}
	if !s.now().Before(sess.Expires) {
		return model.Session{}, fmt.Errorf("data: session: %w: %w", model.ErrExpired, ErrNotFound)
	}
	return sess, nil
}

// DeleteSession ends the session with this ID; ending one that is not
// stored is not an error (a logout that raced another).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("data: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of the user called user (none is
// not an error).
func (s *Store) DeleteUserSessions(ctx context.Context, user string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = ?`, user); err != nil {
		return fmt.Errorf("data: delete sessions of %q: %w", user, err)
	}
	return nil
}

// PruneSessions deletes the sessions expired by the store's clock and
// returns how many.
func (s *Store) PruneSessions(ctx context.Context) (int64, error) {
	r, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, botTime(s.now()))
	if err != nil {
		return 0, fmt.Errorf("data: prune sessions: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("data: prune sessions: %w", err)
	}
	return n, nil
}

const tokenCols = `id, name, hash, role, created_at, revoked_at`

func scanToken(sc botScanner) (model.APIToken, error) {
	var t model.APIToken
	var created string
	var revoked sql.NullString
	if err := sc.Scan(&t.ID, &t.Name, &t.Hash, &t.Role, &created, &revoked); err != nil {
		return model.APIToken{}, err
	}
	var err error
	if t.Created, err = parseBotTime(created); err != nil {
		return model.APIToken{}, err
	}
	if t.RevokedAt, err = parseNullBotTime(revoked); err != nil {
		return model.APIToken{}, err
	}
	return t, nil
}

// AddToken stores an API token (t.ID and Created are the store's; a new
// token is not revoked) and returns it as stored. Its Hash is the hex
// SHA-256 of the token handed out (ErrInvalid otherwise, as for an empty
// name or a role other than admin or staff). A name or hash already
// stored, revoked tokens' included, is ErrExists.
func (s *Store) AddToken(ctx context.Context, t model.APIToken) (model.APIToken, error) {
	if err := checkName("token name", t.Name); err != nil {
		return model.APIToken{}, fmt.Errorf("data: add token: %w", err)
	}
	if err := checkText("token name", t.Name); err != nil {
		return model.APIToken{}, fmt.Errorf("data: add token: %w", err)
	}
	if err := checkSHA256("token hash", t.Hash); err != nil {
		return model.APIToken{}, fmt.Errorf("data: add token: %w", err)
	}
	if err := checkConsoleRole(t.Role); err != nil {
		return model.APIToken{}, fmt.Errorf("data: add token: %w", err)
	}
	out, err := scanToken(s.w.QueryRowContext(ctx, `INSERT INTO api_tokens (name, hash, role, created_at) VALUES (?, ?, ?, ?)
		RETURNING `+tokenCols, t.Name, t.Hash, string(t.Role), botTime(s.now())))
	if isUnique(err) {
		return model.APIToken{}, fmt.Errorf("data: add token %q: name or hash taken: %w", t.Name, ErrExists)
	}
	if err != nil {
		return model.APIToken{}, fmt.Errorf("data: add token %q: %w", t.Name, err)
	}
	return out, nil
}

// TokenByHash returns the token whose hash is hash, revoked or not;
// ErrNotFound when there is none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (model.APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return model.APIToken{}, fmt.Errorf("data: token: %w", ErrNotFound)
	}
	if err != nil {
		return model.APIToken{}, fmt.Errorf("data: token: %w", err)
	}
	return t, nil
}

// Tokens lists the API tokens by name, revoked ones included.
func (s *Store) Tokens(ctx context.Context) ([]model.APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("data: tokens: %w", err)
	}
	defer rows.Close()
	ts := []model.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("data: tokens: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken revokes the token called name at the store's clock;
// ErrNotFound when there is none. Revoking a revoked token keeps the time
// it was first revoked.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	return s.botTx(ctx, fmt.Sprintf("revoke token %q", name), func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM api_tokens WHERE name = ?)`, name).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`,
			botTime(s.now()), name)
		return err
	})
}

const approvalCols = `id, subscription_id, slot, state, approved_by, approved_at, text, text_hash`

func scanApproval(sc botScanner) (model.Approval, error) {
	var a model.Approval
	var slot string
	var at sql.NullString
	if err := sc.Scan(&a.ID, &a.SubscriptionID, &slot, &a.State, &a.By, &at, &a.Text, &a.TextHash); err != nil {
		return model.Approval{}, err
	}
	var err error
	if a.Slot, err = parseBotTime(slot); err != nil {
		return model.Approval{}, err
	}
	if a.At, err = parseNullBotTime(at); err != nil {
		return model.Approval{}, err
	}
	return a, nil
}

func checkApproval(a model.Approval) error {
	if a.SubscriptionID <= 0 {
		return fmt.Errorf("bad subscription id %d: %w", a.SubscriptionID, ErrInvalid)
	}
	if err := checkBotTime("slot", a.Slot); err != nil {
		return err
	}
	switch a.State {
	case model.ApprovalPending, model.ApprovalApproved, model.ApprovalMissed:
	default:
		return fmt.Errorf("unknown approval state %q, want %q, %q or %q: %w", a.State,
			model.ApprovalPending, model.ApprovalApproved, model.ApprovalMissed, ErrInvalid)
	}
	if !a.At.IsZero() {
		if err := checkBotTime("approval time", a.At); err != nil {
			return err
		}
	}
	for _, f := range []struct{ what, v string }{{"approved by", a.By}, {"approved text", a.Text}, {"text hash", a.TextHash}} {
		if err := checkText(f.what, f.v); err != nil {
			return err
		}
	}
	return nil
}

// Approval returns the approval of the subscription's slot (the slot
// compared to the microsecond); ErrNotFound when there is none.
func (s *Store) Approval(ctx context.Context, subID int64, slot time.Time) (model.Approval, error) {
	if err := checkBotTime("slot", slot); err != nil {
		return model.Approval{}, fmt.Errorf("data: approval: %w", err)
	}
	a, err := scanApproval(s.r.QueryRowContext(ctx, `SELECT `+approvalCols+` FROM approvals
		WHERE subscription_id = ? AND slot = ?`, subID, botTime(slot)))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Approval{}, fmt.Errorf("data: approval of subscription %d at %s: %w", subID, botTime(slot), ErrNotFound)
	}
	if err != nil {
		return model.Approval{}, fmt.Errorf("data: approval of subscription %d at %s: %w", subID, botTime(slot), err)
	}
	return a, nil
}

// PutApproval inserts or replaces the approval of (a.SubscriptionID,
// a.Slot) and returns it as stored: a.ID is ignored (a replaced approval
// keeps its ID), the slot is kept in UTC to the microsecond, At zero
// (pending) stays zero. The state must be one of model's Approval states
// and the subscription must exist (ErrNotFound). Removing the
// subscription removes its approvals.
func (s *Store) PutApproval(ctx context.Context, a model.Approval) (model.Approval, error) {
	if err := checkApproval(a); err != nil {
		return model.Approval{}, fmt.Errorf("data: put approval: %w", err)
	}
	var at sql.NullString
	if !a.At.IsZero() {
		at = sql.NullString{String: botTime(a.At), Valid: true}
	}
	var out model.Approval
	err := s.botTx(ctx, fmt.Sprintf("put approval of subscription %d at %s", a.SubscriptionID, botTime(a.Slot)), func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = ?)`, a.SubscriptionID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("subscription %d: %w", a.SubscriptionID, ErrNotFound)
		}
		var err error
		out, err = scanApproval(tx.QueryRowContext(ctx, `INSERT INTO approvals
			(subscription_id, slot, state, approved_by, approved_at, text, text_hash) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (subscription_id, slot) DO UPDATE SET
				state = excluded.state, approved_by = excluded.approved_by, approved_at = excluded.approved_at,
				text = excluded.text, text_hash = excluded.text_hash
			RETURNING `+approvalCols, a.SubscriptionID, botTime(a.Slot), a.State, a.By, at, a.Text, a.TextHash))
		return err
	})
	if err != nil {
		return model.Approval{}, err
	}
	return out, nil
}

// Approvals lists the approvals of slots at or after since (zero: all),
// oldest slot first, then by subscription.
func (s *Store) Approvals(ctx context.Context, since time.Time) ([]model.Approval, error) {
	from := ""
	if !since.IsZero() {
		if err := checkBotTime("since", since); err != nil {
			return nil, fmt.Errorf("data: approvals: %w", err)
		}
		from = botTime(since)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+approvalCols+` FROM approvals WHERE slot >= ?
		ORDER BY slot, subscription_id, id`, from)
	if err != nil {
		return nil, fmt.Errorf("data: approvals: %w", err)
	}
	defer rows.Close()
	as := []model.Approval{}
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("data: approvals: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: approvals: %w", err)
	}
	return as, nil
}

// ArticleCount counts the stored articles, withdrawn ones not.
func (s *Store) ArticleCount(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE withdrawn_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("data: article count: %w", err)
	}
	return n, nil
}
