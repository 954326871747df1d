package autograd

import (
	"math"
	"slices"
)

// nd is the float64 twin of a tensor used as the reference in gradient
// tests: every op under test is re-implemented here with plain loops in
// float64, independently of the float32 kernels.
type nd struct {
	shape []int
	data  []float64
}

func ndSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func ndZeros(shape ...int) nd {
	return nd{shape: slices.Clone(shape), data: make([]float64, ndSize(shape))}
}

func (a nd) reshape(shape ...int) nd { return nd{shape: slices.Clone(shape), data: a.data} }

func (a nd) mapf(f func(float64) float64) nd {
	out := ndZeros(a.shape...)
	for i, v := range a.data {
		out.data[i] = f(v)
	}
	return out
}

// unravel converts a flat row-major index into coordinates.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}

func ravel(idx, shape []int) int {
	off := 0
	for d := range shape {
		off = off*shape[d] + idx[d]
	}
	return off
}

// at reads a at the broadcast coordinates idx of a result of rank len(idx).
func (a nd) at(idx []int) float64 {
	k := len(idx) - len(a.shape)
	sub := make([]int, len(a.shape))
	for d := range a.shape {
		if a.shape[d] != 1 {
			sub[d] = idx[k+d]
		}
	}
	return a.data[ravel(sub, a.shape)]
}

func bcast(a, b nd, f func(x, y float64) float64) nd {
	nd_ := max(len(a.shape), len(b.shape))
	shape := make([]int, nd_)
	for i := 1; i <= nd_; i++ {
		da, db := 1, 1
		if i <= len(a.shape) {
			da = a.shape[len(a.shape)-i]
		}
		if i <= len(b.shape) {
			db = b.shape[len(b.shape)-i]
		}
		shape[nd_-i] = max(da, db)
	}
	out := ndZeros(shape...)
	for i := range out.data {
		idx := unravel(i, shape)
		out.data[i] = f(a.at(idx), b.at(idx))
	}
	return out
}

// lines applies f to every 1-D line of a along axis. f returns either a
// line of the same length or a single value, and then the axis is kept as 1.
func (a nd) lines(axis int, f func([]float64) []float64) nd {
	if axis < 0 {
		axis += len(a.shape)
	}
	outer, n, inner := splitAt(a.shape, axis)
	var out nd
	line := make([]float64, n)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			for k := 0; k < n; k++ {
				line[k] = a.data[(o*n+k)*inner+i]
			}
			r := f(line)
			if out.data == nil {
				shape := slices.Clone(a.shape)
				shape[axis] = len(r)
				out = ndZeros(shape...)
			}
			for k, v := range r {
				out.data[(o*len(r)+k)*inner+i] = v
			}
		}
	}
	return out
}

func (a nd) sumAxis(axis int) nd {
	return a.lines(axis, func(l []float64) []float64 {
		var s float64
		for _, v := range l {
			s += v
		}
		return []float64{s}
	})
}

func (a nd) maxAxis(axis int) nd {
	return a.lines(axis, func(l []float64) []float64 { return []float64{slices.Max(l)} })
}

func lseLine(l []float64) float64 {
	m := slices.Max(l)
	var s float64
	for _, v := range l {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func (a nd) softmax(axis int) nd {
	return a.lines(axis, func(l []float64) []float64 {
		lse := lseLine(l)
		out := make([]float64, len(l))
		for k, v := range l {
			out[k] = math.Exp(v - lse)
		}
		return out
	})
}

func (a nd) logSoftmax(axis int) nd {
	return a.lines(axis, func(l []float64) []float64 {
		lse := lseLine(l)
		out := make([]float64, len(l))
		for k, v := range l {
			out[k] = v - lse
		}
		return out
	})
}

func (a nd) sumAll() nd {
	var s float64
	for _, v := range a.data {
		s += v
	}
	return nd{data: []float64{s}}
}

// matmul multiplies over the last two axes with the batch rule of MatMul.
func matmulND(a, b nd) nd {
	m, k := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	n := b.shape[len(b.shape)-1]
	batch := a.shape[:len(a.shape)-2]
	if len(batch) == 0 {
		batch = b.shape[:len(b.shape)-2]
	}
	nb := ndSize(batch)
	out := ndZeros(append(slices.Clone(batch), m, n)...)
	aStep, bStep := m*k, k*n
	if len(a.shape) == 2 {
		aStep = 0
	}
	if len(b.shape) == 2 {
		bStep = 0
	}
	for t := 0; t < nb; t++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for p := 0; p < k; p++ {
					s += a.data[t*aStep+i*k+p] * b.data[t*bStep+p*n+j]
				}
				out.data[t*m*n+i*n+j] = s
			}
		}
	}
	return out
}

func (a nd) permute(perm ...int) nd {
	shape := make([]int, len(perm))
	for i, p := range perm {
		shape[i] = a.shape[p]
	}
	out := ndZeros(shape...)
	src := make([]int, len(perm))
	for i := range out.data {
		idx := unravel(i, shape)
		for d, p := range perm {
			src[p] = idx[d]
		}
		out.data[i] = a.data[ravel(src, a.shape)]
	}
	return out
}

// rowsLast applies f to each row over the last axis.
func (a nd) rowsLast(f func([]float64) []float64) nd { return a.lines(len(a.shape)-1, f) }

func ndOnes(shape ...int) nd {
	out := ndZeros(shape...)
	for i := range out.data {
		out.data[i] = 1
	}
	return out
}
