package digest

// Article is one news item as printed on a page. The parser fills the text
// fields; the store fills ID, Source, URL and Date when the article is saved
// or loaded.
type Article struct {
	ID     int64  // store id; 0 until stored
	Source string // source name, e.g. the paper's name
	URL    string // where the article came from, if anywhere
	Date   string // issue date, YYYY-MM-DD in the configured zone

	Kicker   string // 引题, may be empty
	Title    string // 主题
	Subtitle string // 副题, may be empty
	Dateline string // opener as printed: 本报讯, 新华社北京3月14日电, …
	Byline   string // normalised, e.g. "记者 鲁燕 通讯员 木坤坤"
	Lead     string // first sentence after the opener, whole
	Body     string // paragraphs joined by "\n", starting with the lead paragraph
}
