package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"pare/ops/kernels"
)

// SimilaritySearch returns, for each k in ks, the mean over rows of the
// fraction of the row's k most cosine-similar other rows that share its
// label (the similarity-search score of graph SSL evaluations, k in
// {5, 10, 20, 50, 100} by convention). It needs the n×n similarity matrix,
// so n is limited to 20000. It returns ctx's error when ctx ends.
func SimilaritySearch(ctx context.Context, emb []float32, n, d int, y []int, ks []int) ([]float64, error) {
	if n <= 1 || d <= 0 || len(emb) != n*d {
		return nil, fmt.Errorf("eval: embeddings have %d values, want n×d = %d×%d with n > 1", len(emb), n, d)
	}
	if len(y) != n {
		return nil, fmt.Errorf("eval: %d labels for %d rows", len(y), n)
	}
	if n > 20000 {
		return nil, fmt.Errorf("eval: similarity search on %d rows needs an n×n matrix; the limit is 20000 rows", n)
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("eval: similarity search got no k values; want at least one k")
	}
	if err := CheckFinite(emb, n, d); err != nil {
		return nil, err
	}
	for _, k := range ks {
		if k < 1 || k >= n {
			return nil, fmt.Errorf("eval: similarity search k = %d, want 1 <= k < %d", k, n)
		}
	}
	unit := make([]float32, n*d)
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
			unit[i*d+j] = float32(float64(v) / norm)
		}
	}
	sim := make([]float32, n*n)
	if err := kernels.SgemmContext(ctx, false, true, n, n, d, 1, unit, d, unit, d, 0, sim, n); err != nil {
		return nil, err
	}

	kmax := slices.Max(ks)
	sums := make([]float64, len(ks))
	idx := make([]int, 0, n-1)
	for i := 0; i < n; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row := sim[i*n : (i+1)*n]
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
func partialTop[F float32 | float64](idx []int, score []F, k int) {
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
// fraction of the total variance each component explains. The components
// come from block power iteration on the covariance matrix (see topEigen),
// which needs far less work than a full eigendecomposition when d is in the
// hundreds.
func PCA2(x []float32, n, d int) ([]float64, [2]float64, error) {
	var ratio [2]float64
	if n < 2 || d < 1 || len(x) != n*d {
		return nil, ratio, fmt.Errorf("eval: PCA input has %d values, want n×d = %d×%d with n >= 2", len(x), n, d)
	}
	if err := CheckFinite(x, n, d); err != nil {
		return nil, ratio, err
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
	centered := make([]float32, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			centered[i*d+j] = float32(float64(x[i*d+j]) - mean[j])
		}
	}
	cov32 := make([]float32, d*d)
	kernels.Sgemm(true, false, d, d, n, float32(1/float64(n-1)), centered, d, centered, d, 0, cov32, d)
	cov := mat.NewSymDense(d, nil)
	total := 0.0
	for i := 0; i < d; i++ {
		total += float64(cov32[i*d+i])
		for j := i; j < d; j++ {
			cov.SetSym(i, j, float64(cov32[i*d+j]))
		}
	}

	comps, vals, err := topEigen(cov, min(2, d))
	if err != nil {
		return nil, ratio, err
	}
	out := make([]float64, n*2)
	for c := range comps {
		if total > 0 {
			ratio[c] = math.Max(vals[c], 0) / total
		}
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += float64(centered[i*d+j]) * comps[c][j]
			}
			out[i*2+c] = s
		}
	}
	return out, ratio, nil
}

// topEigen returns the k leading eigenvectors and eigenvalues of the
// symmetric positive semi-definite matrix c, by simultaneous (block power)
// iteration with a block of max(k, 16) vectors (at most d) followed by a
// Rayleigh-Ritz step. Iteration stops when the Rayleigh quotients of the
// first k block columns change by less than 1e-10 relative, or after 500
// iterations.
//
// NOTE: with a nearly flat spectrum (λ_k close to λ_17) 500 iterations may
// not separate the leading directions; the projection is then one of many
// almost equivalent ones, and the explained-variance ratios stay accurate.
func topEigen(c *mat.SymDense, k int) ([][]float64, []float64, error) {
	d := c.SymmetricDim()
	b := min(d, max(k, 16))
	rng := rand.New(rand.NewPCG(0x9ca, 2))
	q := mat.NewDense(d, b, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < b; j++ {
			q.Set(i, j, rng.NormFloat64())
		}
	}
	orthonormalize(q)
	var z mat.Dense
	prev := make([]float64, b)
	for iter := 0; iter < 500; iter++ {
		z.Mul(c, q)
		// The leading columns converge first; only they are checked.
		changed := 0.0
		for j := 0; j < k; j++ {
			r := mat.Dot(q.ColView(j), z.ColView(j))
			changed = math.Max(changed, math.Abs(r-prev[j])/math.Max(math.Abs(r), 1e-300))
			prev[j] = r
		}
		q.Copy(&z)
		orthonormalize(q)
		if iter > 10 && changed < 1e-10 {
			break
		}
	}

	var small mat.Dense // qᵀ c q, b×b
	z.Mul(c, q)
	small.Mul(q.T(), &z)
	sym := mat.NewSymDense(b, nil)
	for i := 0; i < b; i++ {
		for j := i; j < b; j++ {
			sym.SetSym(i, j, (small.At(i, j)+small.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return nil, nil, fmt.Errorf("eval: PCA eigendecomposition did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs, full mat.Dense
	eig.VectorsTo(&vecs)
	full.Mul(q, &vecs)
	comps := make([][]float64, k)
	out := make([]float64, k)
	for c := 0; c < k; c++ {
		col := b - 1 - c
		comps[c] = mat.Col(nil, col, &full)
		out[c] = vals[col]
	}
	return comps, out, nil
}

// orthonormalize applies modified Gram-Schmidt to the columns of q. A
// column that becomes zero is left as zero.
func orthonormalize(q *mat.Dense) {
	d, b := q.Dims()
	col := make([]float64, d)
	for j := 0; j < b; j++ {
		mat.Col(col, j, q)
		for p := 0; p < j; p++ {
			prev := mat.Col(nil, p, q)
			dot := 0.0
			for i := range col {
				dot += col[i] * prev[i]
			}
			for i := range col {
				col[i] -= dot * prev[i]
			}
		}
		norm := 0.0
		for _, v := range col {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		if norm > 0 {
			for i := range col {
				col[i] /= norm
			}
		}
		q.SetCol(j, col)
	}
}
