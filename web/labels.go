package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wxdigest/wxdigest/bot"
	"github.com/wxdigest/wxdigest/model"
)

// The console shows people Chinese: these turn the codes the store keeps
// (audit actions, who did it, details, schedules, channel names) into it.

// actionLabels names the audit log's actions.
var actionLabels = map[string]string{
	"approve":                 "审核通过",
	"push":                    "马上推送",
	"subscribe":               "保存订阅",
	"unsubscribe":             "删除订阅",
	"subscription.pause":      "暂停订阅",
	"subscription.resume":     "恢复订阅",
	"web.login":               "登录控制台",
	"article.import":          "导入稿件",
	"article.edit":            "修改稿件",
	"article.withdraw":        "撤下稿件",
	"article.forward":         "收录转发的文章",
	"article.forward.upgrade": "补全转发的文章",
	"delivery.retry":          "重发消息",
	"source.enable":           "启用来源",
	"source.disable":          "停用来源",
	"role.grant":              "授予角色",
	"role.revoke":             "撤销角色",
	"user.add":                "添加控制台账号",
	"user.role":               "修改控制台账号角色",
	"user.passwd":             "修改控制台密码",
	"user.disable":            "停用控制台账号",
	"user.enable":             "启用控制台账号",
	"user.remove":             "删除控制台账号",
	"token.create":            "创建 API 令牌",
	"token.revoke":            "吊销 API 令牌",
	"channel.add":             "添加渠道",
	"channel.remove":          "删除渠道",
}

// actionGroups names the prefixes the audit filter takes ("role." is every
// role change).
var actionGroups = map[string]string{
	"article.":      "稿件（全部）",
	"role.":         "角色（全部）",
	"subscription.": "暂停和恢复订阅",
	"source.":       "来源（全部）",
	"user.":         "控制台账号（全部）",
	"token.":        "API 令牌（全部）",
	"channel.":      "渠道（全部）",
}

// actionZH names an audit action; an unknown one is shown as stored.
func actionZH(code string) string {
	if l, ok := actionLabels[code]; ok {
		return l
	}
	return code
}

// actionCode reads the audit filter as typed: a code, a prefix ending in
// ".", or the Chinese name of either.
func actionCode(v string) string {
	v = strings.TrimSpace(v)
	for code, l := range actionLabels {
		if v == l {
			return code
		}
	}
	for code, l := range actionGroups {
		if v == l || v+"（全部）" == l {
			return code
		}
	}
	return v
}

// whoZH names who made a change: "王晓（控制台）" for "web:王晓",
// "脚本（API 令牌）" for "token:脚本", a staff friend by remark.
func whoZH(who string) string {
	switch {
	case who == "":
		return "—"
	case who == "cli":
		return "服务器命令行"
	case who == "self":
		return "机器人账号"
	case strings.HasPrefix(who, "web:"):
		return strings.TrimPrefix(who, "web:") + "（控制台）"
	case strings.HasPrefix(who, "token:"):
		return strings.TrimPrefix(who, "token:") + "（API 令牌）"
	}
	return who + "（微信）"
}

// whoFilters are the audit log's names a typed 谁 may mean: as typed,
// and a bare name as a console user or an API token.
func whoFilters(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return []string{""}
	}
	for _, suffix := range []string{"（控制台）", "（API 令牌）", "（微信）"} {
		if name, ok := strings.CutSuffix(v, suffix); ok {
			switch suffix {
			case "（控制台）":
				return []string{"web:" + name}
			case "（API 令牌）":
				return []string{"token:" + name}
			}
			return []string{name}
		}
	}
	if v == "服务器命令行" {
		return []string{"cli"}
	}
	if strings.Contains(v, ":") || v == "cli" || v == "self" {
		return []string{v}
	}
	return []string{v, "web:" + v, "token:" + v}
}

// detailKeys names the keys of audit details.
var detailKeys = map[string]string{
	"group": "群", "channel": "渠道", "slot": "时段", "parts": "消息", "hash": "内容指纹",
	"date": "日期", "source": "来源", "new": "新稿件", "existing": "已有稿件", "id": "稿件编号",
	"addr": "地址", "remark": "备注名", "role": "角色", "style": "样式", "tz": "时区",
	"include": "包含词", "exclude": "排除词", "name": "名称", "kind": "类型", "title": "标题",
	"groups": "群数", "items": "条目", "failed": "失败", "err": "错误",
}

var (
	detailPair = regexp.MustCompile(`([a-z_]+)=("(?:[^"\\]|\\.)*"|\S*)`)
	detailTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})`)
	detailHex  = regexp.MustCompile(`^[0-9a-f]{12,64}$`)
	// subscribeDetail is bot.Manager's "group=G KIND SPEC tz=TZ …".
	subscribeDetail = regexp.MustCompile(`^((?:group|channel)=\S+) (at|cron) (.*?) tz=(\S*)(.*)$`)
)

// detailZH makes an audit entry's detail readable: keys in Chinese,
// times in the console's zone, a subscription's schedule described.
func detailZH(action, detail string, zone *time.Location) string {
	if action == "subscribe" {
		if m := subscribeDetail.FindStringSubmatch(detail); m != nil {
			rest := " " + m[5] + " "
			weekdays := strings.Contains(rest, " weekdays ")
			rest = strings.Replace(rest, " weekdays ", " ", 1)
			sched := describeSchedule(model.Subscription{Kind: m[2], Spec: m[3], TZ: m[4], Weekdays: weekdays}, zone)
			return joinDetail(detailParts(m[1], zone), "时间："+sched, detailParts(rest, zone))
		}
	}
	return joinDetail(detailParts(detail, zone))
}

func joinDetail(parts ...any) string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return strings.Join(out, "；")
}

// detailParts reads key=value pairs and the words between them.
func detailParts(detail string, zone *time.Location) []string {
	var out []string
	word := func(s string) {
		var text []string
		flush := func() {
			if len(text) > 0 {
				out = append(out, zoneTimes(strings.Join(text, " "), zone))
				text = nil
			}
		}
		for _, w := range strings.Fields(s) {
			special := ""
			switch {
			case w == "weekdays":
				special = "只在工作日"
			case w == "all":
				special = "全部订阅"
			case w == "again":
				special = "重发"
			case detailHex.MatchString(w):
				special = "内容指纹 " + w[:12]
			case fieldList(w) != "":
				special = "改了：" + fieldList(w)
			}
			if special != "" {
				flush()
				out = append(out, special)
				continue
			}
			if w == string(model.RoleAdmin) || w == string(model.RoleStaff) {
				w = roleZH(model.Role(w))
			}
			if f, ok := strings.CutSuffix(w, ":"); ok && articleFieldZH[f] != "" {
				w = articleFieldZH[f] + "："
			}
			text = append(text, w)
		}
		flush()
	}
	last := 0
	for _, m := range detailPair.FindAllStringSubmatchIndex(detail, -1) {
		key := detail[m[2]:m[3]]
		label, ok := detailKeys[key]
		if !ok {
			continue
		}
		word(detail[last:m[0]])
		last = m[1]
		v := detail[m[4]:m[5]]
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		}
		switch key {
		case "role":
			v = roleZH(model.Role(v))
		case "style":
			v = styleZH(v)
		case "parts":
			v += " 条"
		case "hash":
			if len(v) > 12 {
				v = v[:12]
			}
		case "include", "exclude", "source":
			v = strings.ReplaceAll(v, ",", "、")
		}
		out = append(out, label+"："+zoneTimes(v, zone))
	}
	word(detail[last:])
	return out
}

// articleFields names an article's fields.
var articleFieldZH = map[string]string{"kicker": "引题", "title": "标题", "subtitle": "副题", "dateline": "电头",
	"byline": "署名", "lead": "导语", "body": "正文"}

// fieldList reads "kicker,body" as "引题、正文"; "" when w is not such a
// list.
func fieldList(w string) string {
	var out []string
	for _, f := range strings.Split(w, ",") {
		zh, ok := articleFieldZH[f]
		if !ok {
			return ""
		}
		out = append(out, zh)
	}
	return strings.Join(out, "、")
}

// zoneTimes rewrites RFC 3339 times in s to the console's zone.
func zoneTimes(s string, zone *time.Location) string {
	return detailTime.ReplaceAllStringFunc(s, func(v string) string {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return v
		}
		return t.In(zone).Format("2006-01-02 15:04:05")
	})
}

func styleZH(s string) string {
	return map[string]string{"": "文字", model.StyleText: "文字", model.StyleImage: "图片", model.StyleBoth: "图片+文字"}[s]
}

// channelName names a channel for people: personal WeChat, or a WeCom
// channel by the name it was given.
func channelName(name string) string {
	if name == "" || name == model.ChannelWeChat {
		return "个人微信"
	}
	return name
}

// describeSchedule says in Chinese when a subscription fires, as
// bot.DescribeSchedule does, with plain cron specs read out ("每天
// 11:18:51") and the zone only when it is not the console's.
func describeSchedule(sub model.Subscription, zone *time.Location) string {
	tz := strings.TrimSpace(sub.TZ)
	sub.TZ = ""
	out := ""
	if sub.Kind == model.ScheduleCron {
		out = describeCron(sub.Spec, sub.Weekdays)
	} else {
		out = bot.DescribeSchedule(sub)
	}
	if tz != "" && (zone == nil || tz != zone.String()) {
		out += "（时区 " + tz + "）"
	}
	return out
}

// describeCron reads a cron spec that fires at fixed times every day (or
// Monday to Friday); anything else is shown as the expression.
func describeCron(spec string, weekdays bool) string {
	f := strings.Fields(spec)
	if len(f) == 5 {
		f = append([]string{"0"}, f...)
	}
	other := "自定义时间（cron 表达式 " + strings.Join(strings.Fields(spec), " ") + "）"
	if weekdays {
		other = "工作日 " + other
	}
	if len(f) != 6 || f[3] != "*" || f[4] != "*" {
		return other
	}
	var days string
	switch {
	case f[5] == "*" || f[5] == "?":
		days = "每天"
	case f[5] == "1-5" || f[5] == "MON-FRI":
		days = "周一至周五"
	default:
		return other
	}
	if weekdays {
		days = "工作日"
	}
	sec, err1 := strconv.Atoi(f[0])
	min, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || sec < 0 || sec > 59 || min < 0 || min > 59 {
		return other
	}
	var times []string
	for _, h := range strings.Split(f[2], ",") {
		hour, err := strconv.Atoi(h)
		if err != nil || hour < 0 || hour > 23 {
			return other
		}
		t := fmt.Sprintf("%02d:%02d", hour, min)
		if sec != 0 {
			t += fmt.Sprintf(":%02d", sec)
		}
		times = append(times, t)
	}
	return days + " " + strings.Join(times, "、")
}

// sourceKindZH names a kind of source.
func sourceKindZH(k string) string {
	switch k {
	case model.SourceFeed:
		return "订阅源（RSS/Atom）"
	case model.SourcePage:
		return "网页"
	case model.SourceWeChatForward:
		return "转发的公众号文章"
	}
	return k
}

// everyZH says a polling interval in Chinese: "30 分钟", "2 小时".
func everyZH(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	}
	return fmt.Sprintf("%d 秒", d/time.Second)
}
