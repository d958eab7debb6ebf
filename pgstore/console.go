package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxdigest/wxdigest/model"
)

// The web console's data: its users and their sessions, the API's bearer
// tokens and the approvals (审核) of slots. Package web decides what they
// mean; the store keeps them and refuses what it cannot keep (ErrInvalid),
// the same way the SQLite store does.

// checkConsoleRole refuses a role other than admin or staff.
func checkConsoleRole(r model.Role) error {
	if r != model.RoleAdmin && r != model.RoleStaff {
		return fmt.Errorf("unknown role %q, want %q or %q: %w", r, model.RoleAdmin, model.RoleStaff, model.ErrInvalid)
	}
	return nil
}

// checkSHA256 refuses anything but a hex SHA-256 in lower case (64 hex
// digits): session ids and token hashes are digests of the secrets handed
// out, never the secrets themselves.
func checkSHA256(what, v string) error {
	if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
		return fmt.Errorf("%s is not a hex SHA-256: %w", what, model.ErrInvalid)
	}
	return nil
}

// checkText refuses what a text column cannot hold: invalid UTF-8, or a
// NUL character.
func checkText(what, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, model.ErrInvalid)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%s holds a NUL character: %w", what, model.ErrInvalid)
	}
	return nil
}

// foreignKeyViolation reports a foreign key's refusal: the row referred
// to went between the statement's check and its insert.
func foreignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
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

func scanUser(sc scanner) (model.User, error) {
	var u model.User
	if err := sc.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &u.Created, &u.Updated); err != nil {
		return model.User{}, err
	}
	u.Created, u.Updated = u.Created.UTC(), u.Updated.UTC()
	return u, nil
}

// AddUser adds a console user (u.ID, Created and Updated are the store's)
// and returns it as stored. A taken name is ErrExists; an empty name or
// password hash, or a role other than admin or staff, is ErrInvalid.
func (s *Store) AddUser(ctx context.Context, u model.User) (model.User, error) {
	if err := checkUser(u); err != nil {
		return model.User{}, fmt.Errorf("pgstore: add user: %w", err)
	}
	out, err := scanUser(s.pool.QueryRow(ctx, `INSERT INTO users
		(name, role, password_hash, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		RETURNING `+userCols, u.Name, string(u.Role), u.PasswordHash, u.Disabled, ts(s.now())))
	if uniqueViolation(err) {
		return model.User{}, fmt.Errorf("pgstore: add user %q: %w", u.Name, model.ErrExists)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("pgstore: add user %q: %w", u.Name, err)
	}
	return out, nil
}

// User returns the console user called name; ErrNotFound when there is
// none.
func (s *Store) User(ctx context.Context, name string) (model.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.User{}, fmt.Errorf("pgstore: user %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("pgstore: user %q: %w", name, err)
	}
	return u, nil
}

// Users lists the console users by name.
func (s *Store) Users(ctx context.Context) ([]model.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	us, err := collect(rows, err, scanUser)
	if err != nil {
		return nil, fmt.Errorf("pgstore: users: %w", err)
	}
	return us, nil
}

// UpdateUser sets the role, password hash and disabled flag of the user
// called u.Name (ErrNotFound; ErrInvalid as AddUser) and returns it as
// stored, Updated the store's clock. It ends no sessions: a caller that
// disables a user or changes a password calls DeleteUserSessions.
func (s *Store) UpdateUser(ctx context.Context, u model.User) (model.User, error) {
	if err := checkUser(u); err != nil {
		return model.User{}, fmt.Errorf("pgstore: update user: %w", err)
	}
	out, err := scanUser(s.pool.QueryRow(ctx, `UPDATE users SET role = $1, password_hash = $2, disabled = $3, updated_at = $4
		WHERE name = $5 RETURNING `+userCols, string(u.Role), u.PasswordHash, u.Disabled, ts(s.now()), u.Name))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.User{}, fmt.Errorf("pgstore: update user %q: %w", u.Name, model.ErrNotFound)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("pgstore: update user %q: %w", u.Name, err)
	}
	return out, nil
}

// RemoveUser removes the user called name and its sessions (ON DELETE
// CASCADE); ErrNotFound when there is none.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("pgstore: remove user %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: remove user %q: %w", name, model.ErrNotFound)
	}
	return nil
}

// CreateSession stores a console login. Its ID is the hex SHA-256 of the
// cookie's value (ErrInvalid otherwise), its user must exist (ErrNotFound)
// and Expires is required; Created defaults to the store's clock. An ID
// already stored is ErrExists.
func (s *Store) CreateSession(ctx context.Context, sess model.Session) error {
	if err := checkSHA256("session id", sess.ID); err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	if err := checkText("session csrf token", sess.CSRF); err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	if sess.Created.IsZero() {
		sess.Created = s.now()
	}
	if err := checkTime("session creation time", sess.Created); err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	if err := checkTime("session expiry", sess.Expires); err != nil {
		return fmt.Errorf("pgstore: create session: %w", err)
	}
	// The user row is share-locked by the foreign key's check, so a
	// concurrent RemoveUser either removes this session too or makes the
	// insert fail as if the user had never been.
	tag, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, user_name, csrf, created_at, expires_at)
		SELECT $1::text, name, $3::text, $4::timestamptz, $5::timestamptz FROM users WHERE name = $2`,
		sess.ID, sess.User, sess.CSRF, ts(sess.Created), ts(sess.Expires))
	switch {
	case uniqueViolation(err):
		return fmt.Errorf("pgstore: create session of %q: %w", sess.User, model.ErrExists)
	case foreignKeyViolation(err): // the user went meanwhile
		return fmt.Errorf("pgstore: create session of %q: user: %w", sess.User, model.ErrNotFound)
	case err != nil:
		return fmt.Errorf("pgstore: create session of %q: %w", sess.User, err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("pgstore: create session of %q: user: %w", sess.User, model.ErrNotFound)
	}
	return nil
}

// Session returns the session with this ID. One that is not stored is
// ErrNotFound. One that has expired by the store's clock (now at or after
// Expires) is an error wrapping both model.ErrExpired and ErrNotFound: a
// caller asking whether someone is logged in gets "no" either way, and
// one that cares can tell why. PruneSessions deletes expired sessions.
func (s *Store) Session(ctx context.Context, id string) (model.Session, error) {
	var sess model.Session
	err := s.pool.QueryRow(ctx, `SELECT id, user_name, csrf, created_at, expires_at FROM sessions WHERE id = $1`, id).
		Scan(&sess.ID, &sess.User, &sess.CSRF, &sess.Created, &sess.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Session{}, fmt.Errorf("pgstore: session: %w", model.ErrNotFound)
	}
	if err != nil {
		return model.Session{}, fmt.Errorf("pgstore: session: %w", err)
	}
	sess.Created, sess.Expires = sess.Created.UTC(), sess.Expires.UTC()
	if !s.now().Before(sess.Expires) {
		return model.Session{}, fmt.Errorf("pgstore: session: %w: %w", model.ErrExpired, model.ErrNotFound)
	}
	return sess, nil
}

// DeleteSession ends the session with this ID; ending one that is not
// stored is not an error (a logout that raced another).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("pgstore: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of the user called user (none is
// not an error).
func (s *Store) DeleteUserSessions(ctx context.Context, user string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_name = $1`, user); err != nil {
		return fmt.Errorf("pgstore: delete sessions of %q: %w", user, err)
	}
	return nil
}

// PruneSessions deletes the sessions expired by the store's clock and
// returns how many.
func (s *Store) PruneSessions(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ts(s.now()))
	if err != nil {
		return 0, fmt.Errorf("pgstore: prune sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

const tokenCols = `id, name, hash, role, created_at, revoked_at`

func scanToken(sc scanner) (model.APIToken, error) {
	var t model.APIToken
	var revoked *time.Time
	if err := sc.Scan(&t.ID, &t.Name, &t.Hash, &t.Role, &t.Created, &revoked); err != nil {
		return model.APIToken{}, err
	}
	t.Created, t.RevokedAt = t.Created.UTC(), fromNull(revoked)
	return t, nil
}

// AddToken stores an API token (t.ID and Created are the store's; a new
// token is not revoked) and returns it as stored. Its Hash is the hex
// SHA-256 of the token handed out (ErrInvalid otherwise, as for an empty
// name or a role other than admin or staff). A name or hash already
// stored, revoked tokens' included, is ErrExists.
func (s *Store) AddToken(ctx context.Context, t model.APIToken) (model.APIToken, error) {
	if err := checkName("token name", t.Name); err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: add token: %w", err)
	}
	if err := checkText("token name", t.Name); err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: add token: %w", err)
	}
	if err := checkSHA256("token hash", t.Hash); err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: add token: %w", err)
	}
	if err := checkConsoleRole(t.Role); err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: add token: %w", err)
	}
	out, err := scanToken(s.pool.QueryRow(ctx, `INSERT INTO api_tokens (name, hash, role, created_at) VALUES ($1, $2, $3, $4)
		RETURNING `+tokenCols, t.Name, t.Hash, string(t.Role), ts(s.now())))
	if uniqueViolation(err) {
		return model.APIToken{}, fmt.Errorf("pgstore: add token %q: name or hash taken: %w", t.Name, model.ErrExists)
	}
	if err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: add token %q: %w", t.Name, err)
	}
	return out, nil
}

// TokenByHash returns the token whose hash is hash, revoked or not;
// ErrNotFound when there is none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (model.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.APIToken{}, fmt.Errorf("pgstore: token: %w", model.ErrNotFound)
	}
	if err != nil {
		return model.APIToken{}, fmt.Errorf("pgstore: token: %w", err)
	}
	return t, nil
}

// Tokens lists the API tokens by name, revoked ones included.
func (s *Store) Tokens(ctx context.Context) ([]model.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens ORDER BY name`)
	out, err := collect(rows, err, scanToken)
	if err != nil {
		return nil, fmt.Errorf("pgstore: tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes the token called name at the store's clock;
// ErrNotFound when there is none. Revoking a revoked token keeps the time
// it was first revoked.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	var one int
	err := s.pool.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE name = $2 RETURNING 1`,
		ts(s.now()), name).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: revoke token %q: %w", name, model.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("pgstore: revoke token %q: %w", name, err)
	}
	return nil
}

const approvalCols = `id, subscription_id, slot, state, approved_by, approved_at, text, text_hash`

func scanApproval(sc scanner) (model.Approval, error) {
	var a model.Approval
	var at *time.Time
	if err := sc.Scan(&a.ID, &a.SubscriptionID, &a.Slot, &a.State, &a.By, &at, &a.Text, &a.TextHash); err != nil {
		return model.Approval{}, err
	}
	a.Slot, a.At = a.Slot.UTC(), fromNull(at)
	return a, nil
}

func checkApproval(a model.Approval) error {
	if a.SubscriptionID <= 0 {
		return fmt.Errorf("bad subscription id %d: %w", a.SubscriptionID, model.ErrInvalid)
	}
	if err := checkTime("slot", a.Slot); err != nil {
		return err
	}
	switch a.State {
	case model.ApprovalPending, model.ApprovalApproved, model.ApprovalMissed:
	default:
		return fmt.Errorf("unknown approval state %q, want %q, %q or %q: %w", a.State,
			model.ApprovalPending, model.ApprovalApproved, model.ApprovalMissed, model.ErrInvalid)
	}
	if !a.At.IsZero() {
		if err := checkTime("approval time", a.At); err != nil {
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
	if err := checkTime("slot", slot); err != nil {
		return model.Approval{}, fmt.Errorf("pgstore: approval: %w", err)
	}
	a, err := scanApproval(s.pool.QueryRow(ctx, `SELECT `+approvalCols+` FROM approvals
		WHERE subscription_id = $1 AND slot = $2`, subID, ts(slot)))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Approval{}, fmt.Errorf("pgstore: approval of subscription %d at %s: %w", subID, ts(slot).Format(time.RFC3339Nano), model.ErrNotFound)
	}
	if err != nil {
		return model.Approval{}, fmt.Errorf("pgstore: approval of subscription %d at %s: %w", subID, ts(slot).Format(time.RFC3339Nano), err)
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
		return model.Approval{}, fmt.Errorf("pgstore: put approval: %w", err)
	}
	op := fmt.Sprintf("put approval of subscription %d at %s", a.SubscriptionID, ts(a.Slot).Format(time.RFC3339Nano))
	// The subscription row is share-locked by the foreign key's check: a
	// concurrent RemoveSubscription removes this approval too, or the
	// insert fails as if the subscription had never been.
	out, err := scanApproval(s.pool.QueryRow(ctx, `INSERT INTO approvals
		(subscription_id, slot, state, approved_by, approved_at, text, text_hash)
		SELECT id, $2::timestamptz, $3::text, $4::text, $5::timestamptz, $6::text, $7::text FROM subscriptions WHERE id = $1
		ON CONFLICT (subscription_id, slot) DO UPDATE SET
			state = excluded.state, approved_by = excluded.approved_by, approved_at = excluded.approved_at,
			text = excluded.text, text_hash = excluded.text_hash
		RETURNING `+approvalCols, a.SubscriptionID, ts(a.Slot), a.State, a.By, nullTS(a.At), a.Text, a.TextHash))
	if errors.Is(err, pgx.ErrNoRows) || foreignKeyViolation(err) {
		return model.Approval{}, fmt.Errorf("pgstore: %s: subscription %d: %w", op, a.SubscriptionID, model.ErrNotFound)
	}
	if err != nil {
		return model.Approval{}, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	return out, nil
}

// Approvals lists the approvals of slots at or after since (zero: all),
// oldest slot first, then by subscription.
func (s *Store) Approvals(ctx context.Context, since time.Time) ([]model.Approval, error) {
	var from *time.Time
	if !since.IsZero() {
		if err := checkTime("since", since); err != nil {
			return nil, fmt.Errorf("pgstore: approvals: %w", err)
		}
		from = nullTS(since)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+approvalCols+` FROM approvals
		WHERE $1::timestamptz IS NULL OR slot >= $1 ORDER BY slot, subscription_id, id`, from)
	out, err := collect(rows, err, scanApproval)
	if err != nil {
		return nil, fmt.Errorf("pgstore: approvals: %w", err)
	}
	return out, nil
}
