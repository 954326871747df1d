package ot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// The benchmarks use fixed shapes and seeds; bench/ot_compare.py runs them
// next to POT and SciPy on the same kind of data. Each reports cpu-s/op, the
// process CPU time per operation, which varies less than wall time on a
// machine shared with other jobs.

// cpuTimer measures process CPU time over a benchmark loop.
type cpuTimer struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) *cpuTimer {
	b.ResetTimer()
	return &cpuTimer{b: b, start: processCPUTime()}
}

func (c *cpuTimer) report() {
	c.b.ReportMetric((processCPUTime()-c.start).Seconds()/float64(c.b.N), "cpu-s/op")
}

func gaussPoints(rng *rand.Rand, n, d int) Matrix {
	x := NewMatrix(n, d)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	return x
}

func BenchmarkLinearAssignment2048(b *testing.B) {
	c := randMatrix(rand.New(rand.NewPCG(1, 1)), 2048, 2048)
	cpu := startCPU(b)
	for b.Loop() {
		if _, err := LinearAssignment(c, false); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

func benchEMD(b *testing.B, uniform bool) {
	rng := rand.New(rand.NewPCG(2, 2))
	n := 1000
	M, _ := Dist(gaussPoints(rng, n, 2), gaussPoints(rng, n, 2), SqEuclidean)
	x, y := Unif(n), Unif(n)
	if !uniform {
		x, y = randSimplex(rng, n), randSimplex(rng, n)
	}
	cpu := startCPU(b)
	for b.Loop() {
		res, err := EMD(context.Background(), x, y, M, 0)
		if err != nil || res.Status != Optimal {
			b.Fatal(err, res.Status)
		}
	}
	cpu.report()
}

func BenchmarkEMD1000Uniform(b *testing.B) { benchEMD(b, true) }
func BenchmarkEMD1000Random(b *testing.B)  { benchEMD(b, false) }

func BenchmarkSinkhorn2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	n := 2000
	M, _ := Dist(gaussPoints(rng, n, 2), gaussPoints(rng, n, 2), SqEuclidean)
	maxM := 0.0
	for _, v := range M.Data {
		maxM = max(maxM, v)
	}
	for k := range M.Data {
		M.Data[k] /= maxM
	}
	x, y := Unif(n), Unif(n)
	cpu := startCPU(b)
	for b.Loop() {
		res, err := Sinkhorn(context.Background(), x, y, M, 1e-2, SinkhornOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Iterations), "iters")
	}
	cpu.report()
}

// BenchmarkFreeSupportBarycenter times the free-support barycenter of 8
// planted measures of width 1536 (noisy neuron permutations of one base
// cloud) at the number of points given by PARE_OT_BENCH_POINTS (default
// 512), run to its fixed point; the iteration count is reported.
func BenchmarkFreeSupportBarycenter(b *testing.B) {
	k := 512
	if s := os.Getenv("PARE_OT_BENCH_POINTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		k = v
	}
	b.Run(fmt.Sprintf("points=%d", k), func(b *testing.B) {
		rng := rand.New(rand.NewPCG(4, 4))
		N, d := 8, 1536
		base := gaussPoints(rng, k, d)
		measures := make([]Matrix, N)
		weights := make([][]float64, N)
		for n := range measures {
			perm := rng.Perm(k)
			measures[n] = NewMatrix(k, d)
			for j := 0; j < k; j++ {
				row := measures[n].Row(perm[j])
				for c, v := range base.Row(j) {
					row[c] = v + 0.5*rng.NormFloat64()
				}
			}
			weights[n] = Unif(k)
		}
		cpu := startCPU(b)
		for b.Loop() {
			res, err := FreeSupportBarycenter(context.Background(), measures, weights, measures[0], FreeSupportOptions{MaxIter: 100})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Iterations), "iters")
		}
		cpu.report()
	})
}

// BenchmarkLinearAssignmentLarge solves one n×n problem with uniform [0,1)
// costs, n from PARE_OT_BENCH_LSA_N; it is skipped when that is unset,
// because n = 16384 needs 2 GiB for the costs.
func BenchmarkLinearAssignmentLarge(b *testing.B) {
	s := os.Getenv("PARE_OT_BENCH_LSA_N")
	if s == "" {
		b.Skip("set PARE_OT_BENCH_LSA_N to the problem size")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("PARE_OT_BENCH_LSA_N: got %q, want a positive int", s)
	}
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		c := randMatrix(rand.New(rand.NewPCG(5, 5)), n, n)
		cpu := startCPU(b)
		for b.Loop() {
			if _, err := LinearAssignment(c, false); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report()
	})
}
