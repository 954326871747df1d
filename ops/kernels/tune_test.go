//go:build tune && !noasm

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestTuneKernelPeak(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, bk := range gemmBackends() {
		if bk.packed == nil {
			continue
		}
		g := bk.packed
		k := 256
		a, b := randomSlice(rng, k*g.mr), randomSlice(rng, k*g.nr)
		c := make([]float32, g.mr*g.nr)
		reps := 20000
		start := time.Now()
		for r := 0; r < reps; r++ {
			g.kernel(k, a, b, c, g.nr, 1, 1)
		}
		d := time.Since(start)
		fmt.Printf("%s kernel peak: %.1f GFLOP/s\n", bk.name, 2*float64(g.mr*g.nr*k*reps)/d.Seconds()/1e9)
	}
}
