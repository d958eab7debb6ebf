package main

import (
	"context"
	"fmt"
	"os"
)

// cmdBackup writes a consistent copy of the store (also while run is
// running), mode 0600.
func cmdBackup(ctx context.Context, a *app, cfg config, args []string) error {
	fs := newFlags(a, "backup")
	storeFlags(fs, &cfg)
	out := fs.String("out", "", "file to write the copy to; it must not exist yet")
	if err := parseNoArgs(fs, args, &cfg, nil); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out FILE is required")
	}
	if isPostgres(cfg.DB) {
		return fmt.Errorf("backup works on a SQLite store; for PostgreSQL use pg_dump")
	}
	if _, err := os.Stat(cfg.DB); err != nil {
		return fmt.Errorf("store %s: %w", cfg.DB, err)
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	lite, err := sqliteOnly(st, "backup")
	if err != nil {
		return err
	}
	if err := lite.Backup(ctx, *out); err != nil {
		return err
	}
	info, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已备份到 %s（%d 字节）。恢复：停止 wxdigest run，把它复制为 %s（删掉旧的 -wal、-shm 文件），再启动。\n", *out, info.Size(), cfg.DB)
	return nil
}
