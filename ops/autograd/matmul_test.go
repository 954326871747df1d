package autograd

import (
	"fmt"
	"slices"
	"testing"

	"pare/ops/tensor"
)

// TestMatMulEmptyOperands checks products where m, k or n is 0. The loss
// adds Sum(a) and Sum(b), so every gradient element is 1 plus the matmul's
// share. An empty product contributes nothing, so the gradients stay all
// ones, and a matmul backward that overwrote them would show as zeros.
func TestMatMulEmptyOperands(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want []int
	}{
		{"m is 0", []int{0, 3}, []int{3, 4}, []int{0, 4}},
		{"k is 0", []int{2, 0}, []int{0, 4}, []int{2, 4}},
		{"n is 0", []int{2, 3}, []int{3, 0}, []int{2, 0}},
		{"all 0", []int{0, 0}, []int{0, 0}, []int{0, 0}},
		{"batched k is 0", []int{2, 3, 0}, []int{2, 0, 4}, []int{2, 3, 4}},
		{"batched n is 0", []int{2, 3, 5}, []int{2, 5, 0}, []int{2, 3, 0}},
		{"shared b, k is 0", []int{2, 3, 0}, []int{0, 4}, []int{2, 3, 4}},
		{"shared b, n is 0", []int{2, 3, 5}, []int{5, 0}, []int{2, 3, 0}},
		{"shared a, k is 0", []int{3, 0}, []int{2, 0, 4}, []int{2, 3, 4}},
		{"empty batch", []int{0, 3, 5}, []int{0, 5, 4}, []int{0, 3, 4}},
	}
	for _, c := range cases {
		a := Param(onesTensor(c.a))
		b := Param(onesTensor(c.b))
		var out *Var
		err := catchAny(func() {
			out = MatMul(a, b)
			Add(Add(SumAll(out), SumAll(a)), SumAll(b)).Backward()
		})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(out.Shape(), c.want) {
			t.Errorf("%s: output shape got %v, want %v", c.name, out.Shape(), c.want)
		}
		for i, v := range out.Data() {
			// The inner size is 0 or the output is empty, so every
			// element present is an empty sum.
			if v != 0 {
				t.Errorf("%s: output[%d] got %g, want 0", c.name, i, v)
				break
			}
		}
		checkAllOnes(t, c.name+": grad of a", a, c.a)
		checkAllOnes(t, c.name+": grad of b", b, c.b)
	}
}

func onesTensor(shape []int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data() {
		x.Data()[i] = 1
	}
	return x
}

func checkAllOnes(t *testing.T, label string, v *Var, shape []int) {
	t.Helper()
	if v.Grad == nil {
		t.Errorf("%s: got no gradient, want ones of shape %v", label, shape)
		return
	}
	if !slices.Equal(v.Grad.Shape(), shape) {
		t.Errorf("%s: shape got %v, want %v", label, v.Grad.Shape(), shape)
	}
	for i, g := range v.Grad.Data() {
		if g != 1 {
			t.Errorf("%s: element %d got %g, want 1", label, i, g)
			return
		}
	}
}

// catchAny runs fn and returns any panic as an error, so that one case's
// kernel panic fails that case instead of the whole test binary.
func catchAny(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fn()
	return nil
}
