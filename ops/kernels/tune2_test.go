//go:build tune && !noasm

package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func timeGemm(bk *gemmBackend, threads, n int, a, b, c []float32, reps int) float64 {
	var ts []float64
	for r := 0; r < reps; r++ {
		start := time.Now()
		bk.sgemm(threads, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		ts = append(ts, time.Since(start).Seconds())
	}
	slices.Sort(ts)
	return 2 * float64(n*n*n) / ts[len(ts)/2] / 1e9
}

func TestTuneBlocks(t *testing.T) {
	spec := os.Getenv("TUNE")
	if spec == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("TUNE_N"))
	threads, _ := strconv.Atoi(os.Getenv("TUNE_T"))
	rng := rand.New(rand.NewPCG(1, 1))
	a, b, c := randomSlice(rng, n*n), randomSlice(rng, n*n), make([]float32, n*n)
	reps := max(3, 200000000/(n*n*n/8))
	reps = min(reps, 200)
	var ref *gemmBackend
	for _, bk := range gemmBackends() {
		if bk.name == "openblas" {
			ref = bk
		}
	}
	for _, cfg := range strings.Split(spec, ";") {
		f := strings.Split(cfg, ",")
		kc, _ := strconv.Atoi(f[1])
		mc, _ := strconv.Atoi(f[2])
		nc, _ := strconv.Atoi(f[3])
		base := avx512Backend.packed
		if f[0] == "avx2" {
			base = avx2Backend.packed
		}
		g := *base
		g.kc, g.mc, g.nc = kc, mc, nc
		bk := &gemmBackend{name: cfg, packed: &g}
		var ours, theirs []float64
		for round := 0; round < 3; round++ {
			ours = append(ours, timeGemm(bk, threads, n, a, b, c, reps))
			if ref != nil {
				theirs = append(theirs, timeGemm(ref, threads, n, a, b, c, reps))
			}
		}
		slices.Sort(ours)
		slices.Sort(theirs)
		r := 0.0
		if ref != nil {
			r = ours[1] / theirs[1]
		}
		fmt.Printf("n=%d T=%d %s: %.1f GFLOP/s, openblas %v ratio %.2f\n", n, threads, cfg, ours[1], theirs, r)
	}
}
