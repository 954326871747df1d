package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// This file holds the float64 reference helpers the tests compare against.

// forEachIndex calls f with every multi-index of shape in row-major order.
func forEachIndex(shape []int, f func(idx []int)) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	idx := make([]int, len(shape))
	for p := 0; p < n; p++ {
		r := p
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d] = r % shape[d]
			r /= shape[d]
		}
		f(idx)
	}
}

// at64 returns t[idx] as float64, failing the test on a bad index.
func at64(t testing.TB, x *Tensor, idx []int) float64 {
	t.Helper()
	v, err := x.At(idx...)
	if err != nil {
		t.Fatalf("At(%v) on shape %v: %v", idx, x.Shape(), err)
	}
	return float64(v)
}

// randTensor returns a contiguous tensor of uniform values in [lo, hi).
func randTensor(r *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.data {
		t.data[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return t
}

// layout returns t as a view with the same shape and values but a
// different memory layout: "contiguous", "transposed" (stored with the last
// two axes swapped) or "strided" (every other element of a larger buffer).
func layout(t *Tensor, kind string) *Tensor {
	switch kind {
	case "transposed":
		if t.Ndim() < 2 {
			return t
		}
		nd := t.Ndim()
		swapped, _ := t.Transpose(nd-2, nd-1)
		stored := swapped.Clone()
		view, _ := stored.Transpose(nd-2, nd-1)
		return view
	case "strided":
		if t.Ndim() == 0 {
			return t
		}
		shape := append([]int(nil), t.shape...)
		shape[len(shape)-1] *= 2
		big := New(shape...)
		for i := range big.data {
			big.data[i] = float32(math.NaN()) // the skipped elements must never be read
		}
		view, _ := big.Slice(-1, 0, shape[len(shape)-1], 2)
		copyInto(view, t)
		return view
	}
	return t
}

// closeTo reports whether got is within tol relative to want (absolute
// near 0); NaN matches NaN and infinities must match exactly.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

// checkAgainst compares every element of got with want(idx).
func checkAgainst(t *testing.T, name string, got *Tensor, shape []int, tol float64, want func(idx []int) float64) {
	t.Helper()
	if !sameShape(got.Shape(), shape) {
		t.Errorf("%s: shape: got %v, want %v", name, got.Shape(), shape)
		return
	}
	bad := 0
	forEachIndex(shape, func(idx []int) {
		g, w := at64(t, got, idx), want(idx)
		if !closeTo(g, w, tol) && bad < 3 {
			bad++
			t.Errorf("%s: element %v: got %v, want %v", name, idx, g, w)
		}
	})
}
