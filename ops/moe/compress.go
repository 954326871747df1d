package moe

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"pare/ops/ot"
)

// KeptEntries returns round(keep·p·D), the number of entries unstructured
// pruning keeps in a p×D residual, or an error when keep is outside (0, 1]
// or the budget keeps nothing.
func KeptEntries(p, D int, keep float64) (int, error) {
	if !(keep > 0 && keep <= 1) {
		return 0, fmt.Errorf("moe: keep: got %g, want a fraction in (0, 1]", keep)
	}
	n := int(math.Round(keep * float64(p) * float64(D)))
	if n == 0 {
		return 0, fmt.Errorf("moe: keep: got %g, which keeps 0 of the %d×%d residual entries; want a larger budget", keep, p, D)
	}
	return n, nil
}

// PruneMagnitude zeroes all but the round(keep·p·D) entries of largest
// magnitude of R, with one threshold over the whole matrix (all blocks
// together, as ResMoE's unstructured pruning does). Ties at the threshold
// keep the lower flat index, so the result is deterministic. It returns the
// pruned copy and the number of entries kept.
func PruneMagnitude(R ot.Matrix, keep float64) (ot.Matrix, int, error) {
	n, err := KeptEntries(R.Rows, R.Cols, keep)
	if err != nil {
		return ot.Matrix{}, 0, err
	}
	idx := make([]int, len(R.Data))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		va, vb := math.Abs(R.Data[idx[a]]), math.Abs(R.Data[idx[b]])
		if va != vb {
			return va > vb
		}
		return idx[a] < idx[b]
	})
	out := ot.NewMatrix(R.Rows, R.Cols)
	for _, i := range idx[:n] {
		out.Data[i] = R.Data[i]
	}
	return out, n, nil
}

// RankForBudget returns r = ⌊keep·p·D/(p + D)⌋, the largest rank whose
// factors U (p×r) and V (r×D) hold at most keep·p·D numbers, or an error
// when that rank is 0.
func RankForBudget(p, D int, keep float64) (int, error) {
	if !(keep > 0 && keep <= 1) {
		return 0, fmt.Errorf("moe: keep: got %g, want a fraction in (0, 1]", keep)
	}
	r := int(math.Floor(keep * float64(p) * float64(D) / float64(p+D)))
	r = min(r, p, D)
	if r == 0 {
		return 0, fmt.Errorf("moe: keep: got %g, which gives rank 0 for a %d×%d residual (a rank-1 factor needs %d numbers); want a larger budget", keep, p, D, p+D)
	}
	return r, nil
}

// LowRank is a rank-r factorization R ≈ U·V with the singular values
// absorbed into U. U is shared by all blocks of the residual and V splits
// into per-block right factors by columns.
type LowRank struct {
	U ot.Matrix // p×r
	V ot.Matrix // r×D
}

// Dense returns U·V.
func (f LowRank) Dense() ot.Matrix {
	out := ot.NewMatrix(f.U.Rows, f.V.Cols)
	um := mat.NewDense(f.U.Rows, f.U.Cols, f.U.Data)
	vm := mat.NewDense(f.V.Rows, f.V.Cols, f.V.Data)
	mat.NewDense(out.Rows, out.Cols, out.Data).Mul(um, vm)
	return out
}

// TruncatedSVD returns the best rank-r approximation of R in Frobenius norm
// (Eckart–Young) at rank r = RankForBudget(p, D, keep).
func TruncatedSVD(R ot.Matrix, keep float64) (LowRank, error) {
	r, err := RankForBudget(R.Rows, R.Cols, keep)
	if err != nil {
		return LowRank{}, err
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(R.Rows, R.Cols, append([]float64(nil), R.Data...)), mat.SVDThin) {
		return LowRank{}, fmt.Errorf("moe: SVD of the %d×%d residual did not converge", R.Rows, R.Cols)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	sv := svd.Values(nil)

	f := LowRank{U: ot.NewMatrix(R.Rows, r), V: ot.NewMatrix(r, R.Cols)}
	for i := 0; i < R.Rows; i++ {
		for c := 0; c < r; c++ {
			f.U.Data[i*r+c] = u.At(i, c) * sv[c]
		}
	}
	for c := 0; c < r; c++ {
		for j := 0; j < R.Cols; j++ {
			f.V.Data[c*R.Cols+j] = v.At(j, c)
		}
	}
	return f, nil
}

// Restore returns X + R̂, an expert's support points in aligned order.
func Restore(X, residual ot.Matrix) ot.Matrix {
	out := ot.Matrix{Rows: X.Rows, Cols: X.Cols, Data: append([]float64(nil), X.Data...)}
	for t, v := range residual.Data {
		out.Data[t] += v
	}
	return out
}

// RelativeError returns ‖A − B‖_F / ‖B‖_F.
func RelativeError(A, B ot.Matrix) float64 {
	var num, den float64
	for t, b := range B.Data {
		d := A.Data[t] - b
		num += d * d
		den += b * b
	}
	return math.Sqrt(num / den)
}
