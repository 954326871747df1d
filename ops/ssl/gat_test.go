package ssl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/graph"
	"pare/ops/tensor"
)

// gatPattern returns the GCN-normalised ring of n nodes (self loops added),
// whose pattern the GAT layers use.
func gatPattern(t *testing.T, n int) *autograd.CSR {
	t.Helper()
	g := ringGraph(t, n, 1, rand.New(rand.NewPCG(1, 1)))
	a, err := graph.GCNNorm(g.Adj)
	if err != nil {
		t.Fatal(err)
	}
	return Propagation(a)
}

func randVar(rng *rand.Rand, shape ...int) *autograd.Var {
	t := tensor.New(shape...)
	for i := range t.Data() {
		t.Data()[i] = float32(rng.NormFloat64())
	}
	return autograd.Param(t)
}

// naiveGAT computes the layer in float64 straight from the formula:
// per head, e_ij = LeakyReLU(a_dst·Wxᵢ + a_src·Wxⱼ, 0.2) over the sources j
// of row i, α = softmax_j, out = concat_h Σⱼ s_ij α_ij (Wxⱼ)_h + b, with
// s_ij the dropout factors (nil: all 1).
func naiveGAT(adj *autograd.CSR, x []float64, in int, l *GATLayer, scale []float32) []float64 {
	n, heads, f := adj.Rows, l.Heads, l.Out
	w, as, ad, b := l.W.Data(), l.ASrc.Data(), l.ADst.Data(), l.B.Data()
	wx := make([]float64, n*heads*f)
	for i := 0; i < n; i++ {
		for c := 0; c < heads*f; c++ {
			for k := 0; k < in; k++ {
				wx[i*heads*f+c] += x[i*in+k] * float64(w[k*heads*f+c])
			}
		}
	}
	score := func(i, h int, a []float32) float64 {
		var s float64
		for c := 0; c < f; c++ {
			s += float64(a[h*f+c]) * wx[i*heads*f+h*f+c]
		}
		return s
	}
	out := make([]float64, n*heads*f)
	for i := 0; i < n; i++ {
		for h := 0; h < heads; h++ {
			lo, hi := adj.Indptr[i], adj.Indptr[i+1]
			e := make([]float64, hi-lo)
			var sum float64
			for q := lo; q < hi; q++ {
				z := score(i, h, ad) + score(int(adj.Indices[q]), h, as)
				if z < 0 {
					z *= 0.2
				}
				e[q-lo] = math.Exp(z)
				sum += e[q-lo]
			}
			for q := lo; q < hi; q++ {
				a := e[q-lo] / sum
				if scale != nil {
					a *= float64(scale[q*heads+h])
				}
				j := int(adj.Indices[q])
				for c := 0; c < f; c++ {
					out[i*heads*f+h*f+c] += a * wx[j*heads*f+h*f+c]
				}
			}
			for c := 0; c < f; c++ {
				out[i*heads*f+h*f+c] += float64(b[h*f+c])
			}
		}
	}
	return out
}

func TestGATLayerMatchesFormula(t *testing.T) {
	cases := []struct {
		name      string
		heads, f  int
		attnDrop  float64
		dropoutOn bool
	}{
		{"one head", 1, 3, 0, false},
		{"three heads concatenated", 3, 2, 0, false},
		{"attention dropout 0.3", 2, 2, 0.3, true},
		{"dropout set, evaluation", 2, 2, 0.3, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const n, in = 7, 4
			rng := rand.New(rand.NewPCG(3, 4))
			adj := gatPattern(t, n)
			l, err := NewGATLayer(in, c.f, c.heads, rng)
			if err != nil {
				t.Fatal(err)
			}
			l.AttnDrop = c.attnDrop
			for i := range l.B.Data() {
				l.B.Data()[i] = float32(rng.NormFloat64())
			}
			x := randVar(rng, n, in)
			var drng *rand.Rand
			var scale []float32
			if c.dropoutOn {
				drng = rand.New(rand.NewPCG(9, 9))
				// The same draws as the layer: one Float64 per edge and head.
				mrng := rand.New(rand.NewPCG(9, 9))
				scale = make([]float32, len(adj.Indices)*c.heads)
				for e := range scale {
					if mrng.Float64() >= c.attnDrop {
						scale[e] = float32(1 / (1 - c.attnDrop))
					}
				}
			}
			got := l.ForwardTrain(adj, Input{Dense: x}, drng).Data()
			xs := make([]float64, n*in)
			for i, v := range x.Data() {
				xs[i] = float64(v)
			}
			want := naiveGAT(adj, xs, in, l, scale)
			if len(got) != len(want) {
				t.Fatalf("output size got %d, want %d", len(got), len(want))
			}
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("output %d got %g, want %g", i, got[i], want[i])
				}
			}
		})
	}
}

// numericGrad returns d loss / d p[k] by central differences in float32
// parameters, loss evaluated in float64.
func numericGrad(p *autograd.Var, k int, loss func() float64) float64 {
	const h = 1e-2
	old := p.Data()[k]
	p.Data()[k] = old + h
	up := loss()
	p.Data()[k] = old - h
	down := loss()
	p.Data()[k] = old
	return (up - down) / (2 * h)
}

// checkGrads compares backward's gradient with central differences on up
// to perParam coordinates of each parameter.
func checkGrads(t *testing.T, params []*autograd.Var, build func() *autograd.Var, perParam int) {
	t.Helper()
	for _, p := range params {
		p.Grad = nil
	}
	build().Backward()
	loss := func() float64 { return float64(build().Data()[0]) }
	pick := rand.New(rand.NewPCG(5, 5))
	for pi, p := range params {
		if p.Grad == nil {
			t.Fatalf("parameter %d has no gradient", pi)
		}
		size := len(p.Data())
		for r := 0; r < min(perParam, size); r++ {
			k := r
			if size > perParam {
				k = pick.IntN(size)
			}
			num := numericGrad(p, k, loss)
			ana := float64(p.Grad.Data()[k])
			if math.Abs(num-ana) > 2e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("parameter %d element %d: gradient got %g, want %g (finite differences)", pi, k, ana, num)
			}
		}
	}
}

func TestGATLayerGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []struct {
		name     string
		heads, f int
		attnDrop float64
	}{
		{"one head", 1, 3, 0},
		{"four heads", 4, 2, 0},
		{"two heads, attention dropout 0.4", 2, 3, 0.4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const n, in = 6, 5
			rng := rand.New(rand.NewPCG(7, 8))
			adj := gatPattern(t, n)
			l, err := NewGATLayer(in, c.f, c.heads, rng)
			if err != nil {
				t.Fatal(err)
			}
			l.AttnDrop = c.attnDrop
			x := randVar(rng, n, in)
			proj := autograd.Const(randVar(rng, n, c.heads*c.f).Value)
			build := func() *autograd.Var {
				var drng *rand.Rand
				if c.attnDrop > 0 {
					drng = rand.New(rand.NewPCG(11, 12)) // the same mask every call
				}
				out := l.ForwardTrain(adj, Input{Dense: x}, drng)
				// A nonlinear readout so every output element matters.
				return autograd.SumAll(autograd.Mul(autograd.Tanh(out), proj))
			}
			checkGrads(t, append(l.Params(), x), build, 12)
		})
	}
}

func TestGATPatternHasSelfLoops(t *testing.T) {
	adj := gatPattern(t, 5)
	for i := 0; i < adj.Rows; i++ {
		self := 0
		for q := adj.Indptr[i]; q < adj.Indptr[i+1]; q++ {
			if int(adj.Indices[q]) == i {
				self++
			}
		}
		if self != 1 {
			t.Errorf("row %d: self loops got %d, want 1", i, self)
		}
	}
}

func TestEdgeAttentionRejectsBadDropout(t *testing.T) {
	adj := gatPattern(t, 4)
	s := autograd.Const(tensor.New(4, 1))
	v := autograd.Const(tensor.New(4, 2))
	for _, p := range []float64{-0.1, 1, 0.5} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			err := autograd.Catch(func() { EdgeAttentionDrop(adj, s, s, v, 1, 0.2, p, nil) })
			if err == nil {
				t.Errorf("dropout %v without rng: got no error, want one", p)
			}
		})
	}
}
