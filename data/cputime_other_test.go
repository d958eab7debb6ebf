//go:build !unix

package data

import "time"

// cpuTime is not measured here; the CPU metric then reads 0.
func cpuTime() time.Duration { return 0 }
