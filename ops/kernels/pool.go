package kernels

import (
	"runtime"
	"sync"
)

// ParallelFor splits [0, n) into contiguous chunks of at least grain items
// and calls fn on each chunk, using up to GOMAXPROCS goroutines. It returns
// when every chunk is done. With n <= grain it calls fn(0, n) on the caller's
// goroutine.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	parallelForWorkers(runtime.GOMAXPROCS(0), n, grain, fn)
}

// parallelForWorkers is ParallelFor with an explicit goroutine budget. The
// caller's goroutine runs the first chunk.
func parallelForWorkers(workers, n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	workers = min(workers, ceilDiv(n, grain))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := ceilDiv(n, workers)
	for lo := step; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Go(func() { fn(lo, hi) })
	}
	fn(0, min(step, n))
	wg.Wait()
}
