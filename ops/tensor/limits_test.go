package tensor

import (
	"math"
	"strings"
	"testing"
)

// TestShapeLimits checks that operations producing a shape past MaxRank,
// past 2^60 non-zero elements, or with too many pieces return an error.
func TestShapeLimits(t *testing.T) {
	ranked := func(n int) *Tensor {
		shape := make([]int, n)
		for i := range shape {
			shape[i] = 1
		}
		return New(shape...)
	}
	cases := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{"reshape to 65 dimensions", func() error {
			_, err := New(1).Reshape(make([]int, MaxRank+1)...)
			return err
		}, "reshape to 65 dimensions; want at most 64"},
		{"reshape empty past 2^60", func() error {
			// 2^32 · 2^32 wraps to 0 in int arithmetic, which matched the
			// size of an empty tensor.
			_, err := New(0).Reshape(1<<32, 1<<32, 0)
			return err
		}, "non-zero dimensions multiply to more than 2^60"},
		{"reshape inferred past 2^60", func() error {
			_, err := New(0).Reshape(1<<40, -1, 1<<40)
			return err
		}, "dimensions other than 0 and -1 multiply to more than 2^60"},
		{"stack of rank 64", func() error {
			_, err := Stack([]*Tensor{ranked(MaxRank)}, 0)
			return err
		}, "would have 65 dimensions; want at most 64"},
		{"concat past 2^60", func() error {
			part := New(0, 3, 1<<58)
			_, err := Concat([]*Tensor{part, part}, 1)
			return err
		}, "non-zero dimensions multiply to more than 2^60"},
		{"concat sum overflow", func() error {
			big := New(0, 1<<60)
			_, err := Concat([]*Tensor{big, big, big, big, big, big, big, big, big}, 1)
			return err
		}, "sizes add up to more than 2^60"},
		{"split empty into 2^31 pieces", func() error {
			_, err := SplitEvery(New(0, math.MaxInt32), 1, 1)
			return err
		}, "gives 2147483647 pieces; want at most 16777216"},
		{"arange of 1e30 elements", func() error {
			_, err := Arange(0, 1, 1e-30)
			return err
		}, "range from start=0 to stop=1 with step=1e-30 has 1e+30 elements; want at most 2147483647"},
		{"linspace of 2^40 elements", func() error {
			_, err := Linspace(0, 1, 1<<40, true)
			return err
		}, "num=1099511627776 values from start=0 to stop=1 are too many; want num <= 2147483647"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.wantErr)
		}
	}
}

// TestNewRejectsRank65 checks that New panics with a *ShapeError, which the
// Starlark layer reports as a plain error, for more than MaxRank dimensions.
func TestNewRejectsRank65(t *testing.T) {
	defer func() {
		r := recover()
		se, ok := r.(*ShapeError)
		if !ok || !strings.Contains(se.Error(), "shape has 65 dimensions") {
			t.Errorf("New with 65 dimensions: got panic %v, want a *ShapeError naming 65 dimensions", r)
		}
	}()
	_ = New(make([]int, MaxRank+1)...)
}

// TestSliceLargeStep checks element counts and strides of slices whose step
// is near the int maximum, where start+step and stride·step overflowed.
func TestSliceLargeStep(t *testing.T) {
	cases := []struct {
		name              string
		shape             []int
		axis, start, stop int
		step              int
		wantShape         []int
		wantStride        int
	}{
		{"step MaxInt on 5", []int{5}, 0, 0, 5, math.MaxInt, []int{1}, 1},
		{"step MaxInt32 on 5", []int{5}, 0, 0, 5, math.MaxInt32, []int{1}, 1},
		{"step 2 on 5", []int{5}, 0, 0, 5, 2, []int{3}, 2},
		{"step 3 from 1", []int{7}, 0, 1, 7, 3, []int{2}, 3},
		{"empty, wide axis, step MaxInt", []int{0, 1 << 40}, 1, 0, 1 << 40, math.MaxInt, []int{0, 1}, 1},
		{"empty, wide axis, step 2", []int{0, 1 << 40}, 1, 0, 1 << 40, 2, []int{0, 1 << 39}, 2},
		{"start past stop", []int{5}, 0, 4, 2, 1, []int{0}, 1},
	}
	for _, c := range cases {
		v, err := New(c.shape...).Slice(c.axis, c.start, c.stop, c.step)
		if err != nil {
			t.Errorf("%s: Slice got error %v", c.name, err)
			continue
		}
		if !sameShape(v.Shape(), c.wantShape) {
			t.Errorf("%s: Slice shape got %v, want %v", c.name, v.Shape(), c.wantShape)
		}
		if got := v.Strides()[c.axis]; got != c.wantStride {
			t.Errorf("%s: Slice stride on axis %d got %d, want %d", c.name, c.axis, got, c.wantStride)
		}
	}
}
