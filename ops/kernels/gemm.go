// Package kernels holds pare's native compute kernels: SGEMM, vectorised
// elementwise primitives and reductions, and the worker pool that parallel
// loops share. It imports nothing from Starlark.
//
// Each assembly routine has a pure-Go twin with the same contract. The
// assembly is used on amd64 CPUs with the needed features unless the package
// is built with the noasm tag.
package kernels

import (
	"context"
	"fmt"
	"runtime"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(X) is X or its transpose. op(A) is m×k, op(B) is k×n and
// C is m×n. lda, ldb and ldc are the row strides (in elements) of A, B and C
// as stored. When beta is 0, C is overwritten without being read, so NaNs in
// C do not propagate. Elements of c outside the m×n window are never written.
//
// Sgemm runs the fastest native backend for this CPU (see Backends) on up to
// GOMAXPROCS goroutines. Products of fewer than smallFlops operations skip
// packing and run as row updates with the vector routines. It panics when a dimension is negative, a stride is
// smaller than the row it describes, or a slice is too short, because those
// are programming errors, not input errors.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if productFlops(m, n, k) <= smallFlops {
		checkSgemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	defaultBackend.sgemm(runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmContext is Sgemm that stops early when ctx is done: it checks ctx
// before starting and between cache blocks, each at most kc×nc of op(B)
// against all rows of op(A) (with the default kernels, at most 2·m·3072·384
// flops between checks). It returns ctx.Err() when it stops early, leaving C
// partly updated, and nil otherwise.
func SgemmContext(ctx context.Context, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if productFlops(m, n, k) <= smallFlops {
		checkSgemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
		if err := ctx.Err(); err != nil {
			return err
		}
		sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return nil
	}
	return defaultBackend.sgemmContext(ctx, runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// smallFlops is the work (2·m·n·k) up to which Sgemm skips packing, whose
// fixed cost exceeds the product itself for matrices of a few rows.
const smallFlops = 1 << 14

// sgemmSmall computes the product row by row: for each row i of C, beta
// scaling, then one Axpy per element of op(A)'s row (or one Dot per element
// of C when B is transposed). Arguments are already checked.
func sgemmSmall(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
		if transB {
			for j := range row {
				var sum float32
				if transA {
					for p := 0; p < k; p++ {
						sum += a[p*lda+i] * b[j*ldb+p]
					}
				} else {
					sum = dotChunk(a[i*lda:i*lda+k], b[j*ldb:j*ldb+k])
				}
				row[j] += alpha * sum
			}
			continue
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			axpyChunk(alpha*av, b[p*ldb:p*ldb+n], row)
		}
	}
}

// checkSgemmArgs panics with a descriptive message when the arguments do not
// describe valid matrices.
func checkSgemmArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels.Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkMatrix("a", aRows, aCols, a, lda)
	checkMatrix("b", bRows, bCols, b, ldb)
	checkMatrix("c", m, n, c, ldc)
}

func checkMatrix(name string, rows, cols int, data []float32, stride int) {
	if stride < max(cols, 1) {
		panic(fmt.Sprintf("kernels.Sgemm: ld%s=%d is smaller than the %d columns of %s", name, stride, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*stride + cols; len(data) < need {
		panic(fmt.Sprintf("kernels.Sgemm: len(%s)=%d, want at least %d for %d×%d with stride %d", name, len(data), need, rows, cols, stride))
	}
}

// scaleMatrix sets C = beta·C over the m×n window, writing zeros without
// reading C when beta is 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// sgemmReference is the plain triple loop, accumulated in float32. Tests use
// it as a second opinion and the backends never call it.
func sgemmReference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum float32
			for p := 0; p < k; p++ {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				bv := b[p*ldb+j]
				if transB {
					bv = b[j*ldb+p]
				}
				sum += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * sum
			} else {
				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
			}
		}
	}
}

// productFlops returns 2·m·n·k in float64, which cannot overflow where int
// is 32 bits wide.
func productFlops(m, n, k int) float64 { return 2 * float64(m) * float64(n) * float64(k) }
