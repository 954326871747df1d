package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestContiguousOfPermutedViews(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	x := randTensor(r, -1, 1, 3, 40, 70, 2)
	perms := [][]int{{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 1, 3, 2}, {3, 2, 1, 0}, {1, 0, 3, 2}, {2, 0, 3, 1}}
	for _, p := range perms {
		v, err := x.Permute(p...)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := v.Slice(1, 1, v.Dim(1), 2)
		for _, view := range []*Tensor{v, s} {
			c := view.Contiguous()
			if !c.IsContiguous() {
				t.Errorf("permute %v: Contiguous() is not contiguous", p)
			}
			checkAgainst(t, fmt.Sprintf("contiguous of permute %v shape %v", p, view.Shape()), c, view.Shape(), 0,
				func(idx []int) float64 { return at64(t, view, idx) })
		}
	}
}
