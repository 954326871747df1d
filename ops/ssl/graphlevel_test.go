package ssl

import (
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/graph"
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
