package ssl

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

func TestDrawNodeMaskCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	m, err := DrawNodeMask(100, 0.75, 0.1, rng)
	if err != nil {
		t.Fatal(err)
	}
	// ⌊0.75·100⌋ = 75 masked, ⌊0.1·75⌋ = 7 noise, ⌊0.9·75⌋ = 67 token, and
	// one masked node keeps its features, as in GraphMAE's code.
	if len(m.Masked) != 75 || len(m.Noise) != 7 || len(m.Token) != 67 || len(m.NoiseSource) != 7 {
		t.Errorf("counts got masked %d, noise %d, token %d, sources %d; want 75, 7, 67, 7", len(m.Masked), len(m.Noise), len(m.Token), len(m.NoiseSource))
	}
	for _, v := range m.Token {
		if slices.Contains(m.Noise, v) {
			t.Errorf("node %d is both a token and a noise node", v)
		}
	}
	m0, err := DrawNodeMask(100, 0.5, 0, rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(m0.Token) != 50 || len(m0.Noise) != 0 {
		t.Errorf("replace rate 0: token %d, noise %d; want 50, 0", len(m0.Token), len(m0.Noise))
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
	for _, enc := range []string{"gcn", "gat"} {
		t.Run(enc, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(8, 8))
			g := ringGraph(t, 10, 4, rng)
			adj, err := graph.GCNNorm(g.Adj)
			if err != nil {
				t.Fatal(err)
			}
			x := tensor.MustFromSlice(g.X.Dense, 10, 4)
			m, err := NewGraphMAE(4, Propagation(adj), GraphMAEOptions{Encoder: enc, Hidden: []int{6, 6}, Heads: 2, InDrop: 0.2, AttnDrop: 0.1, Gamma: 2}, rng)
			if err != nil {
				t.Fatal(err)
			}
			mask, err := DrawNodeMask(10, 0.5, 0.2, rng)
			if err != nil {
				t.Fatal(err)
			}
			loss := m.Loss(x, mask, rng)
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
		})
	}
}

// TestGraphMAEGATShapes checks the paper's Cora layout at small width:
// encoder layers of heads × (hidden/heads) concatenated, a PReLU with one
// slope after each encoder layer, one decoder head back to the feature
// width, and the bias-free encoder-to-decoder map.
func TestGraphMAEGATShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	g := ringGraph(t, 8, 5, rng)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewGraphMAE(5, Propagation(adj), GraphMAEOptions{Encoder: "gat", Hidden: []int{8, 8}, Heads: 4, Gamma: 3}, rng)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want []int
	}{
		{"encoder layer 1 W", m.GATEnc.Layers[0].W.Shape(), []int{5, 8}},
		{"encoder layer 1 a_src", m.GATEnc.Layers[0].ASrc.Shape(), []int{4, 2}},
		{"encoder layer 2 W", m.GATEnc.Layers[1].W.Shape(), []int{8, 8}},
		{"encoder slope 1", m.GATEnc.Slopes[0].Shape(), []int{1}},
		{"encoder slope 2", m.GATEnc.Slopes[1].Shape(), []int{1}},
		{"encoder to decoder", m.EncToDec.Shape(), []int{8, 8}},
		{"decoder W", m.GATDec.Layers[0].W.Shape(), []int{8, 5}},
		{"decoder a_dst", m.GATDec.Layers[0].ADst.Shape(), []int{1, 5}},
		{"token", m.Token.Shape(), []int{5}},
	}
	for _, c := range checks {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: shape got %v, want %v", c.name, c.got, c.want)
		}
	}
	if m.GATDec.Slopes[0] != nil {
		t.Error("decoder has an activation; want none")
	}
	if _, err := NewGraphMAE(5, Propagation(adj), GraphMAEOptions{Encoder: "gat", Hidden: []int{6}, Heads: 4}, rng); err == nil {
		t.Error("hidden 6 with 4 heads: got no error, want one")
	}
	if _, err := NewGraphMAE(5, Propagation(adj), GraphMAEOptions{Encoder: "mlp", Hidden: []int{6}}, rng); err == nil {
		t.Error("encoder mlp: got no error, want one")
	}
}

// TestGraphMAEGATGradients checks the whole GAT model's gradients (dropout
// off) against finite differences.
func TestGraphMAEGATGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	g := ringGraph(t, 8, 5, rng)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.MustFromSlice(g.X.Dense, 8, 5)
	m, err := NewGraphMAE(5, Propagation(adj), GraphMAEOptions{Encoder: "gat", Hidden: []int{4, 4}, Heads: 2, Gamma: 2}, rng)
	if err != nil {
		t.Fatal(err)
	}
	// Random biases and token keep every reconstructed row away from the
	// zero vector, where the cosine's gradient is 1/eps (a node whose
	// neighbours are all masked decodes to the decoder bias alone).
	for _, p := range m.Params() {
		if len(p.Shape()) == 1 && p.Shape()[0] > 1 {
			for i := range p.Data() {
				p.Data()[i] = float32(rng.NormFloat64())
			}
		}
	}
	mask, err := DrawNodeMask(8, 0.5, 0.25, rng)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, m.Params(), func() *autograd.Var { return m.Loss(x, mask, nil) }, 6)
}

// TestGraphMAEEmbedIsDeterministic checks that evaluation runs without
// dropout while training draws differ.
func TestGraphMAEEmbedIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	g := ringGraph(t, 8, 5, rng)
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.MustFromSlice(g.X.Dense, 8, 5)
	m, err := NewGraphMAE(5, Propagation(adj), GraphMAEOptions{Encoder: "gat", Hidden: []int{4}, Heads: 2, InDrop: 0.5, AttnDrop: 0.5, Gamma: 3}, rng)
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.Embed(x).Data(), m.Embed(x).Data()
	if !slices.Equal(a, b) {
		t.Error("two evaluation embeddings differ; want equal (no dropout)")
	}
	mask, _ := DrawNodeMask(8, 0.5, 0, rng)
	l1, l2 := m.Loss(x, mask, rng).Data()[0], m.Loss(x, mask, rng).Data()[0]
	if l1 == l2 {
		t.Errorf("two training losses with dropout 0.5 are both %g; want different draws", l1)
	}
}

func TestCosineLRScale(t *testing.T) {
	cases := []struct {
		epoch, epochs int
		want          float64
	}{{0, 100, 1}, {50, 100, 0.5}, {100, 100, 0}, {25, 100, (1 + math.Sqrt2/2) / 2}}
	for _, c := range cases {
		if got := CosineLRScale(c.epoch, c.epochs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("CosineLRScale(%d, %d) got %g, want %g", c.epoch, c.epochs, got, c.want)
		}
	}
}

// TestGraphMAEGATFastPathMatchesPlain checks that the GAT loss, computed
// with the sparse first layer and the kept-rows decoder, equals the plain
// composition of encoder, map, re-mask and decoder on the dense masked
// input (dropout off), in value and in every parameter's gradient.
func TestGraphMAEGATFastPathMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 3))
	const n, f = 10, 6
	g := ringGraph(t, n, f, rng)
	// Sparse-looking features: zero about half of them.
	for i := range g.X.Dense {
		if rng.IntN(2) == 0 {
			g.X.Dense[i] = 0
		}
	}
	adj, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.MustFromSlice(g.X.Dense, n, f)
	m, err := NewGraphMAE(f, Propagation(adj), GraphMAEOptions{Encoder: "gat", Hidden: []int{4, 4}, Heads: 2, Gamma: 3}, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		if len(p.Shape()) == 1 && p.Shape()[0] > 1 {
			for i := range p.Data() {
				p.Data()[i] = float32(rng.NormFloat64())
			}
		}
	}
	mask, err := DrawNodeMask(n, 0.5, 0.4, rng)
	if err != nil {
		t.Fatal(err)
	}
	grads := func(loss func() *autograd.Var) (float32, [][]float32) {
		for _, p := range m.Params() {
			p.Grad = nil
		}
		l := loss()
		l.Backward()
		var gs [][]float32
		for _, p := range m.Params() {
			gs = append(gs, slices.Clone(p.Grad.Data()))
		}
		return l.Data()[0], gs
	}
	fast, gFast := grads(func() *autograd.Var { return m.lossGAT(x, mask, nil) })
	plain, gPlain := grads(func() *autograd.Var { return m.lossPlain(x, mask, nil) })
	if math.Abs(float64(fast-plain)) > 1e-5*math.Max(1, math.Abs(float64(plain))) {
		t.Errorf("loss: fast path got %g, plain %g", fast, plain)
	}
	for i := range gPlain {
		for k := range gPlain[i] {
			a, b := float64(gFast[i][k]), float64(gPlain[i][k])
			if math.Abs(a-b) > 1e-4*math.Max(1, math.Abs(b)) {
				t.Fatalf("parameter %d element %d: fast path gradient got %g, plain %g", i, k, a, b)
			}
		}
	}
	e1 := m.Embed(x).Data()
	e2 := m.encode(autograd.Const(x), nil).Data()
	for i := range e2 {
		if math.Abs(float64(e1[i]-e2[i])) > 1e-5*math.Max(1, math.Abs(float64(e2[i]))) {
			t.Fatalf("embedding %d: fast path got %g, plain %g", i, e1[i], e2[i])
		}
	}
}
