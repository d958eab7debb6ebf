package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// GrantRole gives remark (a friend's RemarkName) role, replacing any role
// the remark had. by says who granted it.
func (s *Store) GrantRole(ctx context.Context, remark string, role Role, by string) error {
	if err := checkName("remark", remark); err != nil {
		return fmt.Errorf("data: grant role: %w", err)
	}
	if err := checkNUL("granted by", by); err != nil {
		return fmt.Errorf("data: grant role: %w", err)
	}
	if role != RoleAdmin && role != RoleStaff {
		return fmt.Errorf("data: grant role: unknown role %q, want admin or staff: %w", role, ErrInvalid)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO roles (remark, role, granted_by, granted_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (remark) DO UPDATE SET
			role = excluded.role, granted_by = excluded.granted_by, granted_at = excluded.granted_at`,
		remark, string(role), by, botTime(s.now()))
	if err != nil {
		return fmt.Errorf("data: grant role: %w", err)
	}
	return nil
}

// RevokeRole removes remark's role; ErrNotFound when it has none.
func (s *Store) RevokeRole(ctx context.Context, remark string) error {
	r, err := s.w.ExecContext(ctx, `DELETE FROM roles WHERE remark = ?`, remark)
	if err != nil {
		return fmt.Errorf("data: revoke role: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("data: revoke role: %q has no role: %w", remark, ErrNotFound)
	}
	return nil
}

// RoleOf returns remark's role; ErrNotFound means a resident.
func (s *Store) RoleOf(ctx context.Context, remark string) (Role, error) {
	if hasNUL(remark) { // none is stored (checkName)
		return "", fmt.Errorf("data: role of %q: %w", remark, ErrNotFound)
	}
	var role string
	err := s.r.QueryRowContext(ctx, `SELECT role FROM roles WHERE remark = ?`, remark).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("data: role of %q: %w", remark, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("data: role of %q: %w", remark, err)
	}
	return Role(role), nil
}

// Roles lists every grant, by remark.
func (s *Store) Roles(ctx context.Context) ([]Grant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT remark, role, granted_by, granted_at FROM roles ORDER BY remark`)
	if err != nil {
		return nil, fmt.Errorf("data: roles: %w", err)
	}
	defer rows.Close()
	gs := []Grant{}
	for rows.Next() {
		var g Grant
		var role, at string
		if err := rows.Scan(&g.Remark, &role, &g.GrantedBy, &at); err != nil {
			return nil, fmt.Errorf("data: roles: %w", err)
		}
		g.Role = Role(role)
		if g.GrantedAt, err = parseBotTime(at); err != nil {
			return nil, fmt.Errorf("data: roles: %w", err)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("data: roles: %w", err)
	}
	return gs, nil
}
