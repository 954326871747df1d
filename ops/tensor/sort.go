package tensor

import (
	"context"
	"fmt"
	"slices"

	"pare/ops/kernels"
)

// less orders float32 values with NaN after every number, as NumPy sorts.
func less(x, y float32) bool {
	return x < y || (y != y && x == x)
}

// sortedIndices returns the positions of row in ascending (or descending)
// order. The sort is stable, so equal values keep their order; NaN sorts
// last ascending and first descending.
func sortedIndices(row []float32, descending bool, idx []int) []int {
	idx = idx[:0]
	for i := range row {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		x, y := row[i], row[j]
		if descending {
			x, y = y, x
		}
		switch {
		case less(x, y):
			return -1
		case less(y, x):
			return 1
		}
		return 0
	})
	return idx
}

// selectBest returns the positions of the k first entries of row in the
// order sortedIndices gives, in O(n log k): a heap keeps the k best seen so
// far with the worst at its root.
func selectBest(row []float32, k int, descending bool, idx []int) []int {
	// before reports whether position i sorts before position j.
	before := func(i, j int) bool {
		x, y := row[i], row[j]
		if descending {
			x, y = y, x
		}
		if less(x, y) {
			return true
		}
		if less(y, x) {
			return false
		}
		return i < j
	}
	heap := idx[:0]
	siftDown := func(at int) {
		for {
			worst, l, r := at, 2*at+1, 2*at+2
			if l < len(heap) && before(heap[worst], heap[l]) {
				worst = l
			}
			if r < len(heap) && before(heap[worst], heap[r]) {
				worst = r
			}
			if worst == at {
				return
			}
			heap[at], heap[worst] = heap[worst], heap[at]
			at = worst
		}
	}
	for i := range row {
		if len(heap) < k {
			heap = append(heap, i)
			for c := len(heap) - 1; c > 0; {
				p := (c - 1) / 2
				if !before(heap[p], heap[c]) {
					break
				}
				heap[p], heap[c] = heap[c], heap[p]
				c = p
			}
			continue
		}
		if before(i, heap[0]) {
			heap[0] = i
			siftDown(0)
		}
	}
	slices.SortFunc(heap, func(i, j int) int {
		if before(i, j) {
			return -1
		}
		return 1
	})
	return heap
}

// selectSorted sorts each row along axis and keeps the first k entries of
// the order, returning their values and indices. It checks ctx between rows
// and returns ctx.Err() once it is cancelled.
func selectSorted(ctx context.Context, t *Tensor, axis, k int, descending bool) (values, indices *Tensor, err error) {
	c, inverse, err := axisLast(t, axis)
	if err != nil {
		return nil, nil, err
	}
	n := c.shape[len(c.shape)-1]
	if n > 1<<24 {
		return nil, nil, fmt.Errorf("tensor: sorting an axis of %d elements: indices above 2^24 are not exact in float32", n)
	}
	shape := append([]int(nil), c.shape...)
	shape[len(shape)-1] = k
	values, indices = New(shape...), New(shape...)
	if n == 0 || k == 0 {
		return restoreAxis(values, inverse), restoreAxis(indices, inverse), nil
	}
	rows := c.Size() / n
	src := c.Data()
	kernels.ParallelFor(rows, max(1, parallelGrain/n), func(lo, hi int) {
		idx := make([]int, 0, n)
		for r := lo; r < hi; r++ {
			if ctx.Err() != nil {
				return
			}
			row := src[r*n : (r+1)*n]
			if k*8 < n {
				idx = selectBest(row, k, descending, idx)
			} else {
				idx = sortedIndices(row, descending, idx)
			}
			for j := range k {
				values.data[r*k+j] = row[idx[j]]
				indices.data[r*k+j] = float32(idx[j])
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return restoreAxis(values, inverse), restoreAxis(indices, inverse), nil
}

// Sort returns t sorted along axis and the original positions of the
// sorted values (as float32 integers). The sort is stable; NaN goes last
// ascending and first descending.
func Sort(t *Tensor, axis int, descending bool) (values, indices *Tensor, err error) {
	return SortContext(context.Background(), t, axis, descending)
}

// SortContext is Sort that checks ctx between rows and returns ctx.Err()
// when it is cancelled.
func SortContext(ctx context.Context, t *Tensor, axis int, descending bool) (values, indices *Tensor, err error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, nil, err
	}
	return selectSorted(ctx, t, a, t.shape[a], descending)
}

// Topk returns the k largest (or, with largest false, smallest) values
// along axis in sorted order, and their positions.
func Topk(t *Tensor, k, axis int, largest bool) (values, indices *Tensor, err error) {
	return TopkContext(context.Background(), t, k, axis, largest)
}

// TopkContext is Topk that checks ctx between rows.
func TopkContext(ctx context.Context, t *Tensor, k, axis int, largest bool) (values, indices *Tensor, err error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, nil, err
	}
	if k < 0 || k > t.shape[a] {
		return nil, nil, fmt.Errorf("tensor: topk: k is %d; want 0 <= k <= %d, the size of axis %d of shape %s",
			k, t.shape[a], a, ShapeString(t.shape))
	}
	return selectSorted(ctx, t, a, k, largest)
}

// Kthvalue returns the k-th smallest value along axis (k counts from 1, as
// in PyTorch) and its position; axis is removed unless keepdims is set.
func Kthvalue(t *Tensor, k, axis int, keepdims bool) (values, indices *Tensor, err error) {
	return KthvalueContext(context.Background(), t, k, axis, keepdims)
}

// KthvalueContext is Kthvalue that checks ctx between rows.
func KthvalueContext(ctx context.Context, t *Tensor, k, axis int, keepdims bool) (values, indices *Tensor, err error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, nil, err
	}
	if k < 1 || k > t.shape[a] {
		return nil, nil, fmt.Errorf("tensor: kthvalue: k is %d; want 1 <= k <= %d, the size of axis %d of shape %s",
			k, t.shape[a], a, ShapeString(t.shape))
	}
	v, i, err := selectSorted(ctx, t, a, k, false)
	if err != nil {
		return nil, nil, err
	}
	v, _ = v.Slice(a, k-1, k, 1)
	i, _ = i.Slice(a, k-1, k, 1)
	if !keepdims {
		v, _ = v.Select(a, 0)
		i, _ = i.Select(a, 0)
	}
	return v.Contiguous(), i.Contiguous(), nil
}
