//go:build tune && !noasm

package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestTuneScaling(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TUNE_N"))
	rng := rand.New(rand.NewPCG(1, 1))
	a, b, c := randomSlice(rng, n*n), randomSlice(rng, n*n), make([]float32, n*n)
	res := map[string][]float64{}
	modes := []string{"T1", "T2spawn", "T2pool", "openblas"}
	var ob *gemmBackend
	for _, bk := range gemmBackends() {
		if bk.name == "openblas" {
			ob = bk
		}
	}
	reps := max(1, 100000000/(2*n*n*n/1000))
	for round := 0; round < 9; round++ {
		for _, mode := range modes {
			threads := 2
			if mode == "T1" {
				threads = 1
			}
			bk := avx512Backend
			if mode == "openblas" {
				if ob == nil {
					continue
				}
				bk = ob
			}
			debugNoPool = mode == "T2spawn"
			start := time.Now()
			for r := 0; r < reps; r++ {
				bk.sgemm(threads, false, false, n, n, n, 1, a, n, b, n, 0, c, n)
			}
			d := time.Since(start) / time.Duration(reps)
			res[mode] = append(res[mode], 2*float64(n*n*n)/d.Seconds()/1e9)
		}
	}
	for _, mode := range modes {
		v := res[mode]
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		fmt.Printf("n=%d %s: median %.1f max %.1f GFLOP/s\n", n, mode, v[len(v)/2], v[len(v)-1])
	}
}
