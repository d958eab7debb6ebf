package digest

import (
	"strings"
	"unicode/utf8"
)

// Personal names in bylines.
//
// Most bylines space or separate their names (记者 鲁燕 通讯员 鹿昆 杨柳茵),
// but some print a role's names glued together: (通讯员郝丹凤黄卫江). Such a
// run is split into names of two or three characters, each starting with a
// common surname:
//
//   - a run of 2–3 characters is one name;
//   - a run of 4 is one name (欧阳娜娜, 阿不都拉) unless both halves start
//     with a common single surname and the first two characters are not a
//     compound surname: 张三李四 → 张三 李四;
//   - a run of 5–12 is cut into 2- and 3-character pieces (a compound
//     surname makes a piece one longer) so that as many pieces as possible
//     start with a surname, then with as few pieces as possible — most names
//     have three characters — then with the commoner surnames: 郝丹凤黄卫江
//     → 郝丹凤 黄卫江, 王军李小华 → 王军 李小华, 郝丹凤黄卫江杨宇 → … 黄卫江
//     杨宇 (杨 is commoner than 江). The first piece must start with a
//     surname, or the run is not a list of names.
//
// Limits: surnames outside the list below, given names that begin with a
// surname character (王李明 read after a name) and 4-character names made of
// two single surnames (王李秀英) can be cut wrongly. Printed separators always
// win: a spaced 4-character token is kept whole unless it reads as two
// names.

// commonSurnames are the single-character surnames of about nine in ten
// people in China, most common first. Characters that start many ordinary
// words and are rare as surnames (文, 和, 安, 明, 成, 时, 全, 应, 路, 党, 车)
// are left out, so that a slogan such as 和谐 文明 is not read as names.
const commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁" +
	"任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康" +
	"施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝" +
	"游辛靳管柴蒙鲍喻祁蒲房滕屈饶解牟艾尤穆卓古吉缪简项连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬" +
	"仇栾隋刁荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝鞠"

// compoundSurnames are two-character surnames.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
	"宇文", "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "呼延", "百里"}

// surnameLen returns the length in runes of the surname a name starting with
// runes rs would have (1 or 2), or 0 when rs starts with no known surname.
func surnameLen(rs []rune) int {
	if len(rs) >= 2 {
		for _, c := range compoundSurnames {
			cr := []rune(c)
			if rs[0] == cr[0] && rs[1] == cr[1] {
				return 2
			}
		}
	}
	if len(rs) >= 1 && strings.ContainsRune(commonSurnames, rs[0]) {
		return 1
	}
	return 0
}

// surnameRank is the rank of the surname rs starts with among
// commonSurnames (compound surnames rank with the rarest), or a rank past
// all of them.
func surnameRank(rs []rune) int {
	n := utf8.RuneCountInString(commonSurnames)
	switch surnameLen(rs) {
	case 0:
		return n + 1
	case 2:
		return n
	}
	return utf8.RuneCountInString(commonSurnames[:strings.IndexRune(commonSurnames, rs[0])])
}

// maxGluedNames caps the runes of a glued run of names (four names).
const maxGluedNames = 12

// splitNames turns a byline token into names: itself when it reads as one
// name, or the names of a glued run (see the rules above).
func splitNames(t string) ([]string, bool) {
	n := utf8.RuneCountInString(t)
	if isNameToken(t) { // 2–4 characters, or a name with a middle dot
		if n == 4 {
			rs := []rune(t)
			if surnameLen(rs) == 1 && surnameLen(rs[2:]) == 1 {
				return []string{string(rs[:2]), string(rs[2:])}, true
			}
		}
		return []string{t}, true
	}
	if n < 5 || n > maxGluedNames {
		return nil, false
	}
	rs := []rune(t)
	for _, r := range rs {
		if !isHan(r) {
			return nil, false
		}
	}
	if surnameLen(rs) == 0 {
		return nil, false
	}
	cuts, ok := bestNameCuts(rs)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(cuts))
	prev := 0
	for _, c := range cuts {
		out = append(out, string(rs[prev:c]))
		prev = c
	}
	return out, true
}

// bestNameCuts splits rs into pieces of 2–3 runes (3–4 after a compound
// surname), maximising pieces that start with a surname, then minimising the
// number of pieces. It returns the end offset of each piece.
func bestNameCuts(rs []rune) ([]int, bool) {
	type cell struct {
		ok           bool
		good, pieces int
		rank         int // sum of the surnames' ranks: commoner is likelier
		prev         int
	}
	var dp [maxGluedNames + 1]cell
	dp[0].ok = true
	for i := 0; i < len(rs); i++ {
		if !dp[i].ok {
			continue
		}
		sl := surnameLen(rs[i:])
		good, rank := 0, surnameRank(rs[i:])
		if sl > 0 {
			good = 1
		}
		base := max(sl, 1)
		for _, given := range []int{1, 2} {
			j := i + base + given
			if j > len(rs) {
				break
			}
			c := cell{ok: true, good: dp[i].good + good, pieces: dp[i].pieces + 1, rank: dp[i].rank + rank, prev: i}
			d := dp[j]
			if !d.ok || c.good > d.good || c.good == d.good && (c.pieces < d.pieces || c.pieces == d.pieces && c.rank < d.rank) {
				dp[j] = c
			}
		}
	}
	end := dp[len(rs)]
	if !end.ok {
		return nil, false
	}
	var cuts []int
	for j := len(rs); j > 0; j = dp[j].prev {
		cuts = append(cuts, j)
	}
	for i, k := 0, len(cuts)-1; i < k; i, k = i+1, k-1 {
		cuts[i], cuts[k] = cuts[k], cuts[i]
	}
	return cuts, true
}

// isSurnameName: a 2–3 character name that starts with a common surname (or
// a compound surname and 1–2 more characters). Used where nothing but the
// names themselves says a line is a byline.
func isSurnameName(t string) bool {
	rs := []rune(t)
	for _, r := range rs {
		if !isHan(r) {
			return false
		}
	}
	sl := surnameLen(rs)
	return sl > 0 && len(rs) >= sl+1 && len(rs) <= sl+2
}

// parseNamesLine reads a line of bare names, as some pages print an end
// byline: 张三 李四, （王五）. Two or more spaced names are needed, or one
// in brackets — a single short word on its own line is as likely a kicker.
// Every name must start with a common surname and none may read as the start
// of running text. It returns the names joined by single spaces.
func parseNamesLine(s string) (string, bool) {
	inner := stripBrackets(s)
	bracketed := inner != s
	tokens := splitBylineTokens(inner)
	if len(tokens) == 0 || len(tokens) > 6 || len(tokens) == 1 && !bracketed {
		return "", false
	}
	for _, t := range tokens {
		if !isSurnameName(t) || isStopName(t) {
			return "", false
		}
	}
	return strings.Join(tokens, " "), true
}
