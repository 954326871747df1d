package ssl

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/graph"
	"pare/ops/tensor"
)

func TestDrawNodeMaskCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	m, err := DrawNodeMask(100, 0.75, 0.1, rng)
	if err != nil {
		t.Fatal(err)
	}
	// ⌊0.75·100⌋ = 75 masked, ⌊0.1·75⌋ = 7 noise, 68 token.
	if len(m.Masked) != 75 || len(m.Noise) != 7 || len(m.Token) != 68 || len(m.NoiseSource) != 7 {
		t.Errorf("counts got masked %d, noise %d, token %d, sources %d; want 75, 7, 68, 7", len(m.Masked), len(m.Noise), len(m.Token), len(m.NoiseSource))
	}
	seen := map[int]bool{}
	for _, v := range m.Masked {
		if seen[v] {
			t.Fatalf("node %d masked twice", v)
		}
		seen[v] = true
	}
	if _, err := DrawNodeMask(10, 1, 0, rng); err == nil {
		t.Error("rate 1: got no error, want one")
	}
}

func TestGraphMAELossTrainsTokenAndEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	g := ringGraph(t, 10, 4, rng)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.MustFromSlice(g.X.Dense, 10, 4)
	m, err := NewGraphMAE(4, []int{6}, 2, rng)
	if err != nil {
		t.Fatal(err)
	}
	mask, err := DrawNodeMask(10, 0.5, 0.2, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss := m.Loss(Propagation(adj), x, mask)
	v := float64(loss.Data()[0])
	// (1 − cos)² lies in [0, 4].
	if math.IsNaN(v) || v < 0 || v > 4 {
		t.Fatalf("loss got %g, want a value in [0, 4]", v)
	}
	loss.Backward()
	for i, p := range m.Params() {
		if p.Grad == nil {
			t.Errorf("parameter %d received no gradient", i)
		}
	}
	if !slices.ContainsFunc(m.Token.Grad.Data(), func(g float32) bool { return g != 0 }) {
		t.Error("mask token gradient is all zeros")
	}
}
