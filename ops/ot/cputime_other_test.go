//go:build !unix

package ot

import "time"

// processCPUTime is unavailable here; the cpu-s/op metric then reads 0.
func processCPUTime() time.Duration { return 0 }
