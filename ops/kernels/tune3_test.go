//go:build tune && !noasm

package kernels

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestTuneSpawn(t *testing.T) {
	for r := 0; r < 3; r++ {
		var total time.Duration
		for i := 0; i < 200; i++ {
			time.Sleep(time.Millisecond)
			start := time.Now()
			var started atomic.Int64
			var d time.Duration
			parallelForWorkers(2, 2, 1, func(lo, hi int) {
				if lo > 0 {
					d = time.Since(start)
				}
				started.Add(1)
			})
			total += d
		}
		fmt.Printf("wake latency after 1ms idle: %v\n", total/200)
	}
}
