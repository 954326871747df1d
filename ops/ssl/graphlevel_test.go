package ssl

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/nn"
	"pare/ops/tensor"
)

func smallBatch(t *testing.T, rng *rand.Rand) *graph.Batch {
	t.Helper()
	var graphs []*graph.Graph
	for _, n := range []int{4, 5, 3} {
		graphs = append(graphs, ringGraph(t, n, 2, rng))
	}
	b, err := graph.NewBatch(graphs, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInfoGraphLossAndEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	b := smallBatch(t, rng)
	m, err := NewInfoGraph(2, 4, 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := m.Loss(b)
	if err != nil {
		t.Fatal(err)
	}
	if v := loss.Data()[0]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		t.Fatalf("loss got %g, want a finite value", v)
	}
	loss.Backward()
	for i, p := range m.Params() {
		if p.Grad == nil {
			t.Errorf("parameter %d received no gradient", i)
		}
	}
	emb, err := m.Embed(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := emb.Shape(); got[0] != 3 || got[1] != 8 {
		t.Errorf("embedding shape got %v, want [3 8]", got)
	}
}

func TestGraphCLLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	b := smallBatch(t, rng)
	m, err := NewGraphCL(2, 4, 2, 0.2, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := m.Loss(b, b)
	if err != nil {
		t.Fatal(err)
	}
	if v := loss.Data()[0]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		t.Fatalf("loss got %g, want a finite value", v)
	}
	loss.Backward()
	for i, p := range m.Params() {
		if p.Grad == nil {
			t.Errorf("parameter %d received no gradient", i)
		}
	}
	other := smallBatch(t, rng)
	one, err := graph.NewBatch([]*graph.Graph{ringGraph(t, 3, 2, rng)}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Loss(other, one); err == nil {
		t.Error("views with different graph counts: got no error, want one")
	}
}

// ringBatch returns a batch of count ring graphs of 3 to 6 nodes with
// 2 random features each.
func ringBatch(t *testing.T, count int, seed uint64) *graph.Batch {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	var graphs []*graph.Graph
	for i := 0; i < count; i++ {
		graphs = append(graphs, ringGraph(t, 3+i%4, 2, rng))
	}
	b, err := graph.NewBatch(graphs, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTrainGraphStepsStick checks that the optimizer steps of graph-level
// training stay applied: two learning rates from the same initialisation
// must end with different embeddings, and a step on a quadratic must move
// its parameter.
func TestTrainGraphStepsStick(t *testing.T) {
	b := ringBatch(t, 12, 14)
	for _, method := range []string{"infograph", "graphcl"} {
		embeddings := make(map[float64][]float32)
		for _, lr := range []float64{1e-3, 1e-1} {
			cfg, err := Defaults(method)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Hidden, cfg.Layers, cfg.BatchSize, cfg.Epochs, cfg.LR = []int{4}, 2, 4, 2, lr
			res, err := TrainGraph(context.Background(), b, cfg, nil)
			if err != nil {
				t.Fatalf("%s lr %g: %v", method, lr, err)
			}
			embeddings[lr] = res.Embeddings.Contiguous().Data()
		}
		if slices.Equal(embeddings[1e-3], embeddings[1e-1]) {
			t.Errorf("%s: learning rates 1e-3 and 1e-1 give the same embeddings; the optimizer steps were not applied", method)
		}
	}

	p := autograd.Param(tensor.MustFromSlice([]float32{1, 2, 3}, 3))
	opt, err := nn.NewAdam([]nn.Group{{Params: nn.Values([]*autograd.Var{p}), LR: 0.5}}, nn.DefaultAdamConfig())
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(p.Data())
	value, err := optimizerStep([]*autograd.Var{p}, opt, func() (*autograd.Var, error) { return autograd.SumAll(autograd.Mul(p, p)), nil }, 0)
	if err != nil {
		t.Fatal(err)
	}
	if value != 14 {
		t.Errorf("loss before the step got %g, want 14", value)
	}
	if slices.Equal(p.Data(), before) {
		t.Errorf("parameters after one Adam step got %v, want them moved from %v", p.Data(), before)
	}
}

func TestGraphCLViews(t *testing.T) {
	b := ringBatch(t, 8, 15)
	losses := make(map[string][]float64)
	for _, views := range []string{"augmented", "clean", "both"} {
		cfg, err := Defaults("graphcl")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Hidden, cfg.Layers, cfg.BatchSize, cfg.Epochs, cfg.Views = []int{4}, 2, 4, 2, views
		res, err := TrainGraph(context.Background(), b, cfg, nil)
		if views == "both" {
			if err == nil {
				t.Error("views both: got no error, want one naming augmented and clean")
			}
			continue
		}
		if err != nil {
			t.Fatalf("views %s: %v", views, err)
		}
		losses[views] = res.Train.Losses
	}
	if slices.Equal(losses["augmented"], losses["clean"]) {
		t.Errorf("views augmented and clean give the same losses %v; the setting does not reach the loss", losses["clean"])
	}
}
