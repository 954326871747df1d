package ssl

import (
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

func TestBlockMatchesDenseSlice(t *testing.T) {
	// A 5×5 weighted matrix; the block [1, 4) keeps rows and columns 1–3.
	a := &graph.CSR{Rows: 5, Cols: 5,
		Indptr:  []int{0, 2, 5, 7, 9, 10},
		Indices: []int32{0, 4, 1, 2, 3, 0, 3, 1, 4, 2},
		Values:  []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}
	b, err := Block(a, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	full, got := a.Dense(), b.Dense()
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if want := full[(i+1)*5+j+1]; got[i*3+j] != want {
				t.Errorf("block[%d][%d] got %g, want %g", i, j, got[i*3+j], want)
			}
		}
	}
	if _, err := Block(a, 3, 3); err == nil {
		t.Error("block past the end: got no error, want one")
	}
}

func TestMVGRLLossAndEmbedding(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	g := ringGraph(t, 8, 3, rng)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMVGRL(3, 4, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := Input{Dense: autograd.Const(tensor.MustFromSlice(g.X.Dense, 8, 3))}
	// The diffusion view is stood in for by the adjacency itself.
	p := Propagation(adj)
	loss := m.Loss(p, p, x, rng)
	if v := float64(loss.Data()[0]); math.IsNaN(v) || v <= 0 {
		t.Fatalf("loss got %g, want a positive finite value", v)
	}
	loss.Backward()
	for i, q := range m.Params() {
		if q.Grad == nil {
			t.Errorf("parameter %d received no gradient", i)
		}
	}
	if got := m.Embed(p, p, x).Shape(); got[0] != 8 || got[1] != 4 {
		t.Errorf("embedding shape got %v, want [8 4]", got)
	}
}
