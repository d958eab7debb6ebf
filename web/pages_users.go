package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/model"
)

// ---- 账号: console users, as `wxdigest user` manages them.

// minPasswordRunes is the shortest console password accepted, as the
// command line's `wxdigest user add` requires.
const minPasswordRunes = 10

// maxUserName bounds a console user's name, in characters.
const maxUserName = 64

type usersPage struct {
	Users []userRow
	Form  userForm
	Error string
	Min   int // the shortest password, for the form's hint
}

type userRow struct {
	model.User
	Self bool // the admin looking at the page
}

// userForm is the add form, as typed (never the passwords).
type userForm struct {
	Name string
	Role model.Role
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, userForm{Role: model.RoleStaff}, "")
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, code int, f userForm, msg string) {
	us, err := s.cfg.Users.Users(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	p := usersPage{Form: f, Error: msg, Min: minPasswordRunes}
	me := who(r).Name
	for _, u := range us {
		p.Users = append(p.Users, userRow{User: u, Self: u.Name == me})
	}
	s.render(w, r, code, "users", "账号", p)
}

// checkUserName says what is wrong with a new user's name; "" when
// nothing is.
func checkUserName(name string) string {
	switch {
	case name == "":
		return "请填写用户名"
	case utf8.RuneCountInString(name) > maxUserName:
		return fmt.Sprintf("用户名太长（最多 %d 个字）", maxUserName)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0:
		return "用户名里有不能用的字符"
	}
	return ""
}

// newPasswordHash checks a new password typed twice and hashes it; msg
// is the Chinese reason when it is refused.
func newPasswordHash(pw, again string) (hash, msg string, err error) {
	switch {
	case pw != again:
		return "", "两次输入的密码不一致", nil
	case utf8.RuneCountInString(pw) < minPasswordRunes:
		return "", fmt.Sprintf("密码至少要 %d 个字符", minPasswordRunes), nil
	}
	hash, err = HashPassword(pw)
	if errors.Is(err, ErrWeakPassword) {
		return "", "密码太长", nil
	}
	return hash, "", err
}

// consoleRole reads a console user's role from a form.
func consoleRole(v string) (model.Role, bool) {
	switch r := model.Role(v); r {
	case model.RoleAdmin, model.RoleStaff:
		return r, true
	}
	return "", false
}

// changeUser adds a console user, or changes one: its role, its password,
// disables, enables or removes it. An admin cannot demote, disable or
// remove themselves, so the console always keeps an admin.
func (s *Server) changeUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	verb := r.PathValue("verb")
	name := strings.TrimSpace(r.PostFormValue("name"))
	me := who(r)
	form := userForm{Role: model.RoleStaff}
	refuse := func(code int, msg string) { s.showUsers(w, r, code, form, msg) }

	if verb == "add" {
		form = userForm{Name: name, Role: model.Role(r.PostFormValue("role"))}
		role, ok := consoleRole(r.PostFormValue("role"))
		if !ok {
			form.Role = model.RoleStaff
			refuse(http.StatusBadRequest, "角色只能是管理员或工作人员")
			return
		}
		if msg := checkUserName(name); msg != "" {
			refuse(http.StatusBadRequest, msg)
			return
		}
		hash, msg, err := newPasswordHash(r.PostFormValue("password"), r.PostFormValue("password2"))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if msg != "" {
			refuse(http.StatusBadRequest, msg)
			return
		}
		_, err = s.cfg.Users.AddUser(ctx, model.User{Name: name, Role: role, PasswordHash: hash})
		switch {
		case errors.Is(err, model.ErrExists):
			refuse(http.StatusConflict, "已经有名为「"+name+"」的账号；要改它的密码请用下面的“重设密码”")
			return
		case errors.Is(err, model.ErrInvalid):
			refuse(http.StatusBadRequest, "用户名里有不能用的字符")
			return
		case err != nil:
			s.internal(w, r, err)
			return
		}
		s.audit(r, me.Who(), "user.add", name+" "+string(role))
		redirectOK(w, r, "/users", "user-added")
		return
	}

	switch verb {
	case "role", "passwd", "disable", "enable", "remove":
	default:
		s.fail(w, r, http.StatusNotFound, "没有这个操作", "no such action")
		return
	}
	u, err := s.cfg.Users.User(ctx, name)
	if errors.Is(err, model.ErrNotFound) || name == "" {
		refuse(http.StatusNotFound, "没有名为「"+name+"」的账号")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	self := u.Name == me.Name
	var detail string
	switch verb {
	case "role":
		role, ok := consoleRole(r.PostFormValue("role"))
		if !ok {
			refuse(http.StatusBadRequest, "角色只能是管理员或工作人员")
			return
		}
		if self && role != model.RoleAdmin {
			refuse(http.StatusBadRequest, "不能取消自己的管理员身份；请另一位管理员来改")
			return
		}
		u.Role, detail = role, name+" "+string(role)
	case "passwd":
		hash, msg, err := newPasswordHash(r.PostFormValue("password"), r.PostFormValue("password2"))
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if msg != "" {
			refuse(http.StatusBadRequest, msg)
			return
		}
		u.PasswordHash, detail = hash, name
	case "disable", "enable":
		if self && verb == "disable" {
			refuse(http.StatusBadRequest, "不能停用自己的账号")
			return
		}
		u.Disabled, detail = verb == "disable", name
	case "remove":
		if self {
			refuse(http.StatusBadRequest, "不能删除自己的账号")
			return
		}
		err := s.cfg.Users.RemoveUser(ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			refuse(http.StatusNotFound, "没有名为「"+name+"」的账号")
			return
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		// The store ends its sessions with it; say so again in case
		// it kept any.
		if err := s.cfg.Users.DeleteUserSessions(ctx, name); err != nil {
			s.log.Warn("web: end sessions of a removed user", "user", name, "err", err)
		}
		s.audit(r, me.Who(), "user.remove", name)
		redirectOK(w, r, "/users", "user-removed")
		return
	}
	if _, err := s.cfg.Users.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			refuse(http.StatusNotFound, "没有名为「"+name+"」的账号")
			return
		}
		s.internal(w, r, err)
		return
	}
	s.audit(r, me.Who(), "user."+verb, detail)
	// A new password or a disabled account ends the sessions made
	// before.
	if verb == "passwd" || verb == "disable" {
		if err := s.cfg.Users.DeleteUserSessions(ctx, name); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	key := map[string]string{"role": "user-role", "passwd": "user-passwd", "disable": "user-disabled", "enable": "user-enabled"}[verb]
	if verb == "passwd" && self {
		// Their own session just ended: log in again with the new password.
		s.setCookie(w, r, sessionCookie, "", -1)
		http.Redirect(w, r, "/login?next=/users", http.StatusSeeOther)
		return
	}
	redirectOK(w, r, "/users", key)
}
