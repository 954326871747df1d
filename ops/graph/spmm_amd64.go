//go:build !noasm

package graph

import "golang.org/x/sys/cpu"

// spmmRowAVX2 computes the first width columns (a multiple of 8) of one
// output row with AVX2 and FMA. Equivalent loop:
//
//	for c := 0; c < width; c++ {
//		var sum float32
//		for k := 0; k < nnz; k++ {
//			sum += vals[k] * x[idx[k]*stride+c] // fused multiply-add
//		}
//		dst[c] = sum
//	}
//
//go:noescape
func spmmRowAVX2(dst *float32, x *float32, stride int, idx *int32, vals *float32, nnz int, width int)

var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// spmmRowsAsm computes rows [lo, hi) of out = A·X with the AVX2 kernel and
// finishes the last cols%8 columns in Go. ones replaces A.Values when A is
// unweighted and has at least as many entries as the longest row.
func spmmRowsAsm(a *CSR, x []float32, cols int, out []float32, lo, hi int, ones []float32) {
	width := cols &^ 7
	for i := lo; i < hi; i++ {
		start, end := a.Indptr[i], a.Indptr[i+1]
		dst := out[i*cols : (i+1)*cols]
		if end == start {
			clear(dst)
			continue
		}
		vals := ones
		if a.Values != nil {
			vals = a.Values[start:end]
		}
		idx := a.Indices[start:end]
		if width > 0 {
			spmmRowAVX2(&dst[0], &x[0], cols, &idx[0], &vals[0], end-start, width)
		}
		for c := width; c < cols; c++ {
			var sum float32
			for k, j := range idx {
				sum += vals[k] * x[int(j)*cols+c]
			}
			dst[c] = sum
		}
	}
}
