package moe

import (
	"context"
	"math/rand/v2"
	"testing"

	"pare/ops/ot"
)

// BenchmarkBarycenter runs the ResMoE barycenter on 8 planted SwiGLU experts
// with p = 256 neurons of width D = 3·256 (noisy neuron permutations of one
// base expert), to its fixed point.
func BenchmarkBarycenter(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	N, p, d := 8, 256, 256
	base, _ := Stack(randExpert(rng, p, d, true))
	experts := make([]ot.Matrix, N)
	for k := range experts {
		experts[k] = PermuteRows(base, rng.Perm(p))
		for i := range experts[k].Data {
			experts[k].Data[i] += 0.5 * rng.NormFloat64()
		}
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := Barycenter(context.Background(), experts, BarycenterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Iterations), "iters")
	}
}
