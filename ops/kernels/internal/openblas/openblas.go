//go:build openblas

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>

// Declared by OpenBLAS's cblas.h; repeated so a generic cblas.h also works.
void openblas_set_num_threads(int num_threads);
char* openblas_get_config(void);
char* openblas_get_corename(void);
*/
import "C"

import (
	"sync"
	"unsafe"
)

// mu serialises calls, because openblas_set_num_threads changes library-wide
// state. The backend exists to compare against, not to serve concurrent
// callers.
var mu sync.Mutex

func floatPointer(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(unsafe.SliceData(s)))
}

// Sgemm calls cblas_sgemm in row-major order on threads OpenBLAS threads.
// The caller checks the arguments; m, n and k must be positive.
func Sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	mu.Lock()
	defer mu.Unlock()
	C.openblas_set_num_threads(C.int(threads))
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb),
		C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), floatPointer(a), C.blasint(lda), floatPointer(b), C.blasint(ldb),
		C.float(beta), floatPointer(c), C.blasint(ldc))
}

// Description returns OpenBLAS's build configuration and the core type it
// selected (the OPENBLAS_CORETYPE environment variable overrides detection).
func Description() string {
	return C.GoString(C.openblas_get_config()) + " core=" + C.GoString(C.openblas_get_corename())
}
