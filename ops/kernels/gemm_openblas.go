//go:build openblas

package kernels

import "pare/ops/kernels/internal/openblas"

var openblasBackend = &gemmBackend{name: "openblas", external: sgemmOpenBLAS}

// libraryGemmBackends returns the OpenBLAS backend of this openblas build.
func libraryGemmBackends() []*gemmBackend { return []*gemmBackend{openblasBackend} }

func sgemmOpenBLAS(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// Keep the package contract that beta = 0 never reads C.
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	openblas.Sgemm(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func libraryDescription(name string) string {
	if name == "openblas" {
		return openblas.Description()
	}
	return ""
}
