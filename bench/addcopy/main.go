// Command addcopy times kernels.Add of two n-element float32 slices against
// copying n float32s, interleaved round by round so that load from other
// processes affects both alike, and prints a Markdown table of medians.
//
//	go run ./bench/addcopy -n 16777216 -rounds 15
//
// "copy" is Go's built-in copy on one goroutine, and "parallel copy" splits
// the same copy over kernels.ParallelFor, since Add itself runs in parallel.
// The "same bytes" rows copy 1.5·n float32s, so that the bytes read plus the
// bytes written equal Add's (two n-element operands read, one written), and
// "parallel copy, both operands" copies the 2·n float32s of x and y.
// Each round times -reps calls of each operation and keeps the median call.
// The three buffers come from tensor.Alloc, as a tensor's storage does, so
// both operations run on the same kind of memory (huge pages on Linux).
package main

import (
	"flag"
	"fmt"
	"runtime"
	"slices"
	"time"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

func main() {
	n := flag.Int("n", 1<<24, "elements per slice")
	rounds := flag.Int("rounds", 15, "rounds; medians are taken over rounds")
	reps := flag.Int("reps", 5, "calls per operation in each round")
	flag.Parse()

	dst, x, y := tensor.Alloc(*n), tensor.Alloc(*n), tensor.Alloc(*n)
	for i := range x {
		x[i] = float32(i % 1000)
		y[i] = float32(i % 777)
		dst[i] = 1 // fault every page in before timing
	}

	m := *n + *n/2
	dst2, x2, both := tensor.Alloc(m), tensor.Alloc(m), tensor.Alloc(2**n)
	for i := range x2 {
		x2[i] = float32(i % 1000)
		dst2[i] = 1
	}
	for i := range both {
		both[i] = 1
	}

	ops := []struct {
		name string
		run  func()
	}{
		{"copy", func() { copy(dst, x) }},
		{"parallel copy", func() {
			kernels.ParallelFor(*n, 1<<15, func(lo, hi int) { copy(dst[lo:hi], x[lo:hi]) })
		}},
		{"copy, same bytes", func() { copy(dst2, x2) }},
		{"parallel copy, same bytes", func() {
			kernels.ParallelFor(m, 1<<15, func(lo, hi int) { copy(dst2[lo:hi], x2[lo:hi]) })
		}},
		{"parallel copy, both operands", func() {
			kernels.ParallelFor(*n, 1<<15, func(lo, hi int) {
				copy(both[lo:hi], x[lo:hi])
				copy(both[*n+lo:*n+hi], y[lo:hi])
			})
		}},
		{"kernels.Add", func() { kernels.Add(dst, x, y) }},
	}
	times := make(map[string][]float64)
	for r := 0; r < *rounds; r++ {
		for _, op := range ops {
			var calls []float64
			for i := 0; i < *reps; i++ {
				start := time.Now()
				op.run()
				calls = append(calls, time.Since(start).Seconds()*1e3)
			}
			times[op.name] = append(times[op.name], median(calls))
		}
	}

	fmt.Printf("# n=%d float32 per slice, GOMAXPROCS=%d, %d rounds of %d calls\n", *n, runtime.GOMAXPROCS(0), *rounds, *reps)
	fmt.Println("| operation | median ms | min ms | Add time / this time |")
	fmt.Println("|---|---|---|---|")
	add := median(times["kernels.Add"])
	for _, op := range ops {
		t := times[op.name]
		fmt.Printf("| %s | %.2f | %.2f | %.2f |\n", op.name, median(t), slices.Min(t), add/median(t))
	}
}

func median(values []float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
