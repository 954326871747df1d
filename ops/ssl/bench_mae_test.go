package ssl

import (
	"math/rand/v2"
	"testing"

	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// BenchmarkGraphMAEEpochCora times one GraphMAE epoch on Cora with the
// paper's GAT configuration (2 encoder layers of 4 × 128 heads, one decoder
// head back to 1433 features, in_drop 0.2, attn_drop 0.1, mask rate 0.5,
// replace rate 0.05, γ 3): mask draw, forward, backward and an Adam step.
// "plain" computes the loss as written (dense masked input, full-width
// maps); "fast" is the path training uses (sparse first layer, decoder maps
// on the kept rows only). Both compute the same function
// (TestGraphMAEGATFastPathMatchesPlain).
func BenchmarkGraphMAEEpochCora(b *testing.B) {
	g := loadCora(b)
	g = g.WithFeatures(g.X.RowNormalizeL1())
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.MustFromSlice(g.X.ToDense(), g.N(), g.X.Cols)
	for _, path := range []string{"plain", "fast"} {
		b.Run(path, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(0, 0))
			m, err := NewGraphMAE(g.X.Cols, Propagation(adj), GraphMAEOptions{
				Encoder: "gat", Hidden: []int{512, 512}, Heads: 4, InDrop: 0.2, AttnDrop: 0.1, Gamma: 3,
			}, rng)
			if err != nil {
				b.Fatal(err)
			}
			loss := m.lossGAT
			if path == "plain" {
				loss = m.lossPlain
			}
			params := m.Params()
			opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: 1e-3, WeightDecay: 2e-4}}, nn.DefaultAdamConfig())
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				nn.ZeroGrads(params)
				mask, err := DrawNodeMask(g.N(), 0.5, 0.05, rng)
				if err != nil {
					b.Fatal(err)
				}
				loss(x, mask, rng).Backward()
				if err := opt.Step(nn.Grads(params)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
