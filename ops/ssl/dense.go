package ssl

import (
	"fmt"

	"pare/ops/kernels"
)

// DenseMatrix is a constant dense row-major matrix used where SpMM expects
// a sparse one: MVGRL's diffusion matrix has no zero entries (it is not
// sparsified, as in the original code), so a GEMM is faster than a CSR
// product over every entry.
type DenseMatrix struct {
	Rows, Cols int
	Data       []float32 // Rows × Cols, row-major
}

// Dims returns the number of rows and columns.
func (m *DenseMatrix) Dims() (int, int) { return m.Rows, m.Cols }

// MulDense overwrites out (Rows × width) with m·x.
func (m *DenseMatrix) MulDense(x []float32, width int, out []float32) {
	kernels.Sgemm(false, false, m.Rows, width, m.Cols, 1, m.Data, m.Cols, x, width, 0, out, width)
}

// MulTransDenseAdd adds mᵀ·y to out (Cols × width).
func (m *DenseMatrix) MulTransDenseAdd(y []float32, width int, out []float32) {
	kernels.Sgemm(true, false, m.Cols, width, m.Rows, 1, m.Data, m.Cols, y, width, 1, out, width)
}

// DenseBlock returns the square block of the dense n × n matrix s on the
// consecutive ids [start, start+size).
func DenseBlock(s []float32, n, start, size int) (*DenseMatrix, error) {
	if len(s) != n*n || start < 0 || size <= 0 || start+size > n {
		return nil, fmt.Errorf("ssl: block [%d, %d) of a %d×%d matrix with %d values", start, start+size, n, n, len(s))
	}
	out := &DenseMatrix{Rows: size, Cols: size, Data: make([]float32, size*size)}
	for i := 0; i < size; i++ {
		copy(out.Data[i*size:(i+1)*size], s[(start+i)*n+start:(start+i)*n+start+size])
	}
	return out, nil
}
