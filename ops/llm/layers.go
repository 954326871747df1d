package llm

import (
	"math"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// rowGrain is the ParallelFor grain, in rows, of the row-wise kernels.
const rowGrain = 16

// linear computes y[n, out] = x[n, in] · Wᵀ (+ b).
func linear(x []float32, n int, w, b *tensor.Tensor) []float32 {
	out, in := w.Dim(0), w.Dim(1)
	y := tensor.Alloc(n*out, n, out)
	if n == 1 {
		gemv(w.Data(), out, in, x, y)
	} else {
		kernels.Sgemm(false, true, n, out, in, 1, x, in, w.Data(), in, 0, y, out)
	}
	if b != nil {
		bias := b.Data()
		kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				row := y[i*out : (i+1)*out]
				for j, v := range bias {
					row[j] += v
				}
			}
		})
	}
	return y
}

// gemv computes y = W·x for W [out, in] with one dot product per row, in
// parallel. Decoding one token is memory-bound, and this avoids the packing
// that a GEMM does for every call.
func gemv(w []float32, out, in int, x, y []float32) {
	kernels.ParallelFor(out, 64, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			y[j] = kernels.Dot(w[j*in:(j+1)*in], x)
		}
	})
}

// linearBackward accumulates dW += dyᵀ·x (and db += Σ dy) unless dw is nil
// (a frozen weight), and returns dx = dy·W, added into dx when it is not
// nil.
func linearBackward(dy, x []float32, n int, w, dw, db *tensor.Tensor, dx []float32) []float32 {
	out, in := w.Dim(0), w.Dim(1)
	if dw != nil {
		kernels.Sgemm(true, false, out, in, n, 1, dy, out, x, in, 1, dw.Data(), in)
	}
	if db != nil {
		g := db.Data()
		for i := 0; i < n; i++ {
			for j, v := range dy[i*out : (i+1)*out] {
				g[j] += v
			}
		}
	}
	var beta float32 = 1
	if dx == nil {
		dx = tensor.Alloc(n*in, n, in)
		beta = 0
	}
	kernels.Sgemm(false, false, n, in, out, 1, dy, out, w.Data(), in, beta, dx, in)
	return dx
}

// rmsNorm returns y = x / sqrt(mean(x²) + eps) · w per row, and the
// reciprocal RMS of each row.
func rmsNorm(x []float32, n, d int, w *tensor.Tensor, eps float64) (y, rstd []float32) {
	y = tensor.Alloc(n*d, n, d)
	rstd = tensor.Alloc(n, n)
	g := w.Data()
	kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := x[i*d : (i+1)*d]
			var ss float64
			for _, v := range row {
				ss += float64(v) * float64(v)
			}
			r := float32(1 / math.Sqrt(ss/float64(d)+eps))
			rstd[i] = r
			out := y[i*d : (i+1)*d]
			for j, v := range row {
				out[j] = v * r * g[j]
			}
		}
	})
	return y, rstd
}

// rmsNormBackward adds the input gradient of rmsNorm to dx and accumulates
// the scale gradient into dw unless dw is nil. With x̂ = x·r:
// dw += Σ dy·x̂ and dx += r·(dy·w − x̂·mean(dy·w·x̂)).
func rmsNormBackward(dy, x, rstd []float32, n, d int, w, dw *tensor.Tensor, dx []float32) {
	g := w.Data()
	if dw != nil {
		gw := dw.Data()
		for i := 0; i < n; i++ {
			r := rstd[i]
			row, dyr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
			for j := range row {
				gw[j] += dyr[j] * row[j] * r
			}
		}
	}
	kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := rstd[i]
			row, dyr, dxr := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			var dot float64
			for j := range row {
				dot += float64(dyr[j] * g[j] * row[j] * r)
			}
			m := float32(dot / float64(d))
			for j := range row {
				xh := row[j] * r
				dxr[j] += r * (dyr[j]*g[j] - xh*m)
			}
		}
	})
}

// ropeTables returns cos and sin of position·inv_freq for positions
// [0, t), each [t, head_dim/2].
func ropeTables(c *Config, t int) (cos, sin []float32) {
	inv := c.ropeInvFreq()
	half := len(inv)
	cos = make([]float32, t*half)
	sin = make([]float32, t*half)
	for p := 0; p < t; p++ {
		for j, f := range inv {
			a := float64(p) * f
			cos[p*half+j] = float32(math.Cos(a))
			sin[p*half+j] = float32(math.Sin(a))
		}
	}
	return cos, sin
}

// applyRope rotates each head of x[n, heads·hd] in place, row i at position
// pos(i), pairing element j with j + hd/2. inverse applies the transposed
// rotation (the backward pass).
func applyRope(x []float32, n, heads, hd int, pos func(i int) int, cos, sin []float32, inverse bool) {
	half := hd / 2
	width := heads * hd
	kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := pos(i)
			c, s := cos[p*half:(p+1)*half], sin[p*half:(p+1)*half]
			row := x[i*width : (i+1)*width]
			for h := 0; h < heads; h++ {
				a := row[h*hd : h*hd+half]
				b := row[h*hd+half : (h+1)*hd]
				for j := range a {
					x0, x1 := a[j], b[j]
					if inverse {
						a[j] = x0*c[j] + x1*s[j]
						b[j] = x1*c[j] - x0*s[j]
					} else {
						a[j] = x0*c[j] - x1*s[j]
						b[j] = x1*c[j] + x0*s[j]
					}
				}
			}
		}
	})
}

// swiglu returns silu(gate) · up elementwise.
func swiglu(gate, up []float32, n, h int) []float32 {
	act := tensor.Alloc(n*h, n, h)
	kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
		for i := lo * h; i < hi*h; i++ {
			g := gate[i]
			act[i] = g / (1 + expf(-g)) * up[i]
		}
	})
	return act
}

// swigluBackward overwrites dAct with dGate and returns dUp. With
// s = sigmoid(g): d/dg silu(g) = s·(1 + g·(1 − s)).
func swigluBackward(dAct, gate, up []float32, n, h int) (dGate, dUp []float32) {
	dUp = tensor.Alloc(n*h, n, h)
	kernels.ParallelFor(n, rowGrain, func(lo, hi int) {
		for i := lo * h; i < hi*h; i++ {
			g := gate[i]
			s := 1 / (1 + expf(-g))
			da := dAct[i]
			dUp[i] = da * g * s
			dAct[i] = da * up[i] * s * (1 + g*(1-s))
		}
	})
	return dAct, dUp
}

func addInto(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// expf returns e^x in float32 (Cephes expf: range reduction by ln 2 and a
// degree-6 polynomial, relative error about 1e-7). Inputs below −87.3 give
// 0 and above 88.7 give +Inf.
func expf(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	if x > 88.7 {
		return float32(math.Inf(1))
	}
	t := x*1.44269504088896341 + 0.5
	n := int32(t)
	if float32(n) > t {
		n--
	}
	fn := float32(n)
	r := x - fn*0.693359375 + fn*2.12194440e-4
	z := r * r
	p := (((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*z + r + 1
	return p * math.Float32frombits(uint32(n+127)<<23)
}
