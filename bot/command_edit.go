package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wxdigest/wxdigest/model"
)

// editCmd: 修改 N 标题|导语|署名 新内容 /edit — staff correct an item
// before it goes out.
type editCmd struct{}

func (editCmd) info() commandInfo {
	return commandInfo{words: []string{"修改"}, alias: "edit", args: "序号 标题|导语|署名 新内容",
		help: "改正您最近看到的摘要里第 N 条的标题、导语或署名", role: RoleStaff, takesArgs: true, freeText: true}
}

// editFields maps the words staff type to the field they change.
var editFields = map[string]string{
	"标题": "title", "题目": "title",
	"导语": "lead",
	"署名": "byline", "作者": "byline", "记者": "byline",
}

const editUsage = "请这样写：修改 2 导语 新的导语（也可以改“标题”“署名”）"

func (editCmd) run(ctx context.Context, c *call) {
	// The new text is taken from the message as typed: the normalised
	// arguments fold full-width punctuation (，？) that belongs in a lead.
	num, rest := cutField(rawArgs(c.m.Text))
	field, value := cutField(rest)
	// "导语：新的导语" as well as "导语 新的导语".
	if i := strings.IndexAny(field, ":："); i >= 0 {
		_, size := utf8.DecodeRuneInString(field[i:])
		if tail := field[i+size:]; tail != "" {
			value = strings.TrimSpace(tail + " " + value)
		}
		field = field[:i]
	}
	value = strings.TrimLeft(value, ":： \u3000")
	n, ok := rtItemNumber(rtNormalize(num))
	name, known := editFields[field]
	switch {
	case num == "" || field == "":
		c.reply(editUsage)
		return
	case !ok:
		c.reply("序号要写数字。" + editUsage)
		return
	case !known:
		c.reply("只能改“标题”“导语”或“署名”。" + editUsage)
		return
	case value == "" && name != "byline":
		c.reply("请写上新的内容。" + editUsage)
		return
	}
	id, ok := c.itemID(ctx, n, "修改")
	if !ok {
		return
	}
	if name == "byline" && (value == "无" || value == "空") {
		value = "" // 修改 N 署名 无: the item has no byline
	}
	var e ArticleEdit
	switch name {
	case "title":
		e.Title = &value
	case "lead":
		e.Lead = &value
	default:
		e.Byline = &value
	}
	a, err := c.r.manager().EditArticle(ctx, c.who(), id, e)
	var argErr *ArgError
	switch {
	case errors.As(err, &argErr):
		c.reply(argErr.Hint)
		return
	case errors.Is(err, model.ErrNotFound):
		c.reply("第 " + strconv.Itoa(n) + " 条已经撤下或删除了")
		return
	case errIsNotAudited(err):
		c.r.log.Error("router: edit not audited", "id", id, "err", err)
	case err != nil:
		c.r.log.Error("router: edit article", "id", id, "err", err)
		c.reply("没能保存，请稍后再试")
		return
	}
	zh := map[string]string{"title": "标题", "lead": "导语", "byline": "署名"}[name]
	now := map[string]string{"title": a.Title, "lead": a.Lead, "byline": a.Byline}[name]
	if now == "" {
		now = "（无）"
	}
	c.reply("已修改第 " + strconv.Itoa(n) + " 条的" + zh + "，之后的摘要、搜索和详情都用新的：\n" + now)
}

// withdrawCmd: 撤下 N /withdraw — staff take an item out before it goes
// out.
type withdrawCmd struct{}

func (withdrawCmd) info() commandInfo {
	return commandInfo{words: []string{"撤下", "撤稿"}, alias: "withdraw", args: "序号",
		help: "撤下第 N 条：之后的摘要、搜索和详情都不再出现", role: RoleStaff, takesArgs: true,
		attached: func(s string) bool { _, ok := rtItemNumber(s); return ok }}
}

func (withdrawCmd) run(ctx context.Context, c *call) {
	if c.args == "" {
		c.reply("请写上序号，如“撤下 2”")
		return
	}
	n, ok := rtItemNumber(c.args)
	if !ok {
		c.reply("序号要写数字，如“撤下 2”")
		return
	}
	id, ok := c.itemID(ctx, n, "撤下")
	if !ok {
		return
	}
	a, err := c.r.manager().WithdrawArticle(ctx, c.who(), id)
	switch {
	case errors.Is(err, model.ErrNotFound): // withdrawn already, or deleted
		c.reply("第 " + strconv.Itoa(n) + " 条已经撤下了")
		return
	case errIsNotAudited(err):
		c.r.log.Error("router: withdrawal not audited", "id", id, "err", err)
	case err != nil:
		c.r.log.Error("router: withdraw article", "id", id, "err", err)
		c.reply("没能撤下，请稍后再试")
		return
	}
	c.reply("已撤下第 " + strconv.Itoa(n) + " 条《" + rtCut(a.Title, 40) + "》，之后的摘要、搜索和详情都不会再出现。已经发出的消息无法收回。")
}

// rawArgs is the text after the command word or /alias, as typed.
func rawArgs(text string) string {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "/") {
		_, rest := cutField(text)
		return rest
	}
	for _, w := range []string{"修改"} {
		if strings.HasPrefix(text, w) {
			return strings.TrimSpace(strings.TrimPrefix(text, w))
		}
	}
	_, rest := cutField(text)
	return rest
}

// cutField splits off the first space-separated field (ASCII or
// full-width spaces); rest keeps its inner text as typed.
func cutField(s string) (field, rest string) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimFunc(s[i:], unicode.IsSpace)
}
