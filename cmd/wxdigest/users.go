package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/wxdigest/wxdigest/model"
	"github.com/wxdigest/wxdigest/web"
)

// minPasswordRunes is the shortest console password accepted.
const minPasswordRunes = 10

// cmdUser manages the web console's accounts.
func cmdUser(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "add", "list", "remove", "passwd")
	if err != nil {
		return err
	}
	fs := newFlags(a, "user "+verb)
	storeFlags(fs, &cfg)
	name := fs.String("name", "", "the console user's name")
	roleName := fs.String("role", "", "admin or staff")
	pwFile := fs.String("password-file", "", "read the password from the first line of this file instead of the terminal")
	format := fs.String("format", "text", "output format of list: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	n := strings.TrimSpace(*name)
	if verb != "list" && n == "" {
		return usagef("--name is required")
	}
	var role model.Role
	if verb == "add" || (verb == "passwd" && *roleName != "") {
		if role, err = consoleRole(*roleName); err != nil {
			return err
		}
	}
	var hash string
	if verb == "add" || verb == "passwd" {
		pw, err := readPassword(a, *pwFile)
		if err != nil {
			return err
		}
		if hash, err = web.HashPassword(pw); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	audit := func(action, detail string) { cliAudit(ctx, a, st, action, detail) }
	switch verb {
	case "add":
		if _, err := st.AddUser(ctx, model.User{Name: n, Role: role, PasswordHash: hash}); err != nil {
			if errors.Is(err, model.ErrExists) {
				return fmt.Errorf("user %s already exists (use user passwd to change the password)", n)
			}
			return err
		}
		audit("user.add", n+" "+string(role))
		fmt.Fprintf(a.stdout, "已添加控制台用户：%s（%s）\n", n, role)
	case "passwd":
		u, err := st.User(ctx, n)
		if err != nil {
			return userErr(n, err)
		}
		u.PasswordHash = hash
		if role != "" {
			u.Role = role
		}
		if _, err := st.UpdateUser(ctx, u); err != nil {
			return userErr(n, err)
		}
		// A new password ends the sessions made with the old one.
		if err := st.DeleteUserSessions(ctx, n); err != nil {
			return err
		}
		audit("user.passwd", n)
		fmt.Fprintf(a.stdout, "已修改密码：%s（其已登录的会话已退出）\n", n)
	case "remove":
		if err := st.RemoveUser(ctx, n); err != nil {
			return userErr(n, err)
		}
		audit("user.remove", n)
		fmt.Fprintf(a.stdout, "已删除控制台用户：%s\n", n)
	case "list":
		us, err := st.Users(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			type row struct {
				Name     string `json:"name"`
				Role     string `json:"role"`
				Disabled bool   `json:"disabled"`
				Created  string `json:"created"`
			}
			out := []row{}
			for _, u := range us {
				out = append(out, row{u.Name, string(u.Role), u.Disabled, u.Created.In(cfg.loc).Format(time.RFC3339)})
			}
			return writeJSON(a.stdout, out)
		}
		if len(us) == 0 {
			fmt.Fprintln(a.stdout, "还没有控制台用户（wxdigest user add --name 名字 --role admin）")
			return nil
		}
		for _, u := range us {
			line := fmt.Sprintf("%s  %s  建于 %s", u.Name, u.Role, u.Created.In(cfg.loc).Format("2006-01-02 15:04"))
			if u.Disabled {
				line += "  已停用"
			}
			fmt.Fprintln(a.stdout, line)
		}
	}
	return nil
}

// consoleRole reads --role of a console user or token.
func consoleRole(s string) (model.Role, error) {
	switch r := model.Role(s); r {
	case model.RoleAdmin, model.RoleStaff:
		return r, nil
	}
	return "", usagef("--role must be admin or staff")
}

// cliAudit records a change made from the command line; a failure to
// record it is said, not fatal (the change is made).
func cliAudit(ctx context.Context, a *app, st store, action, detail string) {
	if err := st.Audit(ctx, model.AuditEntry{At: a.now(), Who: cliWho, Action: action, Detail: detail}); err != nil {
		fmt.Fprintf(a.stderr, "warning: audit: %v\n", err)
	}
}

// userErr names a missing console user.
func userErr(name string, err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("no console user %s (see wxdigest user list)", name)
	}
	return err
}

// readPassword reads a new password: the first line of file, or typed
// twice at the terminal without echo, or one line of a piped stdin.
func readPassword(a *app, file string) (string, error) {
	var pw string
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer f.Close()
		line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	case isTerminal(a.stdin):
		fd := int(a.stdin.(*os.File).Fd())
		fmt.Fprint(a.stderr, "密码 (password): ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(a.stderr, "再输入一次 (again): ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(b) != string(again) {
			return "", errors.New("the two passwords differ")
		}
		pw = string(b)
	default:
		line, err := bufio.NewReader(io.LimitReader(a.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if utf8.RuneCountInString(pw) < minPasswordRunes {
		return "", fmt.Errorf("the password must have at least %d characters", minPasswordRunes)
	}
	return pw, nil
}

// cmdToken manages the JSON API's bearer tokens.
func cmdToken(ctx context.Context, a *app, cfg config, args []string) error {
	verb, args, err := subcommand(args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	fs := newFlags(a, "token "+verb)
	storeFlags(fs, &cfg)
	name := fs.String("name", "", "the token's name, as the audit log shows it")
	roleName := fs.String("role", "", "staff or admin")
	format := fs.String("format", "text", "output format of list: text or json")
	if err := parseNoArgs(fs, args, &cfg, format); err != nil {
		return err
	}
	n := strings.TrimSpace(*name)
	if verb != "list" && n == "" {
		return usagef("--name is required")
	}
	var role model.Role
	if verb == "create" {
		if role, err = consoleRole(*roleName); err != nil {
			return err
		}
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	audit := func(action, detail string) { cliAudit(ctx, a, st, action, detail) }
	switch verb {
	case "create":
		plain, hash := web.NewToken()
		if _, err := st.AddToken(ctx, model.APIToken{Name: n, Hash: hash, Role: role}); err != nil {
			if errors.Is(err, model.ErrExists) {
				return fmt.Errorf("a token named %s already exists (revoke it, or pick another name)", n)
			}
			return err
		}
		audit("token.create", n+" "+string(role))
		fmt.Fprintf(a.stdout, "已创建 API 令牌 %s（%s）。它只显示这一次，请妥善保存：\n%s\n", n, role, plain)
	case "revoke":
		if err := st.RevokeToken(ctx, n); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return fmt.Errorf("no token %s (see wxdigest token list)", n)
			}
			return err
		}
		audit("token.revoke", n)
		fmt.Fprintf(a.stdout, "已吊销 API 令牌：%s\n", n)
	case "list":
		ts, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		if *format == "json" {
			type row struct {
				Name    string `json:"name"`
				Role    string `json:"role"`
				Created string `json:"created"`
				Revoked string `json:"revoked,omitempty"`
			}
			out := []row{}
			for _, t := range ts {
				r := row{Name: t.Name, Role: string(t.Role), Created: t.Created.In(cfg.loc).Format(time.RFC3339)}
				if t.Revoked() {
					r.Revoked = t.RevokedAt.In(cfg.loc).Format(time.RFC3339)
				}
				out = append(out, r)
			}
			return writeJSON(a.stdout, out)
		}
		if len(ts) == 0 {
			fmt.Fprintln(a.stdout, "还没有 API 令牌（wxdigest token create --name 名字 --role staff）")
			return nil
		}
		for _, t := range ts {
			line := fmt.Sprintf("%s  %s  建于 %s", t.Name, t.Role, t.Created.In(cfg.loc).Format("2006-01-02 15:04"))
			if t.Revoked() {
				line += "  已吊销于 " + t.RevokedAt.In(cfg.loc).Format("2006-01-02 15:04")
			}
			fmt.Fprintln(a.stdout, line)
		}
	}
	return nil
}
