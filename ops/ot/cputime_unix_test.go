//go:build unix

package ot

import (
	"syscall"
	"time"
)

// processCPUTime returns the user plus system CPU time of the process, all
// threads included.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
