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

// splitMix64 is Steele, Lea and Flood's SplitMix64 generator. It is tiny
// and exactly reproducible, so bench/ot_compare.py implements it too and
// times POT on the very instances that the EMD and Sinkhorn benchmarks
// solve.
type splitMix64 uint64

func (s *splitMix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a uniform float64 in [0, 1) from the top 53 bits.
func (s *splitMix64) float() float64 {
	return float64(s.next()>>11) * 0x1p-53
}

// benchInstance draws n source and m target points uniform in the unit
// square and returns their squared Euclidean distances, each computed as
// dx·dx + dy·dy so that NumPy gets the same bits. The weights are
// proportional to uniform [0.05, 1.05) draws, or 1/n and 1/m when uniform
// is set. The draws run in this order: each source's x and y, each
// target's, then the weights of a and of b.
func benchInstance(seed uint64, n, m int, uniform bool) (a, b []float64, M Matrix) {
	rng := splitMix64(seed)
	points := func(k int) [][2]float64 {
		p := make([][2]float64, k)
		for i := range p {
			p[i][0] = rng.float()
			p[i][1] = rng.float()
		}
		return p
	}
	x, y := points(n), points(m)
	M = NewMatrix(n, m)
	for i := range x {
		for j := range y {
			dx, dy := x[i][0]-y[j][0], x[i][1]-y[j][1]
			// The conversions round each product, so no fused multiply-add
			// changes the bits.
			M.Data[i*m+j] = float64(dx*dx) + float64(dy*dy)
		}
	}
	weights := func(k int) []float64 {
		if uniform {
			return Unif(k)
		}
		w := make([]float64, k)
		var sum float64
		for i := range w {
			w[i] = rng.float() + 0.05
			sum += w[i]
		}
		for i := range w {
			w[i] /= sum
		}
		return w
	}
	a = weights(n)
	b = weights(m)
	return a, b, M
}

func benchEMD(b *testing.B, uniform bool) {
	x, y, M := benchInstance(2, 1000, 1000, uniform)
	cpu := startCPU(b)
	for b.Loop() {
		res, err := EMD(context.Background(), x, y, M, 0)
		if err != nil || res.Status != Optimal {
			b.Fatal(err, res.Status)
		}
		b.ReportMetric(float64(res.Iterations), "pivots")
	}
	cpu.report()
}

func BenchmarkEMD1000Uniform(b *testing.B) { benchEMD(b, true) }
func BenchmarkEMD1000Random(b *testing.B)  { benchEMD(b, false) }

// BenchmarkSinkhorn2000 runs Sinkhorn with POT's defaults at reg 1e-2 on
// 2000 uniform points per side, costs scaled to max(M) = 1.
func BenchmarkSinkhorn2000(b *testing.B) {
	x, y, M := benchInstance(3, 2000, 2000, true)
	maxM := 0.0
	for _, v := range M.Data {
		maxM = max(maxM, v)
	}
	for k := range M.Data {
		M.Data[k] /= maxM
	}
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
