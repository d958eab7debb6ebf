package digest

import _ "embed"

// SamplePage is a real district newspaper page (中原区) as copied
// from the e-paper, bundled so the demo and tests work without files around.
//
//go:embed testdata/zhongyuan-page.txt
var SamplePage string
