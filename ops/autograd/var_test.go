package autograd

import (
	"math/rand/v2"
	"strings"
	"testing"

	"pare/ops/tensor"
)

func TestBackwardSharedSubgraph(t *testing.T) {
	// y = sum(u·u + u) with u = 2x, so dy/dx = 2·(2u + 1) = 8x + 2.
	x := Param(tensor.MustFromSlice([]float32{1, -0.5, 3}, 3))
	u := MulScalar(x, 2)
	y := SumAll(Add(Mul(u, u), u))
	y.Backward()
	for i, v := range x.Grad.Data() {
		want := 8*x.Data()[i] + 2
		if v != want {
			t.Errorf("dy/dx[%d] got %g, want %g", i, v, want)
		}
	}
	if u.Grad != nil {
		t.Errorf("intermediate gradient kept after backward: %v", u.Grad.Data())
	}
}

func TestBackwardAccumulatesUntilZeroGrad(t *testing.T) {
	x := Param(tensor.MustFromSlice([]float32{1, 2}, 2))
	for i := 0; i < 2; i++ {
		SumAll(MulScalar(x, 3)).Backward()
	}
	if got := x.Grad.Data()[0]; got != 6 {
		t.Errorf("after two backward calls got %g, want 6", got)
	}
	x.ZeroGrad()
	SumAll(x).Backward()
	if got := x.Grad.Data()[1]; got != 1 {
		t.Errorf("after ZeroGrad got %g, want 1", got)
	}
}

func TestConstantsRecordNothing(t *testing.T) {
	a := Const(tensor.MustFromSlice([]float32{1, 2}, 2))
	y := Exp(Add(a, a))
	if y.RequiresGrad() || y.inputs != nil || y.backward != nil {
		t.Errorf("op on constants recorded a graph: requiresGrad=%v inputs=%d", y.RequiresGrad(), len(y.inputs))
	}
}

func TestParallelPathsMatchFormula(t *testing.T) {
	// 200×200 elements exceed parallelGrain, so the worker-pool paths run.
	n := 200 * 200
	ad, bd := make([]float32, n), make([]float32, n)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range ad {
		ad[i], bd[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	a := Param(tensor.MustFromSlice(ad, 200, 200))
	b := Param(tensor.MustFromSlice(bd, 200, 200))
	y := SumAll(Tanh(Mul(a, b)))
	y.Backward()
	for i := 0; i < n; i += 997 {
		p := ad[i] * bd[i]
		th := Tanh(Const(tensor.Scalar(p))).Data()[0]
		want := (1 - th*th) * bd[i]
		if got := a.Grad.Data()[i]; got != want {
			t.Errorf("d/da[%d] got %g, want %g", i, got, want)
		}
	}
}

func TestDropoutSeededAndScaled(t *testing.T) {
	data := make([]float32, 1000)
	for i := range data {
		data[i] = 1
	}
	run := func() *Var {
		x := Param(tensor.MustFromSlice(data, 1000))
		y := Dropout(x, 0.3, rand.New(rand.NewPCG(7, 7)))
		SumAll(y).Backward()
		return x
	}
	x1, x2 := run(), run()
	zeros := 0
	for i, g := range x1.Grad.Data() {
		if g != x2.Grad.Data()[i] {
			t.Fatalf("same seed, different masks at %d: %g vs %g", i, g, x2.Grad.Data()[i])
		}
		switch g {
		case 0:
			zeros++
		case float32(1 / 0.7):
		default:
			t.Fatalf("gradient[%d] got %g, want 0 or 1/0.7", i, g)
		}
	}
	// 300 expected zeros; a binomial(1000, 0.3) lies within ±5σ (σ ≈ 14.5).
	if zeros < 228 || zeros > 372 {
		t.Errorf("dropped %d of 1000, want about 300", zeros)
	}
}

func TestShapeErrors(t *testing.T) {
	m := func(shape ...int) *Var { return Param(tensor.New(shape...)) }
	cases := []struct {
		name string
		fn   func()
		want string
	}{
		{"add mismatch", func() { Add(m(2, 3), m(4)) }, "do not broadcast"},
		{"matmul inner", func() { MatMul(m(2, 3), m(4, 2)) }, "inner dimensions differ"},
		{"matmul batch", func() { MatMul(m(2, 2, 3), m(3, 3, 2)) }, "batch axes differ"},
		{"index range", func() { IndexSelect(m(3, 2), 0, []int{3}) }, "out of range"},
		{"axis range", func() { Sum(m(3, 2), []int{2}, false) }, "axis 2 is out of range"},
		{"split sizes", func() { Split(m(5), 0, []int{2, 2}) }, "sum to 4"},
		{"backward non-scalar", func() { m(2).Backward() }, "single element"},
		{"cross entropy target", func() { CrossEntropy(m(2, 3), []int{0, 3}) }, "out of range"},
		{"spmm shape", func() {
			SpMM(&CSR{Rows: 1, Cols: 2, Indptr: []int{0, 0}}, m(3, 1))
		}, "want (2, width)"},
	}
	for _, c := range cases {
		err := Catch(c.fn)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestCSRValidate(t *testing.T) {
	cases := []struct {
		name string
		a    *CSR
		want string
	}{
		{"short indptr", &CSR{Rows: 2, Cols: 2, Indptr: []int{0, 0}}, "indptr has 2 entries"},
		{"column out of range", &CSR{Rows: 1, Cols: 2, Indptr: []int{0, 1}, Indices: []int32{2}}, "outside [0, 2)"},
		{"values count", &CSR{Rows: 1, Cols: 2, Indptr: []int{0, 1}, Indices: []int32{1}, Values: []float32{1, 2}}, "2 values for 1 indices"},
	}
	for _, c := range cases {
		err := c.a.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestBatchNormStatistics(t *testing.T) {
	x := Param(tensor.MustFromSlice([]float32{1, 10, 2, 20, 6, 30}, 3, 2))
	_, mean, unbiased := BatchNorm(x, nil, nil, 1e-5)
	// Column 0: 1, 2, 6 → mean 3, Σ(x−m)² = 14, unbiased variance 7.
	// Column 1: 10, 20, 30 → mean 20, Σ(x−m)² = 200, variance 100.
	wantMean, wantVar := []float32{3, 20}, []float32{7, 100}
	for j := range wantMean {
		if mean[j] != wantMean[j] {
			t.Errorf("mean[%d] got %g, want %g", j, mean[j], wantMean[j])
		}
		if unbiased[j] != wantVar[j] {
			t.Errorf("variance[%d] got %g, want %g", j, unbiased[j], wantVar[j])
		}
	}
}
