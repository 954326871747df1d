package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refReduce reduces x over axes (nil: all) in float64 with f applied to the
// values of each output position, in row-major order.
func refReduce(t *testing.T, x *Tensor, axes []int, keepdims bool, f func(vals []float64) float64) ([]int, func(idx []int) float64) {
	ax, err := normAxes(axes, x.Ndim())
	if err != nil {
		t.Fatal(err)
	}
	red := make([]bool, x.Ndim())
	for _, a := range ax {
		red[a] = true
	}
	var outShape, redShape []int
	for d, n := range x.shape {
		switch {
		case !red[d]:
			outShape = append(outShape, n)
		case keepdims:
			outShape = append(outShape, 1)
		}
		if red[d] {
			redShape = append(redShape, n)
		}
	}
	if outShape == nil {
		outShape = []int{}
	}
	return outShape, func(idx []int) float64 {
		var vals []float64
		forEachIndex(redShape, func(ridx []int) {
			full := make([]int, x.Ndim())
			k, o := 0, 0
			for d := range full {
				if red[d] {
					full[d] = ridx[k]
					k++
					if keepdims {
						o++
					}
				} else {
					full[d] = idx[o]
					o++
				}
			}
			vals = append(vals, at64(t, x, full))
		})
		return f(vals)
	}
}

func refSum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func refVar(v []float64, ddof int) float64 {
	m := refSum(v) / float64(len(v))
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v)-ddof)
}

func TestReductions(t *testing.T) {
	type reduceFn func(x *Tensor, axes []int, keepdims bool) (*Tensor, error)
	ops := []struct {
		name string
		f    reduceFn
		ref  func([]float64) float64
	}{
		{"sum", Sum, refSum},
		{"mean", Mean, func(v []float64) float64 { return refSum(v) / float64(len(v)) }},
		{"max", Max, func(v []float64) float64 {
			m := math.Inf(-1)
			for _, x := range v {
				m = math.Max(m, x)
			}
			return m
		}},
		{"min", Min, func(v []float64) float64 {
			m := math.Inf(1)
			for _, x := range v {
				m = math.Min(m, x)
			}
			return m
		}},
		{"var", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Var(x, a, 0, k) }, func(v []float64) float64 { return refVar(v, 0) }},
		{"var ddof=1", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Var(x, a, 1, k) }, func(v []float64) float64 { return refVar(v, 1) }},
		{"std", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Std(x, a, 1, k) }, func(v []float64) float64 { return math.Sqrt(refVar(v, 1)) }},
		{"norm 2", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Norm(x, 2, a, k) }, func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += x * x
			}
			return math.Sqrt(s)
		}},
		{"norm 1", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Norm(x, 1, a, k) }, func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += math.Abs(x)
			}
			return s
		}},
		{"norm 3", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Norm(x, 3, a, k) }, func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += math.Pow(math.Abs(x), 3)
			}
			return math.Cbrt(s)
		}},
		{"norm inf", func(x *Tensor, a []int, k bool) (*Tensor, error) { return Norm(x, math.Inf(1), a, k) }, func(v []float64) float64 {
			m := 0.0
			for _, x := range v {
				m = math.Max(m, math.Abs(x))
			}
			return m
		}},
		{"logsumexp", LogSumExp, func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += math.Exp(x)
			}
			return math.Log(s)
		}},
		{"argmax", Argmax, func(v []float64) float64 {
			best := 0
			for i, x := range v {
				if x > v[best] {
					best = i
				}
			}
			return float64(best)
		}},
	}
	cases := []struct {
		shape []int
		axes  []int
	}{
		{[]int{7}, nil},
		{[]int{7}, []int{0}},
		{[]int{4, 5}, []int{0}},
		{[]int{4, 5}, []int{1}},
		{[]int{4, 5}, []int{-1}},
		{[]int{2, 3, 4}, []int{1}},
		{[]int{2, 3, 4}, []int{0, 2}},
		{[]int{2, 3, 4}, nil},
		{[]int{2, 40000}, []int{1}},
		{[]int{140000}, nil},
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range cases {
		for _, kind := range []string{"contiguous", "transposed", "strided"} {
			x := layout(randTensor(r, -3, 3, c.shape...), kind)
			for _, keepdims := range []bool{false, true} {
				if keepdims && x.Size() > 10000 {
					continue // the float64 reference is slow; small cases cover keepdims
				}
				for _, op := range ops {
					if op.name == "argmax" && len(c.axes) > 1 {
						continue
					}
					got, err := op.f(x, c.axes, keepdims)
					if err != nil {
						t.Errorf("%s %v axes %v: %v", op.name, c.shape, c.axes, err)
						continue
					}
					shape, want := refReduce(t, x, c.axes, keepdims, op.ref)
					checkAgainst(t, op.name+" "+ShapeString(c.shape)+" "+kind, got, shape, 1e-5, want)
				}
			}
		}
	}
}

func TestReductionStability(t *testing.T) {
	// A large offset must not cancel the variance, and large inputs must
	// not overflow logsumexp or the 2-norm.
	x := MustFromSlice([]float32{1e4 + 1, 1e4 + 2, 1e4 + 3, 1e4 + 4}, 4)
	if v, _ := Var(x, nil, 0, false); !closeTo(float64(v.data[0]), 1.25, 1e-6) {
		t.Errorf("var of 1e4+[1..4]: got %v, want 1.25", v.data[0])
	}
	big := MustFromSlice([]float32{1000, 1000}, 2)
	if v, _ := LogSumExp(big, nil, false); !closeTo(float64(v.data[0]), 1000+math.Ln2, 1e-6) {
		t.Errorf("logsumexp [1000, 1000]: got %v, want %v", v.data[0], 1000+math.Ln2)
	}
	huge := MustFromSlice([]float32{3e30, 4e30}, 2)
	if v, _ := Norm(huge, 2, nil, false); !closeTo(float64(v.data[0]), 5e30, 1e-6) {
		t.Errorf("norm [3e30, 4e30]: got %v, want 5e30", v.data[0])
	}
	neg := MustFromSlice([]float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, 2)
	if v, _ := LogSumExp(neg, nil, false); !math.IsInf(float64(v.data[0]), -1) {
		t.Errorf("logsumexp of -inf: got %v, want -inf", v.data[0])
	}
	nan := MustFromSlice([]float32{1, float32(math.NaN()), 3}, 3)
	if v, _ := Max(nan, nil, false); !math.IsNaN(float64(v.data[0])) {
		t.Errorf("max with nan: got %v, want nan", v.data[0])
	}
	cols := MustFromSlice([]float32{1, float32(math.NaN()), 3, 4}, 2, 2)
	for _, c := range []struct {
		name string
		f    func(*Tensor, []int, bool) (*Tensor, error)
		want float32
	}{{"max", Max, 3}, {"min", Min, 1}} {
		v, _ := c.f(cols, []int{0}, false)
		if d := v.Data(); d[0] != c.want || !math.IsNaN(float64(d[1])) {
			t.Errorf("%s over axis 0 of [[1, nan], [3, 4]]: got %v, want [%v nan]", c.name, d, c.want)
		}
	}
	if v, _ := Argmax(nan, nil, false); v.data[0] != 1 {
		t.Errorf("argmax with nan: got %v, want 1", v.data[0])
	}
}

func TestReductionErrors(t *testing.T) {
	x := New(2, 0)
	cases := []struct {
		name string
		err  error
	}{
		{"max over empty axis", func() error { _, err := Max(x, []int{1}, false); return err }()},
		{"sum axis out of range", func() error { _, err := Sum(x, []int{2}, false); return err }()},
		{"sum repeated axis", func() error { _, err := Sum(x, []int{0, -2}, false); return err }()},
		{"argmax of two axes", func() error { _, err := Argmax(New(2, 2), []int{0, 1}, false); return err }()},
		{"softmax bad axis", func() error { _, err := Softmax(New(2, 2), 5); return err }()},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: got no error", c.name)
		}
	}
	if s, err := Sum(x, []int{1}, false); err != nil || s.data[0] != 0 || len(s.data) != 2 {
		t.Errorf("sum over empty axis: got %v, %v; want [0, 0]", s, err)
	}
}

func TestAlongAxisOps(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, shape := range [][]int{{6}, {3, 5}, {2, 3, 4}} {
		for axis := -len(shape); axis < len(shape); axis++ {
			x := layout(randTensor(r, -20, 20, shape...), "transposed")
			a := axis
			if a < 0 {
				a += len(shape)
			}
			line := func(idx []int) []float64 {
				var v []float64
				full := append([]int(nil), idx...)
				for i := range shape[a] {
					full[a] = i
					v = append(v, at64(t, x, full))
				}
				return v
			}
			sm, _ := Softmax(x, axis)
			lsm, _ := LogSoftmax(x, axis)
			cs, _ := Cumsum(x, axis)
			checkAgainst(t, "softmax", sm, shape, 1e-5, func(idx []int) float64 {
				v := line(idx)
				m := math.Inf(-1)
				for _, y := range v {
					m = math.Max(m, y)
				}
				s := 0.0
				for _, y := range v {
					s += math.Exp(y - m)
				}
				return math.Exp(v[idx[a]]-m) / s
			})
			checkAgainst(t, "log_softmax", lsm, shape, 1e-5, func(idx []int) float64 {
				v := line(idx)
				s := 0.0
				for _, y := range v {
					s += math.Exp(y)
				}
				return v[idx[a]] - math.Log(s)
			})
			checkAgainst(t, "cumsum", cs, shape, 1e-5, func(idx []int) float64 {
				return refSum(line(idx)[:idx[a]+1])
			})
		}
	}
}

func TestArgmaxLargeTensorSmallAxis(t *testing.T) {
	// 2^24 + 2^20 elements in rows of 1024: every index fits in float32.
	x := New(1<<14+1<<10, 1024)
	x.data[len(x.data)-1] = 1
	got, err := Argmax(x, []int{1}, false)
	if err != nil {
		t.Fatalf("argmax over axis 1 of shape %v: %v", x.Shape(), err)
	}
	if v := got.data[len(got.data)-1]; v != 1023 {
		t.Errorf("argmax of the last row: got %v, want 1023", v)
	}
	if _, err := Argmax(x, nil, false); err == nil {
		t.Errorf("argmax over all %d elements: got no error, want one about 2^24", x.Size())
	}
}
