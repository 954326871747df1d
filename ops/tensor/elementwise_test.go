package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBinaryBroadcast(t *testing.T) {
	cases := []struct {
		a, b, out []int
	}{
		{[]int{}, []int{}, []int{}},
		{[]int{5}, []int{5}, []int{5}},
		{[]int{5}, []int{}, []int{5}},
		{[]int{}, []int{3, 4}, []int{3, 4}},
		{[]int{3, 4}, []int{4}, []int{3, 4}},
		{[]int{3, 1}, []int{1, 4}, []int{3, 4}},
		{[]int{2, 3, 4}, []int{3, 1}, []int{2, 3, 4}},
		{[]int{2, 1, 4}, []int{1, 3, 1}, []int{2, 3, 4}},
		{[]int{0, 4}, []int{4}, []int{0, 4}},
		{[]int{40000}, []int{40000}, []int{40000}},
		{[]int{130, 257}, []int{257}, []int{130, 257}},
		{[]int{257, 130}, []int{257, 1}, []int{257, 130}},
	}
	ops := []struct {
		name string
		f    func(a, b *Tensor) (*Tensor, error)
		ref  func(x, y float64) float64
	}{
		{"add", Add, func(x, y float64) float64 { return x + y }},
		{"sub", Sub, func(x, y float64) float64 { return x - y }},
		{"mul", Mul, func(x, y float64) float64 { return x * y }},
		{"div", Div, func(x, y float64) float64 { return x / y }},
		{"pow", Pow, math.Pow},
		{"maximum", Maximum, math.Max},
		{"minimum", Minimum, math.Min},
		{"lt", Lt, func(x, y float64) float64 { return b2f(x < y) }},
		{"ge", Ge, func(x, y float64) float64 { return b2f(x >= y) }},
		{"eq", Eq, func(x, y float64) float64 { return b2f(x == y) }},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		for _, kind := range []string{"contiguous", "transposed", "strided"} {
			if kind == "transposed" && len(c.out) > 0 && c.out[0] > 100 {
				continue // the float64 reference is slow; small cases cover this layout
			}
			a := layout(randTensor(r, 0.5, 2, c.a...), kind)
			b := layout(randTensor(r, 0.5, 2, c.b...), kind)
			for _, op := range ops {
				got, err := op.f(a, b)
				if err != nil {
					t.Errorf("%s %v %v (%s): %v", op.name, c.a, c.b, kind, err)
					continue
				}
				name := op.name + " " + ShapeString(c.a) + " " + ShapeString(c.b) + " " + kind
				checkAgainst(t, name, got, c.out, 1e-6, func(idx []int) float64 {
					return float64(float32(op.ref(at64(t, a, bidx(idx, c.a)), at64(t, b, bidx(idx, c.b)))))
				})
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// bidx maps an index of the broadcast result to an index of an operand.
func bidx(idx, shape []int) []int {
	out := make([]int, len(shape))
	lead := len(idx) - len(shape)
	for d := range shape {
		if shape[d] != 1 {
			out[d] = idx[lead+d]
		}
	}
	return out
}

func TestBinaryShapeMismatch(t *testing.T) {
	cases := []struct {
		a, b []int
		want string
	}{
		{[]int{2, 3}, []int{4}, "tensor: shapes (2, 3) and (4,) cannot be broadcast together: 3 (dim 1) != 4 (dim 0)"},
		{[]int{2, 3}, []int{3, 3}, "tensor: shapes (2, 3) and (3, 3) cannot be broadcast together: 2 (dim 0) != 3 (dim 0)"},
	}
	for _, c := range cases {
		_, err := Add(New(c.a...), New(c.b...))
		if err == nil || err.Error() != c.want {
			t.Errorf("Add %v %v: got error %v, want %q", c.a, c.b, err, c.want)
		}
	}
}

func TestUnaryOps(t *testing.T) {
	gelu := func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		name string
		f    func(*Tensor) *Tensor
		ref  func(float64) float64
		lo   float64
	}{
		{"neg", Neg, func(x float64) float64 { return -x }, -5},
		{"abs", Abs, math.Abs, -5},
		{"exp", Exp, math.Exp, -5},
		{"log", Log, math.Log, 0.01},
		{"sqrt", Sqrt, math.Sqrt, 0},
		{"tanh", Tanh, math.Tanh, -5},
		{"sigmoid", Sigmoid, sig, -5},
		{"relu", Relu, func(x float64) float64 { return math.Max(x, 0) }, -5},
		{"silu", Silu, func(x float64) float64 { return x * sig(x) }, -5},
		{"gelu", func(t *Tensor) *Tensor { return Gelu(t, false) }, gelu, -5},
		{"gelu tanh", func(t *Tensor) *Tensor { return Gelu(t, true) }, func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}, -5},
		{"clip", func(t *Tensor) *Tensor { return Clip(t, -1, 2) }, func(x float64) float64 { return math.Min(math.Max(x, -1), 2) }, -5},
		{"scale", func(t *Tensor) *Tensor { return Scale(t, 3) }, func(x float64) float64 { return 3 * x }, -5},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range cases {
		for _, shape := range [][]int{{}, {7}, {3, 5}, {33000}} {
			for _, kind := range []string{"contiguous", "transposed", "strided"} {
				x := layout(randTensor(r, c.lo, 5, shape...), kind)
				got := c.f(x)
				if !got.IsContiguous() {
					t.Errorf("%s %v %s: result is not contiguous", c.name, shape, kind)
				}
				checkAgainst(t, c.name, got, shape, 1e-6, func(idx []int) float64 { return c.ref(at64(t, x, idx)) })
			}
		}
	}
}

func TestSigmoidExtremes(t *testing.T) {
	x := MustFromSlice([]float32{-1000, -100, 0, 100, 1000, float32(math.Inf(1)), float32(math.Inf(-1))}, 7)
	want := []float32{0, 3.720076e-44, 0.5, 1, 1, 1, 0}
	got := Sigmoid(x).Data()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sigmoid(%v): got %v, want %v", x.data[i], got[i], want[i])
		}
	}
}

func TestWhereAndMaskedFill(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cond := MustFromSlice([]float32{1, 0, 1}, 3)
	a := randTensor(r, 0, 1, 2, 3)
	b := randTensor(r, 0, 1, 2, 1)
	got, err := Where(cond, a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "where", got, []int{2, 3}, 0, func(idx []int) float64 {
		if idx[1] != 1 {
			return at64(t, a, idx)
		}
		return at64(t, b, []int{idx[0], 0})
	})

	filled, err := MaskedFill(a, MustFromSlice([]float32{0, 1}, 2, 1), -7)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "masked_fill", filled, []int{2, 3}, 0, func(idx []int) float64 {
		if idx[0] == 1 {
			return -7
		}
		return at64(t, a, idx)
	})
	if _, err := MaskedFill(a, New(4), 0); err == nil {
		t.Errorf("masked_fill with a mask of shape (4,) on (2, 3): got no error")
	}
}

func TestBinaryInto(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	a, b := randTensor(r, -1, 1, 3, 4), randTensor(r, -1, 1, 4)
	want, _ := Mul(a, b)
	cases := []struct {
		name string
		dst  *Tensor
	}{
		{"fresh", New(3, 4)},
		{"transposed view", New(4, 3).T()},
		{"offset view", func() *Tensor { s, _ := New(5, 4).Slice(0, 2, 5, 1); return s }()},
	}
	for _, c := range cases {
		if err := MulInto(c.dst, a, b); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkAgainst(t, "MulInto "+c.name, c.dst, []int{3, 4}, 0, func(idx []int) float64 { return at64(t, want, idx) })
	}
	inPlace := a.Clone()
	if err := AddInto(inPlace, inPlace, b); err != nil {
		t.Fatal(err)
	}
	sum, _ := Add(a, b)
	checkAgainst(t, "AddInto in place", inPlace, []int{3, 4}, 0, func(idx []int) float64 { return at64(t, sum, idx) })
	if err := SubInto(New(4), a, b); err == nil {
		t.Errorf("SubInto a (4,) destination for shapes (3, 4) and (4,): got no error")
	}
}
