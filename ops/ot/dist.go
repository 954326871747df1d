package ot

import (
	"fmt"
	"math"

	"pare/ops/kernels"
)

// Metric names a ground cost between two points.
type Metric string

// Metrics accepted by Dist, with the names of scipy.spatial.distance.cdist
// that POT's ot.dist forwards to.
const (
	SqEuclidean Metric = "sqeuclidean" // ‖x − y‖²
	Euclidean   Metric = "euclidean"   // ‖x − y‖
	Cityblock   Metric = "cityblock"   // Σ |x_k − y_k|
	Cosine      Metric = "cosine"      // 1 − ⟨x, y⟩ / (‖x‖ ‖y‖)
)

// Dist returns the n×m matrix of costs metric(x[i], y[j]) between the rows
// of x (n×d) and y (m×d). Errors name x and y as POT does, x1 and x2.
//
// The squared Euclidean and cosine costs use one float64 GEMM for the inner
// products: ‖x‖² + ‖y‖² − 2⟨x, y⟩, clamped at 0 because rounding can make a
// tiny distance negative. The Euclidean cost is its square root. Cosine
// rejects zero rows, for which the cost is undefined.
func Dist(x, y Matrix, metric Metric) (Matrix, error) {
	if err := checkFinite("x1", x); err != nil {
		return Matrix{}, err
	}
	if err := checkFinite("x2", y); err != nil {
		return Matrix{}, err
	}
	if x.Cols != y.Cols {
		return Matrix{}, inputErr("x2", fmt.Sprintf("%d columns", y.Cols), fmt.Sprintf("%d columns like x1", x.Cols))
	}
	switch metric {
	case SqEuclidean, Euclidean:
		d := sqEuclidean(x, y)
		if metric == Euclidean {
			for k, v := range d.Data {
				d.Data[k] = math.Sqrt(v)
			}
		}
		return d, nil
	case Cosine:
		return cosine(x, y)
	case Cityblock:
		return cityblock(x, y), nil
	}
	return Matrix{}, inputErr("metric", fmt.Sprintf("%q", metric), `one of "sqeuclidean", "euclidean", "cityblock", "cosine"`)
}

// rowSqNorms returns ‖row i‖² for every row of m.
func rowSqNorms(m Matrix) []float64 {
	out := make([]float64, m.Rows)
	for i := range out {
		var s float64
		for _, v := range m.Row(i) {
			s += v * v
		}
		out[i] = s
	}
	return out
}

func sqEuclidean(x, y Matrix) Matrix {
	c := gemmABt(x, y)
	nx, ny := rowSqNorms(x), rowSqNorms(y)
	kernels.ParallelFor(c.Rows, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := c.Row(i)
			for j, g := range row {
				row[j] = max(nx[i]+ny[j]-2*g, 0)
			}
		}
	})
	return c
}

func cosine(x, y Matrix) (Matrix, error) {
	nx, ny := rowSqNorms(x), rowSqNorms(y)
	for i, v := range nx {
		if v == 0 {
			return Matrix{}, inputErr(fmt.Sprintf("x1[%d]", i), "a zero vector", "a nonzero vector for the cosine metric")
		}
	}
	for j, v := range ny {
		if v == 0 {
			return Matrix{}, inputErr(fmt.Sprintf("x2[%d]", j), "a zero vector", "a nonzero vector for the cosine metric")
		}
	}
	c := gemmABt(x, y)
	for i := 0; i < c.Rows; i++ {
		row := c.Row(i)
		for j, g := range row {
			row[j] = 1 - g/math.Sqrt(nx[i]*ny[j])
		}
	}
	return c, nil
}

func cityblock(x, y Matrix) Matrix {
	c := NewMatrix(x.Rows, y.Rows)
	kernels.ParallelFor(x.Rows, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x.Row(i)
			row := c.Row(i)
			for j := range row {
				var s float64
				for k, v := range y.Row(j) {
					s += math.Abs(xi[k] - v)
				}
				row[j] = s
			}
		}
	})
	return c
}
