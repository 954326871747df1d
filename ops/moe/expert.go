package moe

import (
	"fmt"

	"pare/ops/ot"
)

// Expert is one feed-forward expert: W1 and W3 are p×d (W3 is empty for a
// two-matrix ReLU/GELU expert) and W2 is d×p, with no biases.
type Expert struct {
	W1, W3, W2 ot.Matrix
}

// Gated reports whether e has a W3 block (SwiGLU).
func (e Expert) Gated() bool { return e.W3.Rows > 0 }

// Stack returns the p×D support-point matrix S = [W1 | W3 | W2ᵀ] (D = 3d,
// or [W1 | W2ᵀ] with D = 2d), one row per hidden neuron. The block order is
// fixed, so rows of different experts are comparable.
func Stack(e Expert) (ot.Matrix, error) {
	p, d := e.W1.Rows, e.W1.Cols
	if len(e.W1.Data) != p*d {
		return ot.Matrix{}, fmt.Errorf("moe: W1: got %d×%d with %d elements", p, d, len(e.W1.Data))
	}
	if e.W2.Rows != d || e.W2.Cols != p || len(e.W2.Data) != p*d {
		return ot.Matrix{}, fmt.Errorf("moe: W2: got %d×%d, want %d×%d (d×p) to match W1", e.W2.Rows, e.W2.Cols, d, p)
	}
	blocks := 2
	if e.Gated() {
		if e.W3.Rows != p || e.W3.Cols != d || len(e.W3.Data) != p*d {
			return ot.Matrix{}, fmt.Errorf("moe: W3: got %d×%d, want %d×%d like W1", e.W3.Rows, e.W3.Cols, p, d)
		}
		blocks = 3
	}
	S := ot.NewMatrix(p, blocks*d)
	for j := 0; j < p; j++ {
		row := S.Row(j)
		copy(row[:d], e.W1.Row(j))
		off := d
		if e.Gated() {
			copy(row[d:2*d], e.W3.Row(j))
			off = 2 * d
		}
		for c := 0; c < d; c++ {
			row[off+c] = e.W2.Data[c*p+j]
		}
	}
	return S, nil
}

// Split inverts Stack: it cuts the p×D matrix S into W1, W3 (when gated)
// and W2 for model width d.
func Split(S ot.Matrix, d int, gated bool) (Expert, error) {
	blocks := 2
	if gated {
		blocks = 3
	}
	if d <= 0 || S.Cols != blocks*d {
		return Expert{}, fmt.Errorf("moe: S: got %d columns, want %d = %d blocks × d = %d", S.Cols, blocks*d, blocks, d)
	}
	p := S.Rows
	e := Expert{W1: ot.NewMatrix(p, d), W2: ot.NewMatrix(d, p)}
	if gated {
		e.W3 = ot.NewMatrix(p, d)
	}
	for j := 0; j < p; j++ {
		row := S.Row(j)
		copy(e.W1.Row(j), row[:d])
		off := d
		if gated {
			copy(e.W3.Row(j), row[d:2*d])
			off = 2 * d
		}
		for c := 0; c < d; c++ {
			e.W2.Data[c*p+j] = row[off+c]
		}
	}
	return e, nil
}

// PermuteRows returns the matrix whose row j is S[perm[j]].
func PermuteRows(S ot.Matrix, perm []int) ot.Matrix {
	out := ot.NewMatrix(S.Rows, S.Cols)
	for j, l := range perm {
		copy(out.Row(j), S.Row(l))
	}
	return out
}

// InversePermuteRows undoes PermuteRows: row perm[j] of the result is A[j].
// It puts restored neurons back in the original order, which only
// element-wise comparisons with the original weights need.
func InversePermuteRows(A ot.Matrix, perm []int) ot.Matrix {
	out := ot.NewMatrix(A.Rows, A.Cols)
	for j, l := range perm {
		copy(out.Row(l), A.Row(j))
	}
	return out
}
