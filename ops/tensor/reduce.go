package tensor

import (
	"fmt"
	"math"

	"pare/ops/kernels"
)

// Reductions take a list of axes and keepdims. nil reduces every axis, and
// negative axes count from the end. keepdims keeps the reduced axes with
// size 1, as in NumPy. Sums accumulate in float64, except that runs of up
// to 1024 contiguous values are first added in float32 vector lanes (see
// sum64).

// sumBlock is the length of the blocks whose float64 partial sums are added
// in order, so a long sum gives the same result for any number of workers.
const sumBlock = 1 << 16

// sumRun is the length of the runs that sum64 hands to kernels.Sum.
const sumRun = 1024

// reduceRows applies f to every row of t's view over axes.
func reduceRows(t *Tensor, axes []int, keepdims bool, f func(row []float32) float32) (*Tensor, error) {
	return reduceRowsAcc(t, axes, keepdims, f, nil)
}

// columnAcc reduces columns by streaming rows into float64 accumulators,
// which reads memory in order; it must give the result f gives on the
// column.
type columnAcc struct {
	init   float64
	add    func(acc []float64, row []float32)
	finish func(acc float64, n int) float32
}

var (
	sumAcc = &columnAcc{
		add: func(acc []float64, row []float32) {
			acc = acc[:len(row)]
			for j, v := range row {
				acc[j] += float64(v)
			}
		},
		finish: func(acc float64, n int) float32 { return float32(acc) },
	}
	meanAcc = &columnAcc{add: sumAcc.add, finish: func(acc float64, n int) float32 { return float32(acc / float64(n)) }}
	maxAcc  = &columnAcc{
		init: math.Inf(-1),
		add: func(acc []float64, row []float32) {
			acc = acc[:len(row)]
			for j, v := range row {
				if x := float64(v); x > acc[j] || x != x {
					acc[j] = x
				}
			}
		},
		finish: func(acc float64, n int) float32 { return float32(acc) },
	}
	minAcc = &columnAcc{
		init: math.Inf(1),
		add: func(acc []float64, row []float32) {
			acc = acc[:len(row)]
			for j, v := range row {
				if x := float64(v); x < acc[j] || x != x {
					acc[j] = x
				}
			}
		},
		finish: func(acc float64, n int) float32 { return float32(acc) },
	}
)

// reduceRowsAcc is reduceRows with an optional column accumulator for the
// column layout of reduceColumns.
func reduceRowsAcc(t *Tensor, axes []int, keepdims bool, f func(row []float32) float32, acc *columnAcc) (*Tensor, error) {
	if axes == nil && !keepdims && t.IsContiguous() {
		out := New()
		out.data[0] = f(t.data[t.offset : t.offset+t.Size()])
		return out, nil
	}
	if out, ok, err := reduceColumns(t, axes, keepdims, f, acc); ok || err != nil {
		return out, err
	}
	rv, err := rowsOver(t, axes)
	if err != nil {
		return nil, err
	}
	out := New(rv.outer)
	grain := max(1, parallelGrain/max(1, rv.inner))
	kernels.ParallelFor(rv.outer, grain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			out.data[r] = f(rv.data[r*rv.inner : (r+1)*rv.inner])
		}
	})
	return rv.result(out, keepdims), nil
}

// columnTile is the number of columns reduceColumns transposes at a time.
const columnTile = 16

// reduceColumns reduces a contiguous t whose reduced axes are adjacent and
// followed by kept axes, such as axis 0 of a matrix. Seen as [outer, R,
// inner], each output is a column of R values with stride inner. Tiles of
// columns are transposed into a buffer, so f still gets contiguous rows and
// t is read in order instead of being copied whole. ok is false when t does
// not have this layout.
func reduceColumns(t *Tensor, axes []int, keepdims bool, f func(row []float32) float32, acc *columnAcc) (out *Tensor, ok bool, err error) {
	if !t.IsContiguous() || t.Size() == 0 {
		return nil, false, nil
	}
	ax, err := normAxes(axes, t.Ndim())
	if err != nil {
		return nil, false, err
	}
	if len(ax) == 0 || ax[len(ax)-1]-ax[0] != len(ax)-1 || ax[len(ax)-1] == t.Ndim()-1 {
		return nil, false, nil
	}
	outer, reduced, inner := 1, 1, 1
	var outShape, keepShape []int
	for d, n := range t.shape {
		switch {
		case d < ax[0]:
			outer *= n
		case d <= ax[len(ax)-1]:
			reduced *= n
		default:
			inner *= n
		}
		if d < ax[0] || d > ax[len(ax)-1] {
			outShape = append(outShape, n)
			keepShape = append(keepShape, n)
		} else {
			keepShape = append(keepShape, 1)
		}
	}

	res := New(outer * inner)
	data := t.data[t.offset : t.offset+t.Size()]
	if acc != nil {
		accumulateColumns(res.data, data, outer, reduced, inner, acc)
	} else {
		transposeReduce(res.data, data, outer, reduced, inner, f)
	}

	shape := outShape
	if keepdims {
		shape = keepShape
	}
	if shape == nil {
		shape = []int{}
	}
	out, err = res.Reshape(shape...)
	return out, true, err
}

// accumulateColumns runs acc over data seen as [outer, reduced, inner],
// splitting the columns into blocks so workers write disjoint outputs.
func accumulateColumns(dst, data []float32, outer, reduced, inner int, acc *columnAcc) {
	const block = 1024
	blocks := (inner + block - 1) / block
	kernels.ParallelFor(outer*blocks, max(1, parallelGrain/(reduced*block)), func(lo, hi int) {
		sums := make([]float64, min(block, inner))
		for job := lo; job < hi; job++ {
			o, j0 := job/blocks, (job%blocks)*block
			w := min(block, inner-j0)
			s := sums[:w]
			for j := range s {
				s[j] = acc.init
			}
			base := o*reduced*inner + j0
			for r := range reduced {
				acc.add(s, data[base+r*inner:base+r*inner+w])
			}
			for j, v := range s {
				dst[o*inner+j0+j] = acc.finish(v, reduced)
			}
		}
	})
}

// transposeReduce applies f to each column of data seen as [outer, reduced,
// inner], transposing tiles of columns into a buffer first.
func transposeReduce(dst, data []float32, outer, reduced, inner int, f func(row []float32) float32) {
	tiles := (inner + columnTile - 1) / columnTile
	kernels.ParallelFor(outer*tiles, max(1, parallelGrain/(reduced*columnTile)), func(lo, hi int) {
		buf := make([]float32, min(columnTile, inner)*reduced)
		for job := lo; job < hi; job++ {
			o, j0 := job/tiles, (job%tiles)*columnTile
			w := min(columnTile, inner-j0)
			base := o*reduced*inner + j0
			for r := range reduced {
				src := data[base+r*inner : base+r*inner+w]
				for c, v := range src {
					buf[c*reduced+r] = v
				}
			}
			for c := range w {
				dst[o*inner+j0+c] = f(buf[c*reduced : (c+1)*reduced])
			}
		}
	})
}

// sum64 returns the sum of xs in float64, in fixed blocks summed in order and
// run on the worker pool when xs is long.
func sum64(xs []float32) float64 {
	if len(xs) <= sumBlock {
		// kernels.Sum adds each run of sumRun values in 32 float32 lanes
		// (on AVX2, 32 values per lane), and the runs are added in
		// float64. The float32 part rounds only short sums, so the result
		// stays within a few float32 ulps of the exact sum while the loop
		// runs at vector speed.
		s := 0.0
		for lo := 0; lo < len(xs); lo += sumRun {
			s += float64(kernels.Sum(xs[lo:min(lo+sumRun, len(xs))]))
		}
		return s
	}
	nb := (len(xs) + sumBlock - 1) / sumBlock
	partial := make([]float64, nb)
	kernels.ParallelFor(nb, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			partial[b] = sum64(xs[b*sumBlock : min((b+1)*sumBlock, len(xs))])
		}
	})
	s := 0.0
	for _, p := range partial {
		s += p
	}
	return s
}

// Sum returns the sum over axes.
func Sum(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	return reduceRowsAcc(t, axes, keepdims, func(row []float32) float32 { return float32(sum64(row)) }, sumAcc)
}

// Mean returns the arithmetic mean over axes; NaN over an empty axis.
func Mean(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	return reduceRowsAcc(t, axes, keepdims, func(row []float32) float32 {
		return float32(sum64(row) / float64(len(row)))
	}, meanAcc)
}

// Var returns the variance over axes with ddof delta degrees of freedom
// (divisor n - ddof, as NumPy), computed in two passes in float64 so a
// large mean does not cancel the result. n <= ddof gives NaN.
func Var(t *Tensor, axes []int, ddof int, keepdims bool) (*Tensor, error) {
	return reduceRows(t, axes, keepdims, func(row []float32) float32 { return float32(variance(row, ddof)) })
}

// Std returns the square root of Var.
func Std(t *Tensor, axes []int, ddof int, keepdims bool) (*Tensor, error) {
	return reduceRows(t, axes, keepdims, func(row []float32) float32 { return float32(math.Sqrt(variance(row, ddof))) })
}

func variance(row []float32, ddof int) float64 {
	n := len(row)
	if n-ddof <= 0 {
		return math.NaN()
	}
	mean := sum64(row) / float64(n)
	ss := 0.0
	for _, x := range row {
		d := float64(x) - mean
		ss += d * d
	}
	return ss / float64(n-ddof)
}

// Max returns the largest value over axes; NaN if any value is NaN. An
// empty axis is an error.
func Max(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	if err := checkNonEmpty("max", t, axes); err != nil {
		return nil, err
	}
	return reduceRowsAcc(t, axes, keepdims, kernels.Max, maxAcc)
}

// Min returns the smallest value over axes; NaN if any value is NaN. An
// empty axis is an error.
func Min(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	if err := checkNonEmpty("min", t, axes); err != nil {
		return nil, err
	}
	return reduceRowsAcc(t, axes, keepdims, kernels.Min, minAcc)
}

func checkNonEmpty(name string, t *Tensor, axes []int) error {
	ax, err := normAxes(axes, t.Ndim())
	if err != nil {
		return err
	}
	for _, a := range ax {
		if t.shape[a] == 0 {
			return fmt.Errorf("tensor: %s over axis %d of size 0 (shape %s) has no value; reduce a non-empty axis", name, a, ShapeString(t.shape))
		}
	}
	return nil
}

// Argmax returns the index of the first largest value along axis, or into
// the flattened tensor when axes is nil. At most one axis is accepted. A NaN
// counts as the largest value, as in NumPy.
func Argmax(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	return argReduce("argmax", t, axes, keepdims, func(x, best float32) bool { return x > best })
}

// Argmin returns the index of the first smallest value along axis, or into
// the flattened tensor when axes is nil. A NaN counts as the smallest value.
func Argmin(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	return argReduce("argmin", t, axes, keepdims, func(x, best float32) bool { return x < best })
}

func argReduce(name string, t *Tensor, axes []int, keepdims bool, better func(x, best float32) bool) (*Tensor, error) {
	if len(axes) > 1 {
		return nil, fmt.Errorf("tensor: %s takes one axis or None, got %v", name, axes)
	}
	if err := checkNonEmpty(name, t, axes); err != nil {
		return nil, err
	}
	if t.Size() == 0 {
		return nil, fmt.Errorf("tensor: %s of an empty tensor (shape %s) has no value", name, ShapeString(t.shape))
	}
	span := t.Size() // the flattened tensor when axes is nil
	if len(axes) == 1 {
		a, err := normAxis(axes[0], t.Ndim())
		if err != nil {
			return nil, err
		}
		span = t.shape[a]
	}
	if span > 1<<24 {
		return nil, fmt.Errorf("tensor: %s over %d elements: indices above 2^24 are not exact in float32", name, span)
	}
	return reduceRows(t, axes, keepdims, func(row []float32) float32 {
		best := 0
		for i, x := range row {
			if x != x {
				return float32(i)
			}
			if better(x, row[best]) {
				best = i
			}
		}
		return float32(best)
	})
}

// Norm returns the vector p-norm over axes: (Σ|x|^p)^(1/p), with p = +Inf
// the largest |x|, p = -Inf the smallest and p = 0 the count of non-zeros.
// For p = 2 the values are scaled by the largest |x| first, so squares
// neither overflow nor underflow.
func Norm(t *Tensor, p float64, axes []int, keepdims bool) (*Tensor, error) {
	if math.IsNaN(p) {
		return nil, fmt.Errorf("tensor: norm order nan; want a number or ±inf")
	}
	return reduceRows(t, axes, keepdims, func(row []float32) float32 { return float32(pnorm(row, p)) })
}

func pnorm(row []float32, p float64) float64 {
	switch {
	case math.IsInf(p, 1):
		return absMax(row)
	case math.IsInf(p, -1):
		m := math.Inf(1)
		for _, x := range row {
			m = math.Min(m, math.Abs(float64(x)))
		}
		return m
	case p == 0:
		c := 0.0
		for _, x := range row {
			if x != 0 {
				c++
			}
		}
		return c
	case p == 1:
		s := 0.0
		for _, x := range row {
			s += math.Abs(float64(x))
		}
		return s
	case p == 2:
		scale := absMax(row)
		if scale == 0 || math.IsInf(scale, 0) || math.IsNaN(scale) {
			return scale
		}
		s := 0.0
		for _, x := range row {
			v := float64(x) / scale
			s += v * v
		}
		return scale * math.Sqrt(s)
	}
	s := 0.0
	for _, x := range row {
		s += math.Pow(math.Abs(float64(x)), p)
	}
	return math.Pow(s, 1/p)
}

// absMax returns the largest |x| of row, NaN if row contains a NaN.
func absMax(row []float32) float64 {
	m := 0.0
	for _, x := range row {
		a := math.Abs(float64(x))
		if a > m {
			m = a
		} else if a != a {
			return a
		}
	}
	return m
}

// LogSumExp returns log Σ e^x over axes, shifted by the maximum so it
// neither overflows nor underflows. An axis of -Inf values gives -Inf.
func LogSumExp(t *Tensor, axes []int, keepdims bool) (*Tensor, error) {
	return reduceRows(t, axes, keepdims, func(row []float32) float32 { return float32(logSumExp(row)) })
}

func logSumExp(row []float32) float64 {
	m := float64(rowMax(row))
	if math.IsNaN(m) {
		return m
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, x := range row {
		s += math.Exp(float64(x) - m)
	}
	return m + math.Log(s)
}

// alongAxis applies f to every row of t along axis and returns a result of
// t's shape.
func alongAxis(t *Tensor, axis int, f func(dst, row []float32)) (*Tensor, error) {
	c, inverse, err := axisLast(t, axis)
	if err != nil {
		return nil, err
	}
	out := New(c.shape...)
	if out.Size() == 0 {
		return restoreAxis(out, inverse), nil
	}
	inner := c.shape[len(c.shape)-1]
	rows := out.Size() / inner
	src := c.Data()
	kernels.ParallelFor(rows, max(1, parallelGrain/inner), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f(out.data[r*inner:(r+1)*inner], src[r*inner:(r+1)*inner])
		}
	})
	return restoreAxis(out, inverse), nil
}

// rowMax returns the largest value of row, NaN if it contains one, and -Inf
// when it is empty.
func rowMax(row []float32) float32 {
	m := float32(math.Inf(-1))
	for _, x := range row {
		if x > m {
			m = x
		} else if x != x {
			return x
		}
	}
	return m
}

// Softmax returns e^x / Σ e^x along axis, shifted by the row maximum. A row
// of -Inf values gives NaN, as in PyTorch.
func Softmax(t *Tensor, axis int) (*Tensor, error) {
	return alongAxis(t, axis, func(dst, row []float32) {
		m := float64(rowMax(row))
		s := 0.0
		for i, x := range row {
			e := math.Exp(float64(x) - m)
			dst[i] = float32(e)
			s += e
		}
		inv := 1 / s
		for i := range dst {
			dst[i] = float32(float64(dst[i]) * inv)
		}
	})
}

// LogSoftmax returns x - logsumexp(x) along axis.
func LogSoftmax(t *Tensor, axis int) (*Tensor, error) {
	return alongAxis(t, axis, func(dst, row []float32) {
		lse := logSumExp(row)
		for i, x := range row {
			dst[i] = float32(float64(x) - lse)
		}
	})
}

// Cumsum returns running sums along axis, accumulated in float64.
func Cumsum(t *Tensor, axis int) (*Tensor, error) {
	return alongAxis(t, axis, func(dst, row []float32) {
		s := 0.0
		for i, x := range row {
			s += float64(x)
			dst[i] = float32(s)
		}
	})
}
