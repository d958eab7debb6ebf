package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wxdigest/wxdigest/model"
)

// GrantRole gives remark (a friend's RemarkName) role, replacing any role
// the remark had. by says who granted it.
func (s *Store) GrantRole(ctx context.Context, remark string, role model.Role, by string) error {
	if err := checkName("remark", remark); err != nil {
		return fmt.Errorf("pgstore: grant role: %w", err)
	}
	if err := checkNUL("granted by", by); err != nil {
		return fmt.Errorf("pgstore: grant role: %w", err)
	}
	if role != model.RoleAdmin && role != model.RoleStaff {
		return fmt.Errorf("pgstore: grant role: unknown role %q, want admin or staff: %w", role, model.ErrInvalid)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO roles (remark, role, granted_by, granted_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (remark) DO UPDATE SET
			role = excluded.role, granted_by = excluded.granted_by, granted_at = excluded.granted_at`,
		remark, string(role), by, ts(s.now()))
	if err != nil {
		return fmt.Errorf("pgstore: grant role: %w", err)
	}
	return nil
}

// RevokeRole removes remark's role; ErrNotFound when it has none.
func (s *Store) RevokeRole(ctx context.Context, remark string) error {
	if hasNUL(remark) {
		return fmt.Errorf("pgstore: revoke role: %q has no role: %w", remark, model.ErrNotFound)
	}
	r, err := s.pool.Exec(ctx, `DELETE FROM roles WHERE remark = $1`, remark)
	if err != nil {
		return fmt.Errorf("pgstore: revoke role: %w", err)
	}
	if r.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: revoke role: %q has no role: %w", remark, model.ErrNotFound)
	}
	return nil
}

// RoleOf returns remark's role; ErrNotFound means a resident.
func (s *Store) RoleOf(ctx context.Context, remark string) (model.Role, error) {
	if hasNUL(remark) { // none is stored (checkName)
		return "", fmt.Errorf("pgstore: role of %q: %w", remark, model.ErrNotFound)
	}
	var role string
	err := s.pool.QueryRow(ctx, `SELECT role FROM roles WHERE remark = $1`, remark).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("pgstore: role of %q: %w", remark, model.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("pgstore: role of %q: %w", remark, err)
	}
	return model.Role(role), nil
}

// Roles lists every grant, by remark.
func (s *Store) Roles(ctx context.Context) ([]model.Grant, error) {
	rows, err := s.pool.Query(ctx, `SELECT remark, role, granted_by, granted_at FROM roles ORDER BY remark`)
	gs, err := collect(rows, err, func(sc scanner) (model.Grant, error) {
		var g model.Grant
		var role string
		err := sc.Scan(&g.Remark, &role, &g.GrantedBy, &g.GrantedAt)
		g.Role, g.GrantedAt = model.Role(role), g.GrantedAt.UTC()
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: roles: %w", err)
	}
	return gs, nil
}
