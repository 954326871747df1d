package ssl

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
)

// loadCora reads the Planetoid Cora graph from $PARE_DATA or skips.
func loadCora(tb testing.TB) *graph.Graph {
	root := os.Getenv("PARE_DATA")
	if root == "" {
		tb.Skip("PARE_DATA is not set; set it to the data folder to run Cora benchmarks")
	}
	g, err := graph.LoadNPZ(filepath.Join(root, "graph", "planetoid-cora.npz"))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// BenchmarkDGIEpochCora times one DGI training epoch on Cora (one GCN layer
// of 512, PReLU, sparse row-normalised features): forward, backward and an
// Adam step.
func BenchmarkDGIEpochCora(b *testing.B) {
	g := loadCora(b)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		b.Fatal(err)
	}
	x, err := FeatureInput(g.X.RowNormalizeL1())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(0, 0))
	m, err := NewDGI(Propagation(adj), x, []int{512}, ActPReLU, rng)
	if err != nil {
		b.Fatal(err)
	}
	params := m.Params()
	opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: 1e-3}}, nn.DefaultAdamConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nn.ZeroGrads(params)
		loss := m.Loss(rng)
		loss.Backward()
		if err := opt.Step(nn.Grads(params)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGRACEEpochCora times one GRACE epoch on Cora (GCN 1433 → 512 →
// 256 with PReLU, projection 256 → 32 → 256, τ = 0.4, edge dropping 0.2/0.4
// and feature masking 0.3/0.4 resampled each step): views, forward,
// backward and an Adam step.
func BenchmarkGRACEEpochCora(b *testing.B) {
	g := loadCora(b)
	aug1 := graph.NewAugmentor(1, graph.EdgeRemoving{P: 0.2}, graph.FeatureMasking{P: 0.3})
	aug2 := graph.NewAugmentor(2, graph.EdgeRemoving{P: 0.4}, graph.FeatureMasking{P: 0.4})
	rng := rand.New(rand.NewPCG(0, 0))
	m, err := NewGRACE(g.X.Cols, []int{512, 256}, 32, ActPReLU, 0.4, rng)
	if err != nil {
		b.Fatal(err)
	}
	params := m.Params()
	opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: 1e-3}}, nn.DefaultAdamConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v1, err := aug1.View(g)
		if err != nil {
			b.Fatal(err)
		}
		v2, err := aug2.View(g)
		if err != nil {
			b.Fatal(err)
		}
		nn.ZeroGrads(params)
		loss, err := m.Loss(v1, v2)
		if err != nil {
			b.Fatal(err)
		}
		loss.Backward()
		if err := opt.Step(nn.Grads(params)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDGICoraAccuracy pretrains DGI on Cora with the settings of its
// paper (Veličković et al., arXiv:1809.10341: one GCN layer of 512, Adam
// lr 1e-3, patience 20) for seeds 0 to b.N−1 and reports the mean test accuracy of 50 linear probes per seed (lr 0.01,
// 100 steps) on the public split, as the metric test_acc. The activation
// is PReLU with one slope per channel; set PARE_DGI_SHARED_SLOPE=1 for the
// original code's single slope.
func BenchmarkDGICoraAccuracy(b *testing.B) {
	act := ActPReLU
	if os.Getenv("PARE_DGI_SHARED_SLOPE") == "1" {
		act = ActPReLUShared
	}
	var accSum float64
	g := loadCora(b)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		b.Fatal(err)
	}
	x, err := FeatureInput(g.X.RowNormalizeL1())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 0))
		m, err := NewDGI(Propagation(adj), x, []int{512}, act, rng)
		if err != nil {
			b.Fatal(err)
		}
		params := m.Params()
		opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: 1e-3}}, nn.DefaultAdamConfig())
		if err != nil {
			b.Fatal(err)
		}
		res, err := Train(context.Background(), params, opt, TrainConfig{Epochs: 10000, Patience: 20}, func(int) (*autograd.Var, error) {
			return m.Loss(rng), nil
		})
		if err != nil {
			b.Fatal(err)
		}
		emb := m.Embed()
		var sum float64
		const reps = 50
		for r := 0; r < reps; r++ {
			cfg := DefaultProbeConfig()
			cfg.Seed = uint64(r)
			_, acc, err := LinearProbe(emb, g.Y, g.NumClasses, g.Split.Train, g.Split.Val, g.Split.Test, cfg)
			if err != nil {
				b.Fatal(err)
			}
			sum += acc
		}
		b.Logf("seed %d: %d epochs, best loss %.4f, test accuracy %.2f", i, len(res.Losses), res.BestLoss, 100*sum/reps)
		accSum += 100 * sum / reps
	}
	b.ReportMetric(accSum/float64(b.N), "test_acc")
}

// BenchmarkGRACECoraAccuracy pretrains GRACE on Cora (settings of
// BenchmarkGRACEEpochCora on row-L1-normalised features, Adam lr 1e-3,
// patience 50) for $PARE_GRACE_EPOCHS epochs (default 1000) and reports the
// mean test accuracy of 10 linear probes on the public split as test_acc.
func BenchmarkGRACECoraAccuracy(b *testing.B) {
	g := loadCora(b)
	g = g.WithFeatures(g.X.RowNormalizeL1())
	epochs := 1000
	if s := os.Getenv("PARE_GRACE_EPOCHS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("PARE_GRACE_EPOCHS=%q; want a positive integer", s)
		}
		epochs = n
	}
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		b.Fatal(err)
	}
	x, err := FeatureInput(g.X)
	if err != nil {
		b.Fatal(err)
	}
	var accSum float64
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 0))
		aug1 := graph.NewAugmentor(uint64(2*i+1), graph.EdgeRemoving{P: 0.2}, graph.FeatureMasking{P: 0.3})
		aug2 := graph.NewAugmentor(uint64(2*i+2), graph.EdgeRemoving{P: 0.4}, graph.FeatureMasking{P: 0.4})
		m, err := NewGRACE(g.X.Cols, []int{512, 256}, 32, ActPReLU, 0.4, rng)
		if err != nil {
			b.Fatal(err)
		}
		params := m.Params()
		opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values(params), LR: 1e-3}}, nn.DefaultAdamConfig())
		if err != nil {
			b.Fatal(err)
		}
		res, err := Train(context.Background(), params, opt, TrainConfig{Epochs: epochs, Patience: 50}, func(int) (*autograd.Var, error) {
			v1, err := aug1.View(g)
			if err != nil {
				return nil, err
			}
			v2, err := aug2.View(g)
			if err != nil {
				return nil, err
			}
			return m.Loss(v1, v2)
		})
		if err != nil {
			b.Fatal(err)
		}
		emb := m.Encoder.Forward(Propagation(adj), x).Detach().Value
		var sum float64
		const reps = 10
		for r := 0; r < reps; r++ {
			cfg := DefaultProbeConfig()
			cfg.Seed = uint64(r)
			_, acc, err := LinearProbe(emb, g.Y, g.NumClasses, g.Split.Train, g.Split.Val, g.Split.Test, cfg)
			if err != nil {
				b.Fatal(err)
			}
			sum += acc
		}
		b.Logf("seed %d: %d epochs, best loss %.4f, test accuracy %.2f", i, len(res.Losses), res.BestLoss, 100*sum/reps)
		accSum += 100 * sum / reps
	}
	b.ReportMetric(accSum/float64(b.N), "test_acc")
}
