package kernels

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// coverage runs ParallelFor and returns how often each index was visited and
// the number of chunks.
func coverage(n, grain int) ([]int32, int) {
	visits := make([]int32, n)
	var chunks atomic.Int64
	ParallelFor(n, grain, func(lo, hi int) {
		chunks.Add(1)
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&visits[i], 1)
		}
	})
	return visits, int(chunks.Load())
}

func TestParallelForCoversOnce(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{{0, 1}, {1, 1}, {5, 10}, {10, 3}, {1000, 1}, {100003, 1024}} {
		visits, chunks := coverage(tc.n, tc.grain)
		for i, v := range visits {
			if v != 1 {
				t.Fatalf("n=%d grain=%d: index %d visited %d times, want 1", tc.n, tc.grain, i, v)
			}
		}
		if tc.n > 0 && tc.n <= tc.grain && chunks != 1 {
			t.Errorf("n=%d grain=%d: %d chunks, want 1", tc.n, tc.grain, chunks)
		}
	}
}

func TestParallelForChunksRespectGrain(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{{10000, 1000}, {1001, 1000}, {10, 3}, {10500, 1000}} {
		var mu sync.Mutex
		var sizes []int
		ParallelFor(tc.n, tc.grain, func(lo, hi int) {
			mu.Lock()
			sizes = append(sizes, hi-lo)
			mu.Unlock()
		})
		total := 0
		for _, s := range sizes {
			total += s
			if s < tc.grain {
				t.Errorf("n=%d grain=%d: chunk of %d items, want at least the grain", tc.n, tc.grain, s)
			}
		}
		if total != tc.n {
			t.Errorf("n=%d grain=%d: chunks cover %d items, want %d", tc.n, tc.grain, total, tc.n)
		}
	}
}

// TestParallelForNestedAndConcurrent runs ParallelFor inside ParallelFor and
// from several goroutines at once, which must fall back to fresh goroutines
// instead of waiting on the busy pool.
func TestParallelForNestedAndConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for rep := 0; rep < 50; rep++ {
				var total atomic.Int64
				ParallelFor(8, 1, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						ParallelFor(100, 10, func(lo2, hi2 int) { total.Add(int64(hi2 - lo2)) })
					}
				})
				if got := total.Load(); got != 800 {
					errs <- fmt.Errorf("nested ParallelFor counted %d items, want 800", got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
