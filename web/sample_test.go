package web

import "github.com/wxdigest/wxdigest/digest"

func digestSample() string { return digest.SamplePage }
