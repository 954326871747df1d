package tensor

import (
	"fmt"
	"math"
)

// Full returns a tensor of the given shape filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := New(shape...)
	if v != 0 {
		for i := range t.data {
			t.data[i] = v
		}
	}
	return t
}

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// maxRangeElements bounds the length of Arange and Linspace results.
const maxRangeElements = math.MaxInt32

// Arange returns the values start, start+step, ... below stop (above stop
// for a negative step), as NumPy's arange: ceil((stop-start)/step) values,
// each computed as start + i·step in float64.
func Arange(start, stop, step float64) (*Tensor, error) {
	if step == 0 || math.IsNaN(step) || math.IsInf(step, 0) {
		return nil, fmt.Errorf("tensor: arange step %v; want a finite non-zero step", step)
	}
	if math.IsNaN(start) || math.IsInf(start, 0) || math.IsNaN(stop) || math.IsInf(stop, 0) {
		return nil, fmt.Errorf("tensor: arange bounds %v and %v; want finite numbers", start, stop)
	}
	// The count is checked as a float64, because converting a count such
	// as 1e30 to int is undefined in Go and gives a negative number on amd64.
	count := max(0, math.Ceil((stop-start)/step))
	if count > maxRangeElements {
		return nil, fmt.Errorf("tensor: the range from start=%v to stop=%v with step=%v has %.6g elements; want at most %d, so use a larger step or a shorter range",
			start, stop, step, count, maxRangeElements)
	}
	t := New(int(count))
	for i := range t.data {
		t.data[i] = float32(start + float64(i)*step)
	}
	return t, nil
}

// Linspace returns num evenly spaced values from start to stop; the last
// value is stop exactly when endpoint is set, as in NumPy.
func Linspace(start, stop float64, num int, endpoint bool) (*Tensor, error) {
	if num < 0 {
		return nil, fmt.Errorf("tensor: linspace num %d; want num >= 0", num)
	}
	if num > maxRangeElements {
		return nil, fmt.Errorf("tensor: num=%d values from start=%v to stop=%v are too many; want num <= %d", num, start, stop, maxRangeElements)
	}
	t := New(num)
	div := num
	if endpoint {
		div = num - 1
	}
	for i := range t.data {
		if div > 0 {
			t.data[i] = float32(start + float64(i)*(stop-start)/float64(div))
		} else {
			t.data[i] = float32(start)
		}
	}
	if endpoint && num > 1 {
		t.data[num-1] = float32(stop)
	}
	return t, nil
}

// Eye returns an n×m matrix with ones on diagonal k (k > 0 above the main
// diagonal, k < 0 below).
func Eye(n, m, k int) *Tensor {
	t := New(n, m)
	// Only rows max(0, -k) <= i < min(n, m-k) meet the diagonal, so the
	// loop stays short when one dimension is huge and the other is 0.
	for i := max(0, -k); i < min(n, m-k); i++ {
		t.data[i*m+i+k] = 1
	}
	return t
}
