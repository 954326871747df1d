package graph

import (
	"fmt"

	"pare/ops/kernels"
)

// SpMM computes out = A·X for a sparse A (Rows×Cols) and a dense row-major X
// (A.Cols×cols), overwriting out (A.Rows×cols). Rows of out are computed in
// parallel on the shared worker pool. Each output row is written by one
// goroutine, so the result does not depend on the number of threads.
// It returns an error when the slice lengths do not match the shapes.
//
// On amd64 with AVX2 and FMA an assembly kernel computes each output
// element with fused multiply-adds in the order of the row's entries; the
// pure-Go twin rounds after each multiply, so the two agree to float32
// rounding, not bit for bit.
func SpMM(a *CSR, x []float32, cols int, out []float32) error {
	if cols < 0 || len(x) != a.Cols*cols {
		return fmt.Errorf("graph: SpMM: X has %d values, want %d×%d", len(x), a.Cols, cols)
	}
	if len(out) != a.Rows*cols {
		return fmt.Errorf("graph: SpMM: output has %d values, want %d×%d", len(out), a.Rows, cols)
	}
	// A grain of about 64k multiply-adds keeps scheduling overhead small.
	avg := 1 + a.NNZ()/max(a.Rows, 1)
	grain := max(1, (1<<16)/max(1, avg*cols))
	if !useAsm || cols < 8 {
		kernels.ParallelFor(a.Rows, grain, func(lo, hi int) {
			spmmRows(a, x, cols, out, lo, hi)
		})
		return nil
	}
	var ones []float32
	if a.Values == nil {
		longest := 0
		for i := 0; i < a.Rows; i++ {
			longest = max(longest, a.Indptr[i+1]-a.Indptr[i])
		}
		ones = make([]float32, longest)
		for k := range ones {
			ones[k] = 1
		}
	}
	kernels.ParallelFor(a.Rows, grain, func(lo, hi int) {
		spmmRowsAsm(a, x, cols, out, lo, hi, ones)
	})
	return nil
}

// useAsm selects the assembly kernel where the CPU supports it; tests turn
// it off to check the pure-Go twin.
var useAsm = haveAVX2FMA

func spmmRows(a *CSR, x []float32, cols int, out []float32, lo, hi int) {
	for i := lo; i < hi; i++ {
		dst := out[i*cols : (i+1)*cols]
		clear(dst)
		start, end := a.Indptr[i], a.Indptr[i+1]
		for k := start; k < end; k++ {
			w := float32(1)
			if a.Values != nil {
				w = a.Values[k]
			}
			j := int(a.Indices[k])
			axpy(w, x[j*cols:(j+1)*cols], dst)
		}
	}
}

// axpy computes dst += w·src, unrolled by 8 so the compiler keeps the
// partial products in registers.
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
