package ot

import (
	"context"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestEMDCPU(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rng := rand.New(rand.NewPCG(2, 2))
	n := 1000
	M, _ := Dist(gaussPoints(rng, n, 2), gaussPoints(rng, n, 2), SqEuclidean)
	a, b := randSimplex(rng, n), randSimplex(rng, n)
	for _, avx := range []bool{false, true, false, true} {
		useAVX2 = avx
		best := time.Hour
		var it int
		var cost float64
		for r := 0; r < 5; r++ {
			t0 := cpuTime()
			res, _ := newSimplex(a, b, M).solve(context.Background(), 1e8)
			best = min(best, cpuTime()-t0)
			it = res.Iterations
			cost = res.Cost
		}
		t.Logf("avx2 %v: %v, %d pivots, cost %.15g", avx, best, it, cost)
	}
	useAVX2 = true
}
