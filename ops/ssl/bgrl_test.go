package ssl

import (
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

func TestEMAUpdate(t *testing.T) {
	target := []*autograd.Var{autograd.Param(tensor.MustFromSlice([]float32{1, 2}, 2))}
	online := []*autograd.Var{autograd.Param(tensor.MustFromSlice([]float32{3, -2}, 2))}
	if err := EMAUpdate(target, online, 0.75); err != nil {
		t.Fatal(err)
	}
	// 0.75·1 + 0.25·3 = 1.5 and 0.75·2 + 0.25·(−2) = 1.
	for i, want := range []float32{1.5, 1} {
		if got := target[0].Data()[i]; got != want {
			t.Errorf("target[%d] got %g, want %g", i, got, want)
		}
	}
	if err := EMAUpdate(target, nil, 0.5); err == nil {
		t.Error("mismatched lists: got no error, want one")
	}
}

func TestBGRLMomentumSchedule(t *testing.T) {
	cases := []struct {
		k    int
		want float64
	}{{0, 0.99}, {50, 0.995}, {100, 1}}
	for _, c := range cases {
		if got := BGRLMomentum(c.k, 100, 0.99); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("step %d: got %.15g, want %g", c.k, got, c.want)
		}
	}
}

// ringGraph returns an n-node undirected ring with dense random features.
func ringGraph(t *testing.T, n, f int, rng *rand.Rand) *graph.Graph {
	t.Helper()
	indptr := make([]int, n+1)
	var indices []int32
	for i := 0; i < n; i++ {
		a, b := (i+n-1)%n, (i+1)%n
		if a > b {
			a, b = b, a
		}
		indices = append(indices, int32(a), int32(b))
		indptr[i+1] = len(indices)
	}
	x := make([]float32, n*f)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	feats, err := graph.NewDenseFeatures(x, n, f)
	if err != nil {
		t.Fatal(err)
	}
	return &graph.Graph{Adj: &graph.CSR{Rows: n, Cols: n, Indptr: indptr, Indices: indices}, X: feats}
}

func TestBGRLStepTrainsOnlyTheOnlineNetwork(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	g := ringGraph(t, 8, 5, rng)
	m, err := NewBGRL(5, []int{6}, rng)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := m.Loss(g, g)
	if err != nil {
		t.Fatal(err)
	}
	v := float64(loss.Data()[0])
	// Each BYOL term lies in [0, 4].
	if math.IsNaN(v) || v < 0 || v > 8 {
		t.Fatalf("loss got %g, want a value in [0, 8]", v)
	}
	loss.Backward()
	for i, p := range m.Params() {
		if p.Grad == nil {
			t.Errorf("online parameter %d received no gradient", i)
		}
	}
	for i, p := range m.Target.Params() {
		if p.Grad != nil {
			t.Errorf("target parameter %d received a gradient", i)
		}
	}

	before := append([]float32(nil), m.Target.Layers[0].W.Data()...)
	online := m.Online.Layers[0].W.Data()
	online[0] += 1
	if err := m.UpdateTarget(10, 0.99); err != nil {
		t.Fatal(err)
	}
	// Step 0 uses τ = 0.99.
	want := 0.99*before[0] + 0.01*online[0]
	if got := m.Target.Layers[0].W.Data()[0]; math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("target weight got %g, want %g", got, want)
	}
}
