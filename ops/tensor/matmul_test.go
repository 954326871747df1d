package tensor

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMatmul(t *testing.T) {
	cases := []struct {
		a, b, out []int
	}{
		{[]int{2, 3}, []int{3, 4}, []int{2, 4}},
		{[]int{1, 1}, []int{1, 1}, []int{1, 1}},
		{[]int{17, 1}, []int{1, 13}, []int{17, 13}},
		{[]int{1, 9}, []int{9, 1}, []int{1, 1}},
		{[]int{3}, []int{3}, []int{}},
		{[]int{3}, []int{3, 5}, []int{5}},
		{[]int{4, 3}, []int{3}, []int{4}},
		{[]int{2, 4, 3}, []int{3, 5}, []int{2, 4, 5}},
		{[]int{2, 1, 4, 3}, []int{3, 3, 2}, []int{2, 3, 4, 2}},
		{[]int{5}, []int{2, 5, 3}, []int{2, 3}},
		{[]int{65, 33}, []int{33, 70}, []int{65, 70}},
		{[]int{3, 0}, []int{0, 4}, []int{3, 4}},
		{[]int{0, 3}, []int{3, 4}, []int{0, 4}},
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range cases {
		for _, ka := range []string{"contiguous", "transposed", "strided"} {
			for _, kb := range []string{"contiguous", "transposed", "strided"} {
				a := layout(randTensor(r, -1, 1, c.a...), ka)
				b := layout(randTensor(r, -1, 1, c.b...), kb)
				got, err := Matmul(a, b)
				if err != nil {
					t.Errorf("matmul %v %v: %v", c.a, c.b, err)
					continue
				}
				name := "matmul " + ShapeString(c.a) + " " + ka + " × " + ShapeString(c.b) + " " + kb
				checkAgainst(t, name, got, c.out, 1e-5, func(idx []int) float64 {
					return refMatmulAt(t, a, b, idx)
				})
			}
		}
	}
}

// refMatmulAt computes one element of matmul(a, b) in float64 by NumPy's
// rules, from the index of the result.
func refMatmulAt(t *testing.T, a, b *Tensor, idx []int) float64 {
	if a.Ndim() == 1 {
		a, _ = a.Reshape(1, a.Dim(0))
		at := len(idx)
		if b.Ndim() > 1 {
			at-- // the last index is the column of b
		}
		idx = append(append(append([]int(nil), idx[:at]...), 0), idx[at:]...)
	}
	if b.Ndim() == 1 {
		b, _ = b.Reshape(b.Dim(0), 1)
		idx = append(append([]int(nil), idx...), 0)
	}
	nd := len(idx)
	i, j := idx[nd-2], idx[nd-1]
	batch := idx[:nd-2]
	k := a.Dim(-1)
	s := 0.0
	for p := range k {
		ai := append(append(bidx(batch, a.shape[:a.Ndim()-2]), i), p)
		bi := append(append(bidx(batch, b.shape[:b.Ndim()-2]), p), j)
		s += at64(t, a, ai) * at64(t, b, bi)
	}
	return s
}

func TestMatmulErrors(t *testing.T) {
	cases := []struct {
		a, b []int
		want string
	}{
		{[]int{2, 3}, []int{4, 5}, "tensor: matmul: shapes (2, 3) and (4, 5) are not aligned: 3 (dim 1) != 4 (dim 0)"},
		{[]int{3}, []int{4}, "tensor: matmul: shapes (3,) and (4,) are not aligned: 3 (dim 0) != 4 (dim 0)"},
		{[]int{2, 2, 3}, []int{3, 3, 1}, "batch dimensions"},
		{[]int{}, []int{3}, "scalar operand"},
	}
	for _, c := range cases {
		_, err := Matmul(New(c.a...), New(c.b...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("matmul %v %v: got error %v, want one containing %q", c.a, c.b, err, c.want)
		}
	}
}

func TestMatmulCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := MatmulContext(ctx, New(4, 8, 8), New(8, 8))
	if err != context.Canceled {
		t.Errorf("matmul with a cancelled context: got %v, want context.Canceled", err)
	}
}
