package eval

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// SimilaritySearch returns, for each k in ks, the mean over rows of the
// fraction of the row's k most cosine-similar other rows that share its
// label (the similarity-search score of graph SSL evaluations, k in
// {5, 10, 20, 50, 100} by convention). It needs the n×n similarity matrix,
// so n is limited to 20000.
func SimilaritySearch(emb []float32, n, d int, y []int, ks []int) ([]float64, error) {
	if n <= 1 || d <= 0 || len(emb) != n*d {
		return nil, fmt.Errorf("eval: embeddings have %d values, want n×d = %d×%d with n > 1", len(emb), n, d)
	}
	if len(y) != n {
		return nil, fmt.Errorf("eval: %d labels for %d rows", len(y), n)
	}
	if n > 20000 {
		return nil, fmt.Errorf("eval: similarity search on %d rows needs an n×n matrix; the limit is 20000 rows", n)
	}
	for _, k := range ks {
		if k < 1 || k >= n {
			return nil, fmt.Errorf("eval: similarity search k = %d, want 1 <= k < %d", k, n)
		}
	}
	unit := make([]float64, n*d)
	for i := 0; i < n; i++ {
		norm := 0.0
		for _, v := range emb[i*d : (i+1)*d] {
			norm += float64(v) * float64(v)
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			norm = 1
		}
		for j, v := range emb[i*d : (i+1)*d] {
			unit[i*d+j] = float64(v) / norm
		}
	}
	u := mat.NewDense(n, d, unit)
	var sim mat.Dense
	sim.Mul(u, u.T())

	kmax := slices.Max(ks)
	sums := make([]float64, len(ks))
	idx := make([]int, 0, n-1)
	for i := 0; i < n; i++ {
		row := sim.RawRowView(i)
		idx = idx[:0]
		for j := 0; j < n; j++ {
			if j != i {
				idx = append(idx, j)
			}
		}
		partialTop(idx, row, kmax)
		same := 0
		for rank, j := range idx[:kmax] {
			if y[j] == y[i] {
				same++
			}
			for q, k := range ks {
				if rank+1 == k {
					sums[q] += float64(same) / float64(k)
				}
			}
		}
	}
	for q := range sums {
		sums[q] /= float64(n)
	}
	return sums, nil
}

// partialTop reorders idx so that its first k entries are those with the
// largest score, in decreasing order (ties by smaller index).
func partialTop(idx []int, score []float64, k int) {
	less := func(a, b int) bool {
		if score[a] != score[b] {
			return score[a] > score[b]
		}
		return a < b
	}
	// Selection by a bounded insertion: fine for k up to a few hundred.
	for i := 0; i < len(idx); i++ {
		if i >= k && !less(idx[i], idx[k-1]) {
			continue
		}
		v := idx[i]
		j := min(i, k-1)
		if i >= k {
			idx[i] = idx[k-1]
		}
		for j > 0 && less(v, idx[j-1]) {
			idx[j] = idx[j-1]
			j--
		}
		idx[j] = v
	}
}

// PCA2 projects the rows of x (n×d) onto the two leading principal
// components of the centered data and returns the n×2 coordinates and the
// fraction of variance each component explains.
func PCA2(x []float32, n, d int) ([]float64, [2]float64, error) {
	var ratio [2]float64
	if n < 2 || d < 1 || len(x) != n*d {
		return nil, ratio, fmt.Errorf("eval: PCA input has %d values, want n×d = %d×%d with n >= 2", len(x), n, d)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[i*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centered := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			centered.Set(i, j, float64(x[i*d+j])-mean[j])
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(n-1), centered.T())
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, ratio, fmt.Errorf("eval: PCA eigendecomposition did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	total := 0.0
	for _, v := range vals {
		total += math.Max(v, 0)
	}
	out := make([]float64, n*2)
	for c := 0; c < min(2, d); c++ {
		col := d - 1 - c
		if total > 0 {
			ratio[c] = math.Max(vals[col], 0) / total
		}
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += centered.At(i, j) * vecs.At(j, col)
			}
			out[i*2+c] = s
		}
	}
	return out, ratio, nil
}
