//go:build noasm || !amd64

package kernels

// useVectorAsm is false: this build has no assembly vector routines, and the
// functions below are never called.
const useVectorAsm = false

func addAVX2(dst, x, y []float32)                               { panic("kernels: no assembly") }
func addStreamAVX2(dst, x, y []float32)                         { panic("kernels: no assembly") }
func subAVX2(dst, x, y []float32)                               { panic("kernels: no assembly") }
func subStreamAVX2(dst, x, y []float32)                         { panic("kernels: no assembly") }
func mulAVX2(dst, x, y []float32)                               { panic("kernels: no assembly") }
func mulStreamAVX2(dst, x, y []float32)                         { panic("kernels: no assembly") }
func divAVX2(dst, x, y []float32)                               { panic("kernels: no assembly") }
func divStreamAVX2(dst, x, y []float32)                         { panic("kernels: no assembly") }
func scaleAVX2(dst []float32, alpha float32, x []float32)       { panic("kernels: no assembly") }
func scaleStreamAVX2(dst []float32, alpha float32, x []float32) { panic("kernels: no assembly") }
func axpyAVX2(alpha float32, x, y []float32)                    { panic("kernels: no assembly") }
func dotAVX2(x, y []float32) float32                            { panic("kernels: no assembly") }
func sumAVX2(x []float32) float32                               { panic("kernels: no assembly") }
func maxAVX2(x []float32) float32                               { panic("kernels: no assembly") }
func minAVX2(x []float32) float32                               { panic("kernels: no assembly") }
