package ssl

import (
	"math"
	"math/rand/v2"
	"testing"

	"pare/ops/autograd"
	"pare/ops/nn"
	"pare/ops/tensor"
)

// Tolerances, as in the autograd tests: the reference is a central
// difference (step 1e-5) of a float64 twin, accurate to ~1e-9, and the op
// under test runs in float32 with sums over at most ~30 terms per element
// (relative error ~30·2⁻²⁴ ≈ 2e-6 of the summed magnitudes); 1e-4·(1+|ref|)
// leaves a wide margin yet catches any missing term or factor.
const (
	fdStep = 1e-5
	tol    = 1e-4
)

// lossCase is a scalar loss of several inputs, built with autograd (build)
// and as a float64 twin (ref).
type lossCase struct {
	name   string
	shapes [][]int
	build  func(v []*autograd.Var) *autograd.Var
	ref    func(x [][]float64) float64
	// noGrad lists inputs behind a stop-gradient: they must receive no
	// gradient and are skipped in the finite-difference check.
	noGrad map[int]bool
}

func checkLoss(t *testing.T, c lossCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, uint64(len(c.name))))
	vars := make([]*autograd.Var, len(c.shapes))
	twins := make([][]float64, len(c.shapes))
	for i, shape := range c.shapes {
		size, _ := tensor.ShapeSize(shape)
		data := make([]float32, size)
		twins[i] = make([]float64, size)
		for j := range data {
			data[j] = float32(rng.Float64()*2 - 1)
			twins[i][j] = float64(data[j])
		}
		vars[i] = autograd.Param(tensor.MustFromSlice(data, shape...))
	}
	loss := c.build(vars)
	got, want := float64(loss.Data()[0]), c.ref(twins)
	if math.Abs(got-want) > tol*(1+math.Abs(want)) {
		t.Errorf("%s: loss got %.7g, want %.7g", c.name, got, want)
	}
	loss.Backward()
	for i := range vars {
		if c.noGrad[i] {
			if vars[i].Grad != nil {
				t.Errorf("%s: input %d is behind a stop-gradient but received a gradient", c.name, i)
			}
			continue
		}
		if vars[i].Grad == nil {
			t.Errorf("%s: input %d received no gradient", c.name, i)
			continue
		}
		g := vars[i].Grad.Data()
		for j := range twins[i] {
			orig := twins[i][j]
			twins[i][j] = orig + fdStep
			fp := c.ref(twins)
			twins[i][j] = orig - fdStep
			fm := c.ref(twins)
			twins[i][j] = orig
			ref := (fp - fm) / (2 * fdStep)
			if math.Abs(float64(g[j])-ref) > tol*(1+math.Abs(ref)) {
				t.Errorf("%s: d/dinput%d[%d] got %.7g, want %.7g", c.name, i, j, g[j], ref)
			}
		}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// dgiRef is DGI's loss in float64: h, hNeg [n, d], W [d, d], b [1].
func dgiRef(h, hNeg, w, b []float64, n, d int) float64 {
	s := make([]float64, d)
	for c := 0; c < d; c++ {
		for i := 0; i < n; i++ {
			s[c] += h[i*d+c]
		}
		s[c] = sigmoid(s[c] / float64(n))
	}
	ws := make([]float64, d)
	for r := 0; r < d; r++ {
		for c := 0; c < d; c++ {
			ws[r] += w[r*d+c] * s[c]
		}
	}
	var loss float64
	for i := 0; i < n; i++ {
		var pos, neg float64
		for c := 0; c < d; c++ {
			pos += h[i*d+c] * ws[c]
			neg += hNeg[i*d+c] * ws[c]
		}
		loss -= math.Log(sigmoid(pos+b[0])) + math.Log(1-sigmoid(neg+b[0]))
	}
	return loss / float64(2*n)
}

// graceRef is GRACE's symmetric InfoNCE in float64 over the full N×N
// matrices.
func graceRef(z1, z2 []float64, n, d int, tau float64) float64 {
	norm := func(z []float64) []float64 {
		out := make([]float64, len(z))
		for i := 0; i < n; i++ {
			var ss float64
			for c := 0; c < d; c++ {
				ss += z[i*d+c] * z[i*d+c]
			}
			r := math.Sqrt(ss)
			for c := 0; c < d; c++ {
				out[i*d+c] = z[i*d+c] / r
			}
		}
		return out
	}
	u, v := norm(z1), norm(z2)
	dot := func(a, b []float64, i, k int) float64 {
		var s float64
		for c := 0; c < d; c++ {
			s += a[i*d+c] * b[k*d+c]
		}
		return s
	}
	half := func(a, b []float64) float64 {
		var total float64
		for i := 0; i < n; i++ {
			var den float64
			for k := 0; k < n; k++ {
				den += math.Exp(dot(a, b, i, k) / tau)
				if k != i {
					den += math.Exp(dot(a, a, i, k) / tau)
				}
			}
			total -= math.Log(math.Exp(dot(a, b, i, i)/tau) / den)
		}
		return total
	}
	return (half(u, v) + half(v, u)) / float64(2*n)
}

func TestLossGradients(t *testing.T) {
	const n, d = 5, 3
	cases := []lossCase{
		{
			name:   "dgi",
			shapes: [][]int{{n, d}, {n, d}, {d, d}, {1}},
			build: func(v []*autograd.Var) *autograd.Var {
				return DGILoss(&Discriminator{W: v[2], B: v[3]}, v[0], v[1])
			},
			ref: func(x [][]float64) float64 { return dgiRef(x[0], x[1], x[2], x[3], n, d) },
		},
	}
	// Block sizes 1, 2 (a partial last block) and whole.
	for _, block := range []int{1, 2, n} {
		for _, tau := range []float64{0.5, 0.1} {
			block, tau := block, tau
			cases = append(cases, lossCase{
				name:   "grace block " + string(rune('0'+block)) + " tau " + map[float64]string{0.5: "0.5", 0.1: "0.1"}[tau],
				shapes: [][]int{{n, d}, {n, d}},
				build:  func(v []*autograd.Var) *autograd.Var { return GRACELoss(v[0], v[1], tau, block) },
				ref:    func(x [][]float64) float64 { return graceRef(x[0], x[1], n, d, tau) },
			})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLoss(t, c) })
	}
}

// denseRef multiplies the dense twin of a CSR (rows × cols) by x (cols × w).
func denseRef(a *autograd.CSR, x []float64, w int) []float64 {
	out := make([]float64, a.Rows*w)
	for i := 0; i < a.Rows; i++ {
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			v := 1.0
			if a.Values != nil {
				v = float64(a.Values[p])
			}
			j := int(a.Indices[p])
			for c := 0; c < w; c++ {
				out[i*w+c] += v * x[j*w+c]
			}
		}
	}
	return out
}

func TestGCNLayerGradients(t *testing.T) {
	// A 4-node path with self loops and asymmetric weights, so Â ≠ Âᵀ and
	// the transpose in backward is exercised.
	adj := &autograd.CSR{Rows: 4, Cols: 4,
		Indptr:  []int{0, 2, 5, 8, 10},
		Indices: []int32{0, 1, 0, 1, 2, 1, 2, 3, 2, 3},
		Values:  []float32{0.5, 0.3, 0.2, 0.4, 0.1, 0.6, 0.3, 0.2, 0.7, 0.25}}
	// Sparse features, 4 nodes × 3 columns with an empty row.
	xs := &autograd.CSR{Rows: 4, Cols: 3, Indptr: []int{0, 1, 1, 3, 4}, Indices: []int32{2, 0, 1, 2}, Values: []float32{1, 0.5, -1, 2}}
	const in, out = 3, 2
	weights := make([]float64, 4*out)
	for i := range weights {
		weights[i] = float64(i%3) - 0.7
	}
	// Twin of sum(weights ⊙ PReLU(Â·X·W + b)).
	layerRef := func(x, w, b, slope []float64) float64 {
		xw := make([]float64, 4*out)
		for i := 0; i < 4; i++ {
			for c := 0; c < out; c++ {
				for k := 0; k < in; k++ {
					xw[i*out+c] += x[i*in+k] * w[k*out+c]
				}
			}
		}
		h := denseRef(adj, xw, out)
		var s float64
		for i := range h {
			v := h[i] + b[i%out]
			if v <= 0 {
				v *= slope[i%out]
			}
			s += weights[i] * v
		}
		return s
	}
	weighted := func(h *autograd.Var) *autograd.Var {
		return autograd.SumAll(autograd.Mul(h, autograd.Const(tensor.MustFromSlice(toF32(weights), 4, out))))
	}
	xsDense := denseRef(xs, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3)
	cases := []lossCase{
		{
			name:   "dense input",
			shapes: [][]int{{4, in}, {in, out}, {out}, {out}},
			build: func(v []*autograd.Var) *autograd.Var {
				l := &GCNLayer{W: v[1], B: v[2]}
				return weighted(autograd.PReLU(l.Forward(adj, Input{Dense: v[0]}), v[3]))
			},
			ref: func(x [][]float64) float64 { return layerRef(x[0], x[1], x[2], x[3]) },
		},
		{
			name:   "sparse input",
			shapes: [][]int{{in, out}, {out}, {out}},
			build: func(v []*autograd.Var) *autograd.Var {
				l := &GCNLayer{W: v[0], B: v[1]}
				return weighted(autograd.PReLU(l.Forward(adj, Input{Sparse: xs}), v[2]))
			},
			ref: func(x [][]float64) float64 { return layerRef(xsDense, x[0], x[1], x[2]) },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLoss(t, c) })
	}
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestExpApprox(t *testing.T) {
	for x := -60.0; x <= 0; x += 0.0137 {
		got, want := expApprox(x), math.Exp(x)
		if math.Abs(got-want) > 1e-9*want {
			t.Fatalf("expApprox(%g) got %.17g, want %.17g", x, got, want)
		}
	}
	if got := expApprox(-800); got != 0 {
		t.Errorf("expApprox(-800) got %g, want 0", got)
	}
}

func TestInfoNCEShapeErrors(t *testing.T) {
	a := autograd.Param(tensor.New(3, 2))
	b := autograd.Param(tensor.New(4, 2))
	if err := autograd.Catch(func() { InfoNCE(a, b, 0.5, 2) }); err == nil {
		t.Error("mismatched views: got no error, want one")
	}
	if err := autograd.Catch(func() { InfoNCE(a, a, 0, 2) }); err == nil {
		t.Error("tau 0: got no error, want one")
	}
}

func TestGINLayerGradients(t *testing.T) {
	// Triangle 0–1–2 plus an isolated node 3, unweighted.
	adj := &autograd.CSR{Rows: 4, Cols: 4, Indptr: []int{0, 2, 4, 6, 6}, Indices: []int32{1, 2, 0, 2, 0, 1}}
	const in, hidden = 2, 3
	c := lossCase{
		name:   "gin",
		shapes: [][]int{{4, in}, {in, hidden}, {hidden}, {hidden, 1}, {1}},
		build: func(v []*autograd.Var) *autograd.Var {
			l := &GINLayer{Eps: 0.5, MLP: &MLP{Act: ActReLU, Layers: []*nn.Linear{{W: v[1], B: v[2]}, {W: v[3], B: v[4]}}}}
			return autograd.SumAll(l.Forward(adj, v[0]))
		},
		ref: func(x [][]float64) float64 {
			agg := denseRef(adj, x[0], in)
			var total float64
			for i := 0; i < 4; i++ {
				var out float64
				for k := 0; k < hidden; k++ {
					z := x[2][k]
					for j := 0; j < in; j++ {
						z += (agg[i*in+j] + 1.5*x[0][i*in+j]) * x[1][j*hidden+k]
					}
					out += math.Max(z, 0) * x[3][k]
				}
				total += out + x[4][0]
			}
			return total
		},
	}
	checkLoss(t, c)
}

func TestGATLayerGradients(t *testing.T) {
	// A directed 4-node pattern with self loops and a node whose only
	// entry is its self loop.
	adj := &autograd.CSR{Rows: 4, Cols: 4, Indptr: []int{0, 3, 5, 7, 8}, Indices: []int32{0, 1, 3, 1, 2, 0, 2, 3}}
	const in, heads, out = 3, 2, 2
	width := heads * out
	weights := make([]float64, 4*width)
	for i := range weights {
		weights[i] = float64(i%5)*0.4 - 0.9
	}
	ref := func(x, w, aSrc, aDst, b []float64) float64 {
		wx := make([]float64, 4*width)
		for i := 0; i < 4; i++ {
			for c := 0; c < width; c++ {
				for k := 0; k < in; k++ {
					wx[i*width+c] += x[i*in+k] * w[k*width+c]
				}
			}
		}
		score := func(a []float64, i, h int) float64 {
			var s float64
			for c := 0; c < out; c++ {
				s += a[h*out+c] * wx[i*width+h*out+c]
			}
			return s
		}
		var total float64
		for i := 0; i < 4; i++ {
			for h := 0; h < heads; h++ {
				lo, hi := adj.Indptr[i], adj.Indptr[i+1]
				es := make([]float64, hi-lo)
				var z float64
				for p := lo; p < hi; p++ {
					e := score(aDst, i, h) + score(aSrc, int(adj.Indices[p]), h)
					if e <= 0 {
						e *= 0.2
					}
					es[p-lo] = math.Exp(e)
					z += es[p-lo]
				}
				for c := 0; c < out; c++ {
					v := b[h*out+c]
					for p := lo; p < hi; p++ {
						v += es[p-lo] / z * wx[int(adj.Indices[p])*width+h*out+c]
					}
					total += weights[i*width+h*out+c] * v
				}
			}
		}
		return total
	}
	c := lossCase{
		name:   "gat",
		shapes: [][]int{{4, in}, {in, width}, {heads, out}, {heads, out}, {width}},
		build: func(v []*autograd.Var) *autograd.Var {
			l := &GATLayer{W: v[1], ASrc: v[2], ADst: v[3], B: v[4], Heads: heads, Out: out, Slope: 0.2}
			y := l.Forward(adj, Input{Dense: v[0]})
			return autograd.SumAll(autograd.Mul(y, autograd.Const(tensor.MustFromSlice(toF32(weights), 4, width))))
		},
		ref: func(x [][]float64) float64 { return ref(x[0], x[1], x[2], x[3], x[4]) },
	}
	checkLoss(t, c)
}
