package tensor

import (
	"math"

	"pare/ops/kernels"
)

// unary applies f to every element of t into a new contiguous tensor, on the
// worker pool above parallelGrain elements.
func unary(t *Tensor, f func(dst, src []float32)) *Tensor {
	var out, src *Tensor
	if t.IsContiguous() {
		out = New(t.shape...)
		src = t
	} else {
		out = t.Contiguous()
		src = out
	}
	n := len(out.data)
	in := src.data[src.offset : src.offset+n]
	if n <= parallelGrain {
		f(out.data, in)
		return out
	}
	kernels.ParallelFor(n, parallelGrain, func(lo, hi int) { f(out.data[lo:hi], in[lo:hi]) })
	return out
}

// mapUnary lifts a per-element function to a slice kernel.
// NOTE: exp, log, tanh, sigmoid, silu and gelu call Go's float64 math per
// element (about 9 ns each on the development machine), far below memory
// speed; vectorised float32 versions would belong in ops/kernels.
func mapUnary(f func(x float32) float32) func(dst, src []float32) {
	return func(dst, src []float32) {
		src = src[:len(dst)]
		for i, x := range src {
			dst[i] = f(x)
		}
	}
}

// Neg returns -t.
func Neg(t *Tensor) *Tensor { return Scale(t, -1) }

// Abs returns |t|.
func Abs(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return float32(math.Abs(float64(x))) }))
}

// Exp returns e^t, computed in float64 and rounded.
func Exp(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return float32(math.Exp(float64(x))) }))
}

// Log returns the natural logarithm of t: -Inf at 0, NaN below 0.
func Log(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return float32(math.Log(float64(x))) }))
}

// Sqrt returns the square root of t: NaN below 0.
func Sqrt(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return float32(math.Sqrt(float64(x))) }))
}

// Tanh returns the hyperbolic tangent of t.
func Tanh(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return float32(math.Tanh(float64(x))) }))
}

// Sigmoid returns 1/(1+e^-t), evaluated without overflow for large |t|.
func Sigmoid(t *Tensor) *Tensor { return unary(t, mapUnary(sigmoid)) }

func sigmoid(x float32) float32 {
	v := float64(x)
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-v)))
	}
	e := math.Exp(v)
	return float32(e / (1 + e))
}

// Relu returns max(t, 0); NaN stays NaN.
func Relu(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 {
		if x < 0 {
			return 0
		}
		return x
	}))
}

// Silu returns t·sigmoid(t), also called swish.
func Silu(t *Tensor) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 { return x * sigmoid(x) }))
}

// Gelu returns the Gaussian error linear unit x·Φ(x) (Hendrycks and Gimpel,
// arXiv:1606.08415). With approximate set it uses their tanh form
// 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), as PyTorch's approximate="tanh".
func Gelu(t *Tensor, approximate bool) *Tensor {
	if approximate {
		c := math.Sqrt(2 / math.Pi)
		return unary(t, mapUnary(func(x float32) float32 {
			v := float64(x)
			return float32(0.5 * v * (1 + math.Tanh(c*(v+0.044715*v*v*v))))
		}))
	}
	return unary(t, mapUnary(func(x float32) float32 {
		v := float64(x)
		return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
	}))
}

// Clip limits t to [lo, hi]. A NaN bound means no bound on that side; NaN
// elements stay NaN.
func Clip(t *Tensor, lo, hi float32) *Tensor {
	return unary(t, mapUnary(func(x float32) float32 {
		if x < lo {
			return lo
		}
		if x > hi {
			return hi
		}
		return x
	}))
}

// Scale returns s·t.
func Scale(t *Tensor, s float32) *Tensor {
	if !t.IsContiguous() {
		out := t.Contiguous()
		kernels.Scale(out.data, s, out.data)
		return out
	}
	out := New(t.shape...)
	kernels.Scale(out.data, s, t.data[t.offset:t.offset+len(out.data)])
	return out
}
