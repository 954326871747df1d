package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemm times square products C = A·B on every backend at fixed
// sizes, with GOMAXPROCS goroutines. The reported GFLOP/s counts 2·n³.
func BenchmarkSgemm(b *testing.B) {
	for _, backend := range Backends() {
		for _, n := range []int{64, 256, 1024, 2048} {
			b.Run(fmt.Sprintf("%s/n=%d", backend, n), func(b *testing.B) {
				benchmarkSgemm(b, backend, n, n, n)
			})
		}
	}
}

// BenchmarkSgemmShapes times non-square shapes met in transformer layers:
// a 128-token activation times a 1024×4096 weight, and its transpose-B form.
func BenchmarkSgemmShapes(b *testing.B) {
	for _, backend := range Backends() {
		b.Run(backend+"/128x4096x1024", func(b *testing.B) { benchmarkSgemm(b, backend, 128, 4096, 1024) })
	}
}

func benchmarkSgemm(b *testing.B, backend string, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randomSlice(rng, m*k), randomSlice(rng, k*n)
	c := make([]float32, m*n)
	b.ResetTimer()
	for b.Loop() {
		if err := SgemmWith(backend, 0, false, false, m, n, k, 1, x, k, y, n, 0, c, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemmSmall times products small enough that call overhead (checks,
// packing, buffers) dominates.
func BenchmarkSgemmSmall(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x, y := randomSlice(rng, n*n), randomSlice(rng, n*n)
			c := make([]float32, n*n)
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n)
			}
		})
	}
}

// BenchmarkMicroKernel times each backend's micro-kernel alone on packed
// panels that stay in L1 (k = 256), which bounds what the packed driver can
// reach on one core.
func BenchmarkMicroKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, bk := range gemmBackends() {
		if bk.packed == nil {
			continue
		}
		g := bk.packed
		b.Run(bk.name, func(b *testing.B) {
			const k = 256
			x, y := randomSlice(rng, k*g.mr), randomSlice(rng, k*g.nr)
			c := make([]float32, g.mr*g.nr)
			for b.Loop() {
				g.kernel(k, x, y, c, g.nr, 1, 1)
			}
			b.ReportMetric(2*float64(g.mr*g.nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
