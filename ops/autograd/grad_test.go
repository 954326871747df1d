package autograd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pare/ops/tensor"
)

// Tolerances. The reference gradient is a central difference of the float64
// twin with step fdStep, whose truncation error (~fdStep²·|f”'|) and
// rounding error (~1e-16/fdStep) are both below 1e-9 for the O(1) inputs
// used here. What remains is float32 rounding in the op under test: each
// output or gradient element accumulates at most ~64 terms, so its relative
// error is bounded by about 64·2⁻²⁴ ≈ 4e-6 of the summed magnitudes. The
// tolerance 1e-4·(1+|ref|) sits 25× above that bound, and a wrong formula
// (a missing term or factor) errs by O(1).
const (
	fdStep  = 1e-5
	gradTol = 1e-4
	fwdTol  = 1e-4
)

type inputKind int

const (
	anyValue    inputKind = iota // uniform in ±[0.1, 2], away from the kinks of relu, abs and max at 0
	positive                     // uniform in [0.5, 2], for log, sqrt, pow and denominators
	probability                  // uniform in [0, 1], for targets
)

type gradInput struct {
	shape []int
	kind  inputKind
	// constant marks an input that takes no gradient (targets, data).
	constant bool
}

type gradCase struct {
	name   string
	inputs []gradInput
	build  func(v []*Var) *Var
	ref    func(x []nd) nd
}

func in(kind inputKind, shape ...int) gradInput { return gradInput{shape: shape, kind: kind} }

func constIn(kind inputKind, shape ...int) gradInput {
	return gradInput{shape: shape, kind: kind, constant: true}
}

func sample(rng *rand.Rand, kind inputKind) float32 {
	switch kind {
	case positive:
		return float32(0.5 + 1.5*rng.Float64())
	case probability:
		return float32(rng.Float64())
	}
	v := float32(0.1 + 1.9*rng.Float64())
	if rng.IntN(2) == 0 {
		v = -v
	}
	return v
}

// checkGradCase compares the op's forward value with the float64 twin and
// its vector-Jacobian product wᵀ·∂y/∂x (for random upstream weights w) with
// central differences of wᵀ·ref(x).
func checkGradCase(t *testing.T, c gradCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(len(c.name))))
	vars := make([]*Var, len(c.inputs))
	twins := make([]nd, len(c.inputs))
	for i, spec := range c.inputs {
		n := ndSize(spec.shape)
		data := make([]float32, n)
		tw := ndZeros(spec.shape...)
		for j := range data {
			data[j] = sample(rng, spec.kind)
			tw.data[j] = float64(data[j])
		}
		tt := tensor.MustFromSlice(data, spec.shape...)
		if spec.constant {
			vars[i] = Const(tt)
		} else {
			vars[i] = Param(tt)
		}
		twins[i] = tw
	}

	y := c.build(vars)
	want := c.ref(twins)
	if !sameShape(y.Shape(), want.shape) {
		t.Fatalf("%s: output shape got %v, want %v", c.name, y.Shape(), want.shape)
	}
	for j, got := range y.Data() {
		if d := math.Abs(float64(got) - want.data[j]); d > fwdTol*(1+math.Abs(want.data[j])) {
			t.Errorf("%s: value[%d] got %.7g, want %.7g", c.name, j, got, want.data[j])
		}
	}

	w := make([]float32, y.Value.Size())
	w64 := make([]float64, len(w))
	for j := range w {
		w[j] = float32(rng.Float64()*2 - 1)
		w64[j] = float64(w[j])
	}
	y.BackwardWith(tensor.MustFromSlice(w, y.Shape()...))
	objective := func() float64 {
		r := c.ref(twins)
		var s float64
		for j, v := range r.data {
			s += w64[j] * v
		}
		return s
	}

	for i, spec := range c.inputs {
		if spec.constant {
			if vars[i].Grad != nil {
				t.Errorf("%s: constant input %d received a gradient", c.name, i)
			}
			continue
		}
		if vars[i].Grad == nil {
			t.Errorf("%s: input %d received no gradient", c.name, i)
			continue
		}
		got := vars[i].Grad.Data()
		for j := range twins[i].data {
			orig := twins[i].data[j]
			twins[i].data[j] = orig + fdStep
			fp := objective()
			twins[i].data[j] = orig - fdStep
			fm := objective()
			twins[i].data[j] = orig
			ref := (fp - fm) / (2 * fdStep)
			if d := math.Abs(float64(got[j]) - ref); d > gradTol*(1+math.Abs(ref)) {
				t.Errorf("%s: d/dinput%d[%d] got %.7g, want %.7g", c.name, i, j, got[j], ref)
			}
		}
	}
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func TestGradElementwise(t *testing.T) {
	add := func(x, y float64) float64 { return x + y }
	cases := []gradCase{
		{name: "add same shape", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return Add(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], add) }},
		{name: "add row broadcast", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 4)},
			build: func(v []*Var) *Var { return Add(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], add) }},
		{name: "sub column broadcast", inputs: []gradInput{in(anyValue, 3, 1), in(anyValue, 2, 3, 4)},
			build: func(v []*Var) *Var { return Sub(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], func(a, b float64) float64 { return a - b }) }},
		{name: "mul both broadcast", inputs: []gradInput{in(anyValue, 2, 1, 4), in(anyValue, 3, 1)},
			build: func(v []*Var) *Var { return Mul(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], func(a, b float64) float64 { return a * b }) }},
		{name: "mul same input twice", inputs: []gradInput{in(anyValue, 5)},
			build: func(v []*Var) *Var { return Mul(v[0], v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return a * a }) }},
		{name: "div scalar denominator", inputs: []gradInput{in(anyValue, 2, 3), in(positive)},
			build: func(v []*Var) *Var { return Div(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], func(a, b float64) float64 { return a / b }) }},
		{name: "div same shape", inputs: []gradInput{in(anyValue, 6), in(positive, 6)},
			build: func(v []*Var) *Var { return Div(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], func(a, b float64) float64 { return a / b }) }},
		{name: "neg", inputs: []gradInput{in(anyValue, 4)},
			build: func(v []*Var) *Var { return Neg(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return -a }) }},
		{name: "add scalar", inputs: []gradInput{in(anyValue, 4)},
			build: func(v []*Var) *Var { return AddScalar(v[0], 1.5) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return a + 1.5 }) }},
		{name: "mul scalar", inputs: []gradInput{in(anyValue, 4)},
			build: func(v []*Var) *Var { return MulScalar(v[0], -2.5) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return -2.5 * a }) }},
		{name: "rsub scalar", inputs: []gradInput{in(anyValue, 4)},
			build: func(v []*Var) *Var { return RSubScalar(v[0], 3) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return 3 - a }) }},
		{name: "rdiv scalar", inputs: []gradInput{in(positive, 4)},
			build: func(v []*Var) *Var { return RDivScalar(v[0], 2) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return 2 / a }) }},
		{name: "pow 2.5", inputs: []gradInput{in(positive, 5)},
			build: func(v []*Var) *Var { return Pow(v[0], 2.5) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return math.Pow(a, 2.5) }) }},
		{name: "pow -1", inputs: []gradInput{in(positive, 5)},
			build: func(v []*Var) *Var { return Pow(v[0], -1) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return 1 / a }) }},
		{name: "exp", inputs: []gradInput{in(anyValue, 5)},
			build: func(v []*Var) *Var { return Exp(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(math.Exp) }},
		{name: "log", inputs: []gradInput{in(positive, 5)},
			build: func(v []*Var) *Var { return Log(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(math.Log) }},
		{name: "sqrt", inputs: []gradInput{in(positive, 5)},
			build: func(v []*Var) *Var { return Sqrt(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(math.Sqrt) }},
		{name: "abs", inputs: []gradInput{in(anyValue, 6)},
			build: func(v []*Var) *Var { return Abs(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(math.Abs) }},
		{name: "tanh", inputs: []gradInput{in(anyValue, 6)},
			build: func(v []*Var) *Var { return Tanh(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(math.Tanh) }},
		{name: "sigmoid", inputs: []gradInput{in(anyValue, 6)},
			build: func(v []*Var) *Var { return Sigmoid(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(sigmoid64) }},
		{name: "softplus", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return Softplus(MulScalar(v[0], 20)) },
			ref: func(x []nd) nd {
				return x[0].mapf(func(a float64) float64 { return math.Log1p(math.Exp(20 * a)) })
			}},
		{name: "relu", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return ReLU(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return math.Max(a, 0) }) }},
		{name: "leaky relu", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return LeakyReLU(v[0], 0.2) },
			ref: func(x []nd) nd {
				return x[0].mapf(func(a float64) float64 {
					if a > 0 {
						return a
					}
					return 0.2 * a
				})
			}},
		{name: "elu", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return ELU(v[0], 1.3) },
			ref: func(x []nd) nd {
				return x[0].mapf(func(a float64) float64 {
					if a > 0 {
						return a
					}
					return 1.3 * math.Expm1(a)
				})
			}},
		{name: "silu", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return SiLU(v[0]) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return a * sigmoid64(a) }) }},
		{name: "gelu", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return GELU(v[0]) },
			ref: func(x []nd) nd {
				return x[0].mapf(func(a float64) float64 { return 0.5 * a * (1 + math.Erf(a/math.Sqrt2)) })
			}},
		{name: "prelu per channel", inputs: []gradInput{in(anyValue, 4, 3), in(positive, 3)},
			build: func(v []*Var) *Var { return PReLU(v[0], v[1]) },
			ref: func(x []nd) nd {
				return bcast(x[0], x[1], func(a, s float64) float64 {
					if a > 0 {
						return a
					}
					return s * a
				})
			}},
		{name: "prelu shared slope", inputs: []gradInput{in(anyValue, 4, 3), in(positive, 1)},
			build: func(v []*Var) *Var { return PReLU(v[0], v[1]) },
			ref: func(x []nd) nd {
				return bcast(x[0], x[1], func(a, s float64) float64 {
					if a > 0 {
						return a
					}
					return s * a
				})
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradReductions(t *testing.T) {
	cases := []gradCase{
		{name: "sum all", inputs: []gradInput{in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return SumAll(v[0]) },
			ref:   func(x []nd) nd { return x[0].sumAll() }},
		{name: "sum axis 1 keepdims", inputs: []gradInput{in(anyValue, 2, 3, 4)},
			build: func(v []*Var) *Var { return Sum(v[0], []int{1}, true) },
			ref:   func(x []nd) nd { return x[0].sumAxis(1) }},
		{name: "sum axes 0 and -1", inputs: []gradInput{in(anyValue, 2, 3, 4)},
			build: func(v []*Var) *Var { return Sum(v[0], []int{0, -1}, false) },
			ref:   func(x []nd) nd { return x[0].sumAxis(0).sumAxis(2).reshape(3) }},
		{name: "mean axis 0", inputs: []gradInput{in(anyValue, 5, 3)},
			build: func(v []*Var) *Var { return Mean(v[0], []int{0}, false) },
			ref: func(x []nd) nd {
				return x[0].sumAxis(0).reshape(3).mapf(func(a float64) float64 { return a / 5 })
			}},
		{name: "mean all", inputs: []gradInput{in(anyValue, 5, 3)},
			build: func(v []*Var) *Var { return MeanAll(v[0]) },
			ref:   func(x []nd) nd { return x[0].sumAll().mapf(func(a float64) float64 { return a / 15 }) }},
		{name: "max axis 1", inputs: []gradInput{in(anyValue, 4, 5)},
			build: func(v []*Var) *Var { return Max(v[0], []int{1}, false) },
			ref:   func(x []nd) nd { return x[0].maxAxis(1).reshape(4) }},
		{name: "max axis 0 keepdims", inputs: []gradInput{in(anyValue, 4, 5)},
			build: func(v []*Var) *Var { return Max(v[0], []int{0}, true) },
			ref:   func(x []nd) nd { return x[0].maxAxis(0) }},
		{name: "softmax last axis", inputs: []gradInput{in(anyValue, 3, 5)},
			build: func(v []*Var) *Var { return Softmax(v[0], -1) },
			ref:   func(x []nd) nd { return x[0].softmax(1) }},
		{name: "softmax middle axis", inputs: []gradInput{in(anyValue, 2, 4, 3)},
			build: func(v []*Var) *Var { return Softmax(v[0], 1) },
			ref:   func(x []nd) nd { return x[0].softmax(1) }},
		{name: "log softmax", inputs: []gradInput{in(anyValue, 3, 5)},
			build: func(v []*Var) *Var { return LogSoftmax(v[0], 1) },
			ref:   func(x []nd) nd { return x[0].logSoftmax(1) }},
		{name: "log softmax axis 0", inputs: []gradInput{in(anyValue, 4, 3)},
			build: func(v []*Var) *Var { return LogSoftmax(v[0], 0) },
			ref:   func(x []nd) nd { return x[0].logSoftmax(0) }},
		{name: "logsumexp", inputs: []gradInput{in(anyValue, 3, 5)},
			build: func(v []*Var) *Var { return LogSumExp(v[0], -1, false) },
			ref: func(x []nd) nd {
				return x[0].lines(1, func(l []float64) []float64 { return []float64{lseLine(l)} }).reshape(3)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradMatMul(t *testing.T) {
	cases := []gradCase{
		{name: "2-D", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 4, 5)},
			build: func(v []*Var) *Var { return MatMul(v[0], v[1]) },
			ref:   func(x []nd) nd { return matmulND(x[0], x[1]) }},
		{name: "batched both", inputs: []gradInput{in(anyValue, 2, 3, 4), in(anyValue, 2, 4, 2)},
			build: func(v []*Var) *Var { return MatMul(v[0], v[1]) },
			ref:   func(x []nd) nd { return matmulND(x[0], x[1]) }},
		{name: "batched times shared matrix", inputs: []gradInput{in(anyValue, 2, 3, 4), in(anyValue, 4, 2)},
			build: func(v []*Var) *Var { return MatMul(v[0], v[1]) },
			ref:   func(x []nd) nd { return matmulND(x[0], x[1]) }},
		{name: "shared matrix times batched", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 2, 4, 2)},
			build: func(v []*Var) *Var { return MatMul(v[0], v[1]) },
			ref:   func(x []nd) nd { return matmulND(x[0], x[1]) }},
		{name: "constant left operand", inputs: []gradInput{constIn(anyValue, 3, 4), in(anyValue, 4, 2)},
			build: func(v []*Var) *Var { return MatMul(v[0], v[1]) },
			ref:   func(x []nd) nd { return matmulND(x[0], x[1]) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradShapeOps(t *testing.T) {
	cases := []gradCase{
		{name: "reshape", inputs: []gradInput{in(anyValue, 2, 6)},
			build: func(v []*Var) *Var { return Mul(Reshape(v[0], 3, -1), Reshape(v[0], 3, 4)) },
			ref:   func(x []nd) nd { return x[0].mapf(func(a float64) float64 { return a * a }).reshape(3, 4) }},
		{name: "transpose", inputs: []gradInput{in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return T(v[0]) },
			ref:   func(x []nd) nd { return x[0].permute(1, 0) }},
		{name: "permute 3-D", inputs: []gradInput{in(anyValue, 2, 3, 4)},
			build: func(v []*Var) *Var { return Permute(v[0], 2, 0, 1) },
			ref:   func(x []nd) nd { return x[0].permute(2, 0, 1) }},
		{name: "concat axis 1", inputs: []gradInput{in(anyValue, 2, 3), in(anyValue, 2, 1), in(anyValue, 2, 2)},
			build: func(v []*Var) *Var { return Concat(v, 1) },
			ref: func(x []nd) nd {
				out := ndZeros(2, 6)
				for r := 0; r < 2; r++ {
					row := append(append(slices.Clone(x[0].data[r*3:r*3+3]), x[1].data[r]), x[2].data[r*2:r*2+2]...)
					copy(out.data[r*6:], row)
				}
				return out
			}},
		{name: "split and recombine", inputs: []gradInput{in(anyValue, 5, 2)},
			build: func(v []*Var) *Var {
				parts := Split(v[0], 0, []int{2, 3})
				return Mul(SumAll(parts[0]), SumAll(Exp(parts[1])))
			},
			ref: func(x []nd) nd {
				var a, b float64
				for i, v := range x[0].data {
					if i < 4 {
						a += v
					} else {
						b += math.Exp(v)
					}
				}
				return nd{data: []float64{a * b}}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradIndexOps(t *testing.T) {
	idx := []int{2, 0, 2, 1}
	gidx := []int{1, 0, 2, 2, 0, 1} // shape (3, 2) into a (3, 3) input along axis 1
	sidx := []int{0, 2, 1, 0, 2, 2} // shape (2, 3) into a (3, 3) input along axis 0
	cases := []gradCase{
		{name: "index select axis 0 with repeats", inputs: []gradInput{in(anyValue, 3, 2)},
			build: func(v []*Var) *Var { return IndexSelect(v[0], 0, idx) },
			ref: func(x []nd) nd {
				out := ndZeros(4, 2)
				for j, i := range idx {
					copy(out.data[j*2:], x[0].data[i*2:i*2+2])
				}
				return out
			}},
		{name: "index select axis 1", inputs: []gradInput{in(anyValue, 2, 3)},
			build: func(v []*Var) *Var { return IndexSelect(v[0], 1, idx) },
			ref: func(x []nd) nd {
				out := ndZeros(2, 4)
				for r := 0; r < 2; r++ {
					for j, i := range idx {
						out.data[r*4+j] = x[0].data[r*3+i]
					}
				}
				return out
			}},
		{name: "index add", inputs: []gradInput{in(anyValue, 3, 2), in(anyValue, 4, 2)},
			build: func(v []*Var) *Var { return IndexAdd(v[0], 0, idx, v[1]) },
			ref: func(x []nd) nd {
				out := ndZeros(3, 2)
				copy(out.data, x[0].data)
				for j, i := range idx {
					for c := 0; c < 2; c++ {
						out.data[i*2+c] += x[1].data[j*2+c]
					}
				}
				return out
			}},
		{name: "gather axis 1", inputs: []gradInput{in(anyValue, 3, 3)},
			build: func(v []*Var) *Var { return Gather(v[0], 1, gidx, []int{3, 2}) },
			ref: func(x []nd) nd {
				out := ndZeros(3, 2)
				for r := 0; r < 3; r++ {
					for j := 0; j < 2; j++ {
						out.data[r*2+j] = x[0].data[r*3+gidx[r*2+j]]
					}
				}
				return out
			}},
		{name: "scatter add axis 0", inputs: []gradInput{in(anyValue, 3, 3), in(anyValue, 2, 3)},
			build: func(v []*Var) *Var { return ScatterAdd(v[0], 0, sidx, v[1]) },
			ref: func(x []nd) nd {
				out := ndZeros(3, 3)
				copy(out.data, x[0].data)
				for j := 0; j < 2; j++ {
					for c := 0; c < 3; c++ {
						out.data[sidx[j*3+c]*3+c] += x[1].data[j*3+c]
					}
				}
				return out
			}},
		{name: "embedding", inputs: []gradInput{in(anyValue, 4, 3)},
			build: func(v []*Var) *Var { return Embedding(v[0], []int{3, 1, 1, 0}, []int{2, 2}) },
			ref: func(x []nd) nd {
				out := ndZeros(2, 2, 3)
				for j, i := range []int{3, 1, 1, 0} {
					copy(out.data[j*3:], x[0].data[i*3:i*3+3])
				}
				return out
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradNormsAndLosses(t *testing.T) {
	layerNorm := func(x, g, b nd, eps float64) nd {
		out := x.rowsLast(func(l []float64) []float64 {
			var m, v float64
			for _, a := range l {
				m += a
			}
			m /= float64(len(l))
			for _, a := range l {
				v += (a - m) * (a - m)
			}
			v /= float64(len(l))
			r := make([]float64, len(l))
			for k, a := range l {
				r[k] = (a - m) / math.Sqrt(v+eps)
			}
			return r
		})
		out = bcast(out, g, func(a, b float64) float64 { return a * b })
		return bcast(out, b, func(a, b float64) float64 { return a + b })
	}
	rms := func(x, g nd, eps float64) nd {
		out := x.rowsLast(func(l []float64) []float64 {
			var s float64
			for _, a := range l {
				s += a * a
			}
			r := make([]float64, len(l))
			for k, a := range l {
				r[k] = a / math.Sqrt(s/float64(len(l))+eps)
			}
			return r
		})
		return bcast(out, g, func(a, b float64) float64 { return a * b })
	}
	normalize := func(x nd) nd {
		return x.rowsLast(func(l []float64) []float64 {
			var s float64
			for _, a := range l {
				s += a * a
			}
			r := make([]float64, len(l))
			for k, a := range l {
				r[k] = a / math.Max(math.Sqrt(s), 1e-8)
			}
			return r
		})
	}
	targets := []int{2, 0, 3}
	cases := []gradCase{
		{name: "layer norm", inputs: []gradInput{in(anyValue, 3, 5), in(anyValue, 5), in(anyValue, 5)},
			build: func(v []*Var) *Var { return LayerNorm(v[0], v[1], v[2], 1e-5) },
			ref:   func(x []nd) nd { return layerNorm(x[0], x[1], x[2], 1e-5) }},
		{name: "batch norm", inputs: []gradInput{in(anyValue, 5, 3), in(anyValue, 3), in(anyValue, 3)},
			build: func(v []*Var) *Var {
				y, _, _ := BatchNorm(v[0], v[1], v[2], 1e-5)
				return y
			},
			ref: func(x []nd) nd {
				cols := layerNorm(x[0].permute(1, 0), ndOnes(5), ndZeros(5), 1e-5).permute(1, 0)
				cols = bcast(cols, x[1], func(a, b float64) float64 { return a * b })
				return bcast(cols, x[2], func(a, b float64) float64 { return a + b })
			}},
		{name: "rms norm", inputs: []gradInput{in(anyValue, 2, 2, 4), in(anyValue, 4)},
			build: func(v []*Var) *Var { return RMSNorm(v[0], v[1], 1e-6) },
			ref:   func(x []nd) nd { return rms(x[0], x[1], 1e-6) }},
		{name: "normalize", inputs: []gradInput{in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return Normalize(v[0], 1e-8) },
			ref:   func(x []nd) nd { return normalize(x[0]) }},
		{name: "cosine similarity", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return CosineSimilarity(v[0], v[1], 1e-8) },
			ref: func(x []nd) nd {
				return bcast(normalize(x[0]), normalize(x[1]), func(a, b float64) float64 { return a * b }).sumAxis(1).reshape(3)
			}},
		{name: "cross entropy", inputs: []gradInput{in(anyValue, 3, 4)},
			build: func(v []*Var) *Var { return CrossEntropy(v[0], targets) },
			ref: func(x []nd) nd {
				ls := x[0].logSoftmax(1)
				var s float64
				for r, c := range targets {
					s -= ls.data[r*4+c]
				}
				return nd{data: []float64{s / 3}}
			}},
		{name: "bce with logits", inputs: []gradInput{in(anyValue, 2, 3), constIn(probability, 2, 3)},
			build: func(v []*Var) *Var { return BCEWithLogits(v[0], v[1].Value) },
			ref: func(x []nd) nd {
				var s float64
				for i, z := range x[0].data {
					p := sigmoid64(z)
					y := x[1].data[i]
					s -= y*math.Log(p) + (1-y)*math.Log(1-p)
				}
				return nd{data: []float64{s / 6}}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestGradSelections(t *testing.T) {
	cond := tensor.MustFromSlice([]float32{1, 0, 0, 1}, 4)
	condTwin := []float64{1, 0, 0, 1}
	cases := []gradCase{
		{name: "where with broadcast branch", inputs: []gradInput{in(anyValue, 3, 4), in(anyValue, 4)},
			build: func(v []*Var) *Var { return Where(cond, v[0], v[1]) },
			ref: func(x []nd) nd {
				out := ndZeros(3, 4)
				for r := 0; r < 3; r++ {
					for c := 0; c < 4; c++ {
						if condTwin[c] != 0 {
							out.data[r*4+c] = x[0].data[r*4+c]
						} else {
							out.data[r*4+c] = x[1].data[c]
						}
					}
				}
				return out
			}},
		{name: "masked fill", inputs: []gradInput{in(anyValue, 2, 4)},
			build: func(v []*Var) *Var { return MaskedFill(v[0], cond, -3) },
			ref: func(x []nd) nd {
				return bcast(x[0], nd{shape: []int{4}, data: condTwin}, func(a, c float64) float64 {
					if c != 0 {
						return -3
					}
					return a
				})
			}},
		{name: "maximum", inputs: []gradInput{in(anyValue, 2, 3), in(anyValue, 3)},
			build: func(v []*Var) *Var { return Maximum(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], math.Max) }},
		{name: "minimum", inputs: []gradInput{in(anyValue, 6), in(anyValue, 6)},
			build: func(v []*Var) *Var { return Minimum(v[0], v[1]) },
			ref:   func(x []nd) nd { return bcast(x[0], x[1], math.Min) }},
		{name: "clip", inputs: []gradInput{in(anyValue, 8)},
			build: func(v []*Var) *Var { return Clip(v[0], -0.5, 1) },
			ref: func(x []nd) nd {
				return x[0].mapf(func(a float64) float64 { return math.Min(math.Max(a, -0.5), 1) })
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkGradCase(t, c) })
	}
}

func TestWhereKeepsInfOutOfGradient(t *testing.T) {
	a := Param(tensor.MustFromSlice([]float32{1, 2}, 2))
	inf := Const(tensor.MustFromSlice([]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, 2))
	y := SumAll(Exp(Where(tensor.MustFromSlice([]float32{1, 0}, 2), a, inf)))
	y.Backward()
	if got, want := a.Grad.Data(), []float32{float32(math.E), 0}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("gradient got %v, want %v", got, want)
	}
}

func TestMaximumTiesSplitGradient(t *testing.T) {
	a := Param(tensor.MustFromSlice([]float32{2}, 1))
	b := Param(tensor.MustFromSlice([]float32{2}, 1))
	SumAll(Maximum(a, b)).Backward()
	if a.Grad.Data()[0] != 0.5 || b.Grad.Data()[0] != 0.5 {
		t.Errorf("tie gradients got %g and %g, want 0.5 and 0.5", a.Grad.Data()[0], b.Grad.Data()[0])
	}
}

func TestGradSpMM(t *testing.T) {
	// A 3 × 4 matrix with an empty row and a repeated column.
	a := &CSR{Rows: 3, Cols: 4, Indptr: []int{0, 2, 2, 5}, Indices: []int32{1, 3, 0, 1, 3}, Values: []float32{0.5, -1, 2, 1.5, 0.25}}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	dense := [][]float64{{0, 0.5, 0, -1}, {0, 0, 0, 0}, {2, 1.5, 0, 0.25}}
	c := gradCase{name: "spmm", inputs: []gradInput{in(anyValue, 4, 3)},
		build: func(v []*Var) *Var { return SpMM(a, v[0]) },
		ref: func(x []nd) nd {
			out := ndZeros(3, 3)
			for i := range dense {
				for j, av := range dense[i] {
					for c := 0; c < 3; c++ {
						out.data[i*3+c] += av * x[0].data[j*3+c]
					}
				}
			}
			return out
		}}
	checkGradCase(t, c)
}
