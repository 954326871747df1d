package autograd

import (
	"fmt"
	"sync"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// SparseMatrix is a constant sparse matrix that SpMM multiplies with a dense
// Var. A graph package can implement it with its own kernels; CSR is the
// implementation in this package.
type SparseMatrix interface {
	// Dims returns the number of rows and columns.
	Dims() (rows, cols int)
	// MulDense overwrites out (rows × width, row-major) with A·x, where x
	// is cols × width.
	MulDense(x []float32, width int, out []float32)
	// MulTransDenseAdd adds Aᵀ·y to out (cols × width), where y is
	// rows × width.
	MulTransDenseAdd(y []float32, width int, out []float32)
}

// CSR is a sparse matrix in compressed sparse row form: the entries of row i
// are Values[Indptr[i]:Indptr[i+1]] in columns Indices[Indptr[i]:Indptr[i+1]].
// A nil Values means every stored entry is 1.
type CSR struct {
	Rows, Cols int
	Indptr     []int
	Indices    []int32
	Values     []float32

	transOnce sync.Once
	trans     *CSR
}

// Validate checks the index arrays, so kernels can run without bounds
// surprises.
func (a *CSR) Validate() error {
	if a.Rows < 0 || a.Cols < 0 {
		return fmt.Errorf("csr: negative dimensions %d × %d", a.Rows, a.Cols)
	}
	if len(a.Indptr) != a.Rows+1 {
		return fmt.Errorf("csr: indptr has %d entries; want rows+1 = %d", len(a.Indptr), a.Rows+1)
	}
	if a.Indptr[0] != 0 || a.Indptr[a.Rows] != len(a.Indices) {
		return fmt.Errorf("csr: indptr runs from %d to %d; want 0 to %d (the number of indices)", a.Indptr[0], a.Indptr[a.Rows], len(a.Indices))
	}
	for i := 0; i < a.Rows; i++ {
		if a.Indptr[i+1] < a.Indptr[i] {
			return fmt.Errorf("csr: indptr decreases at row %d", i)
		}
	}
	if a.Values != nil && len(a.Values) != len(a.Indices) {
		return fmt.Errorf("csr: %d values for %d indices", len(a.Values), len(a.Indices))
	}
	for p, j := range a.Indices {
		if j < 0 || int(j) >= a.Cols {
			return fmt.Errorf("csr: entry %d has column %d, outside [0, %d)", p, j, a.Cols)
		}
	}
	return nil
}

// Dims returns the number of rows and columns.
func (a *CSR) Dims() (int, int) { return a.Rows, a.Cols }

// MulDense overwrites out with A·x, parallel over rows.
func (a *CSR) MulDense(x []float32, width int, out []float32) {
	nnzPerRow := 1 + len(a.Indices)/max(a.Rows, 1)
	kernels.ParallelFor(a.Rows, max(1, parallelGrain/(nnzPerRow*max(width, 1))), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst := out[i*width : (i+1)*width]
			clear(dst)
			for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
				v := float32(1)
				if a.Values != nil {
					v = a.Values[p]
				}
				axpy(v, x[int(a.Indices[p])*width:(int(a.Indices[p])+1)*width], dst)
			}
		}
	})
}

// MulTransDenseAdd adds Aᵀ·y to out through the transpose, which is built
// once and cached, so the rows of out are written by one goroutine each.
func (a *CSR) MulTransDenseAdd(y []float32, width int, out []float32) {
	t := a.Transpose()
	nnzPerRow := 1 + len(t.Indices)/max(t.Rows, 1)
	kernels.ParallelFor(t.Rows, max(1, parallelGrain/(nnzPerRow*max(width, 1))), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst := out[i*width : (i+1)*width]
			for p := t.Indptr[i]; p < t.Indptr[i+1]; p++ {
				v := float32(1)
				if t.Values != nil {
					v = t.Values[p]
				}
				axpy(v, y[int(t.Indices[p])*width:(int(t.Indices[p])+1)*width], dst)
			}
		}
	})
}

// Transpose returns Aᵀ in CSR form, computed on first use and cached. The
// caller must not modify a afterwards.
func (a *CSR) Transpose() *CSR {
	a.transOnce.Do(func() {
		t := &CSR{Rows: a.Cols, Cols: a.Rows, Indptr: make([]int, a.Cols+1), Indices: make([]int32, len(a.Indices))}
		if a.Values != nil {
			t.Values = make([]float32, len(a.Values))
		}
		for _, j := range a.Indices {
			t.Indptr[j+1]++
		}
		for j := 0; j < a.Cols; j++ {
			t.Indptr[j+1] += t.Indptr[j]
		}
		next := append([]int(nil), t.Indptr[:a.Cols]...)
		for i := 0; i < a.Rows; i++ {
			for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
				j := a.Indices[p]
				q := next[j]
				next[j]++
				t.Indices[q] = int32(i)
				if a.Values != nil {
					t.Values[q] = a.Values[p]
				}
			}
		}
		a.trans = t
	})
	return a.trans
}

// SpMM returns A·x for a constant sparse A (rows × cols) and a dense x
// (cols × width). The gradient flows to x only: dx = Aᵀ·dy.
func SpMM(a SparseMatrix, x *Var) *Var {
	rows, cols := a.Dims()
	xs := x.Shape()
	if len(xs) != 2 || xs[0] != cols {
		throw("spmm", "dense operand has shape %s; want (%d, width) for a %d × %d sparse matrix", tensor.ShapeString(xs), cols, rows, cols)
	}
	width := xs[1]
	outT := tensor.New(rows, width)
	a.MulDense(x.Data(), width, outT.Data())
	out := result("spmm", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			a.MulTransDenseAdd(g, width, x.gradData())
		}
	}
	return out
}

// axpy adds w·src to dst, unrolled by 8 so partial products stay in
// registers.
func axpy(w float32, src, dst []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		s := src[i : i+8 : i+8]
		d := dst[i : i+8 : i+8]
		d[0] += w * s[0]
		d[1] += w * s[1]
		d[2] += w * s[2]
		d[3] += w * s[3]
		d[4] += w * s[4]
		d[5] += w * s[5]
		d[6] += w * s[6]
		d[7] += w * s[7]
	}
	for ; i < n; i++ {
		dst[i] += w * src[i]
	}
}
