package tensor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func TestSortMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, shape := range [][]int{{9}, {4, 6}, {3, 4, 5}} {
		for axis := range shape {
			for _, descending := range []bool{false, true} {
				x := layout(randTensor(r, -2, 2, shape...), "transposed")
				// Repeat some values so stability matters.
				x = x.Contiguous()
				for i := 0; i < len(x.data); i += 3 {
					x.data[i] = 0.5
				}
				values, indices, err := Sort(x, axis, descending)
				if err != nil {
					t.Fatal(err)
				}
				checkAgainst(t, "sort indices", indices, shape, 0, func(idx []int) float64 {
					line := make([]float64, shape[axis])
					full := append([]int(nil), idx...)
					for i := range line {
						full[axis] = i
						line[i] = at64(t, x, full)
					}
					order := make([]int, len(line))
					for i := range order {
						order[i] = i
					}
					sort.SliceStable(order, func(a, b int) bool {
						if descending {
							return line[order[a]] > line[order[b]]
						}
						return line[order[a]] < line[order[b]]
					})
					return float64(order[idx[axis]])
				})
				checkAgainst(t, "sort values", values, shape, 0, func(idx []int) float64 {
					full := append([]int(nil), idx...)
					full[axis] = int(at64(t, indices, idx))
					return at64(t, x, full)
				})
			}
		}
	}
}

func TestSortNaNPlacement(t *testing.T) {
	nan := float32(math.NaN())
	x := MustFromSlice([]float32{3, nan, 1, 2}, 4)
	asc, _, _ := Sort(x, 0, false)
	desc, _, _ := Sort(x, 0, true)
	if d := asc.Data(); d[0] != 1 || d[2] != 3 || d[3] == d[3] {
		t.Errorf("ascending sort with nan: got %v, want [1 2 3 nan]", d)
	}
	if d := desc.Data(); d[0] == d[0] || d[1] != 3 || d[3] != 1 {
		t.Errorf("descending sort with nan: got %v, want [nan 3 2 1]", d)
	}
}

func TestTopkAndKthvalue(t *testing.T) {
	x := MustFromSlice([]float32{5, 1, 4, 2, 3, 9, 0, 7}, 2, 4)
	v, i, err := Topk(x, 2, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Data(); !slices.Equal(got, []float32{5, 4, 9, 7}) {
		t.Errorf("topk values: got %v, want [5 4 9 7]", got)
	}
	if got := i.Data(); !slices.Equal(got, []float32{0, 2, 1, 3}) {
		t.Errorf("topk indices: got %v, want [0 2 1 3]", got)
	}
	v, _, _ = Topk(x, 1, 0, false)
	if got := v.Data(); !slices.Equal(got, []float32{3, 1, 0, 2}) {
		t.Errorf("topk smallest along axis 0: got %v, want [3 1 0 2]", got)
	}
	kv, ki, err := Kthvalue(x, 2, -1, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := kv.Data(); !slices.Equal(got, []float32{2, 3}) || !slices.Equal(kv.Shape(), []int{2}) {
		t.Errorf("kthvalue k=2: got %v shape %v, want [2 3] shape [2]", got, kv.Shape())
	}
	if got := ki.Data(); !slices.Equal(got, []float32{3, 0}) {
		t.Errorf("kthvalue k=2 indices: got %v, want [3 0]", got)
	}
	if _, _, err := Topk(x, 5, 1, true); err == nil {
		t.Errorf("topk k=5 on an axis of 4: got no error")
	}
	if _, _, err := Kthvalue(x, 0, 1, false); err == nil {
		t.Errorf("kthvalue k=0: got no error")
	}
}

func TestGatherScatterIndexSelect(t *testing.T) {
	x := MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	idx := MustFromSlice([]float32{2, 0, 1, -1}, 2, 2)
	g, err := Gather(x, 1, idx)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Data(); !slices.Equal(got, []float32{3, 1, 5, 6}) {
		t.Errorf("gather axis 1: got %v, want [3 1 5 6]", got)
	}

	src := MustFromSlice([]float32{10, 20, 30, 40}, 2, 2)
	s, err := Scatter(x, 1, idx, src, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Data(); !slices.Equal(got, []float32{20, 2, 10, 4, 30, 40}) {
		t.Errorf("scatter axis 1: got %v, want [20 2 10 4 30 40]", got)
	}
	same := MustFromSlice([]float32{0, 0, 2, 2}, 2, 2)
	sa, err := Scatter(New(2, 3), 1, same, src, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := sa.Data(); !slices.Equal(got, []float32{30, 0, 0, 0, 0, 70}) {
		t.Errorf("scatter add: got %v, want [30 0 0 0 0 70]", got)
	}

	sel, err := IndexSelect(x, 0, MustFromSlice([]float32{1, 1, 0}, 3))
	if err != nil {
		t.Fatal(err)
	}
	if got := sel.Data(); !slices.Equal(got, []float32{4, 5, 6, 4, 5, 6, 1, 2, 3}) {
		t.Errorf("index_select axis 0: got %v", got)
	}

	bad := []struct {
		name string
		err  error
	}{
		{"gather index out of range", func() error { _, err := Gather(x, 1, MustFromSlice([]float32{3}, 1, 1)); return err }()},
		{"gather fractional index", func() error { _, err := Gather(x, 1, MustFromSlice([]float32{0.5}, 1, 1)); return err }()},
		{"gather rank mismatch", func() error { _, err := Gather(x, 1, MustFromSlice([]float32{0}, 1)); return err }()},
		{"scatter src shape", func() error { _, err := Scatter(x, 1, idx, New(3), false); return err }()},
		{"index_select 2-D indices", func() error { _, err := IndexSelect(x, 0, New(1, 1)); return err }()},
		{"index_select out of range", func() error { _, err := IndexSelect(x, 0, MustFromSlice([]float32{2}, 1)); return err }()},
	}
	for _, c := range bad {
		if c.err == nil {
			t.Errorf("%s: got no error", c.name)
		}
	}
}

func TestConcatStackSplit(t *testing.T) {
	a := MustFromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := MustFromSlice([]float32{5, 6}, 1, 2)
	c, err := Concat([]*Tensor{a, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Data(); !slices.Equal(got, []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(c.Shape(), []int{3, 2}) {
		t.Errorf("concat axis 0: got %v shape %v", got, c.Shape())
	}
	c1, err := Concat([]*Tensor{a.T(), a}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := c1.Data(); !slices.Equal(got, []float32{1, 3, 1, 2, 2, 4, 3, 4}) {
		t.Errorf("concat of a transposed view on axis 1: got %v", got)
	}
	if _, err := Concat([]*Tensor{a, b}, 1); err == nil {
		t.Errorf("concat (2, 2) and (1, 2) on axis 1: got no error")
	}

	s, err := Stack([]*Tensor{a, a.T()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Data(); !slices.Equal(got, []float32{1, 2, 1, 3, 3, 4, 2, 4}) || !slices.Equal(s.Shape(), []int{2, 2, 2}) {
		t.Errorf("stack axis 1: got %v shape %v", got, s.Shape())
	}
	if _, err := Stack([]*Tensor{a, b}, 0); err == nil {
		t.Errorf("stack of (2, 2) and (1, 2): got no error")
	}

	parts, err := SplitEvery(MustFromSlice([]float32{0, 1, 2, 3, 4}, 5), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || !slices.Equal(parts[2].Data(), []float32{4}) {
		t.Errorf("split every 2 of 5: got %d parts, last %v", len(parts), parts[len(parts)-1])
	}
	if _, err := Split(a, []int{1, 2}, 0); err == nil {
		t.Errorf("split sizes [1 2] of an axis of 2: got no error")
	}
}

func TestTopkHeapMatchesFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	x := randTensor(r, 0, 4, 5, 300)
	for i := range x.data {
		x.data[i] = float32(int(x.data[i])) // many ties
	}
	x.data[7], x.data[400] = float32(math.NaN()), float32(math.NaN())
	for _, largest := range []bool{true, false} {
		for _, k := range []int{1, 3, 20} {
			v, i, err := Topk(x, k, 1, largest)
			if err != nil {
				t.Fatal(err)
			}
			fullV, fullI, _ := Sort(x, 1, largest)
			wantV, _ := fullV.Slice(1, 0, k, 1)
			wantI, _ := fullI.Slice(1, 0, k, 1)
			checkAgainst(t, fmt.Sprintf("topk k=%d largest=%v indices", k, largest), i, []int{5, k}, 0,
				func(idx []int) float64 { return at64(t, wantI, idx) })
			checkAgainst(t, fmt.Sprintf("topk k=%d largest=%v values", k, largest), v, []int{5, k}, 0,
				func(idx []int) float64 { return at64(t, wantV, idx) })
		}
	}
}

func TestSortCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := New(4, 8)
	if _, _, err := SortContext(ctx, x, 1, false); err != context.Canceled {
		t.Errorf("SortContext with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, _, err := TopkContext(ctx, x, 2, 1, true); err != context.Canceled {
		t.Errorf("TopkContext with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, _, err := KthvalueContext(ctx, x, 2, 1, false); err != context.Canceled {
		t.Errorf("KthvalueContext with a cancelled context: got %v, want context.Canceled", err)
	}
}
