//go:build noasm || !amd64

package graph

const haveAVX2FMA = false

func spmmRowsAsm(a *CSR, x []float32, cols int, out []float32, lo, hi int, ones []float32) {
	spmmRows(a, x, cols, out, lo, hi)
}
