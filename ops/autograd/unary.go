package autograd

import (
	"math"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// unary applies f elementwise and records grad(x, y) = dy/dx, evaluated from
// the input x and the output y.
func unary(name string, x *Var, f func(x float32) float32, grad func(x, y float32) float32) *Var {
	xd := x.Data()
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	kernels.ParallelFor(len(od), parallelGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			od[i] = f(xd[i])
		}
	})
	out := result(name, outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			kernels.ParallelFor(len(g), parallelGrain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					gx[i] += g[i] * grad(xd[i], od[i])
				}
			})
		}
	}
	return out
}

// Neg returns −x.
func Neg(x *Var) *Var {
	return unary("neg", x, func(x float32) float32 { return -x }, func(_, _ float32) float32 { return -1 })
}

// AddScalar returns x + s.
func AddScalar(x *Var, s float32) *Var {
	return unary("add_scalar", x, func(x float32) float32 { return x + s }, func(_, _ float32) float32 { return 1 })
}

// MulScalar returns s·x.
func MulScalar(x *Var, s float32) *Var {
	return unary("mul_scalar", x, func(x float32) float32 { return x * s }, func(_, _ float32) float32 { return s })
}

// RSubScalar returns s − x.
func RSubScalar(x *Var, s float32) *Var {
	return unary("rsub_scalar", x, func(x float32) float32 { return s - x }, func(_, _ float32) float32 { return -1 })
}

// RDivScalar returns s / x.
func RDivScalar(x *Var, s float32) *Var {
	return unary("rdiv_scalar", x, func(x float32) float32 { return s / x }, func(x, y float32) float32 { return -y / x })
}

// Pow returns x^p elementwise. For non-integer p the result is NaN where x
// is negative, as in math.Pow.
func Pow(x *Var, p float32) *Var {
	pp := float64(p)
	return unary("pow", x,
		func(x float32) float32 { return float32(math.Pow(float64(x), pp)) },
		func(x, _ float32) float32 {
			if p == 0 {
				return 0
			}
			return p * float32(math.Pow(float64(x), pp-1))
		})
}

// Exp returns eˣ.
func Exp(x *Var) *Var {
	return unary("exp", x, func(x float32) float32 { return float32(math.Exp(float64(x))) }, func(_, y float32) float32 { return y })
}

// Log returns the natural logarithm.
func Log(x *Var) *Var {
	return unary("log", x, func(x float32) float32 { return float32(math.Log(float64(x))) }, func(x, _ float32) float32 { return 1 / x })
}

// Sqrt returns √x.
func Sqrt(x *Var) *Var {
	return unary("sqrt", x, func(x float32) float32 { return float32(math.Sqrt(float64(x))) }, func(_, y float32) float32 { return 0.5 / y })
}

// Abs returns |x|, with gradient sign(x) (0 at 0).
func Abs(x *Var) *Var {
	return unary("abs", x, func(x float32) float32 { return float32(math.Abs(float64(x))) }, func(x, _ float32) float32 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
}

// Tanh returns the hyperbolic tangent.
func Tanh(x *Var) *Var {
	return unary("tanh", x, func(x float32) float32 { return float32(math.Tanh(float64(x))) }, func(_, y float32) float32 { return 1 - y*y })
}

// Sigmoid returns 1 / (1 + e⁻ˣ).
func Sigmoid(x *Var) *Var {
	return unary("sigmoid", x, sigmoid32, func(_, y float32) float32 { return y * (1 - y) })
}

func sigmoid32(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// Softplus returns log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so
// it neither overflows nor loses precision; its gradient is σ(x).
func Softplus(x *Var) *Var {
	return unary("softplus", x, func(x float32) float32 {
		v := float64(x)
		return float32(math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))))
	}, func(x, _ float32) float32 { return sigmoid32(x) })
}

// ReLU returns max(x, 0), with gradient 0 at 0.
func ReLU(x *Var) *Var {
	return unary("relu", x, func(x float32) float32 { return max(x, 0) }, func(x, _ float32) float32 {
		if x > 0 {
			return 1
		}
		return 0
	})
}

// LeakyReLU returns x for x > 0 and slope·x otherwise.
func LeakyReLU(x *Var, slope float32) *Var {
	return unary("leaky_relu", x, func(x float32) float32 {
		if x > 0 {
			return x
		}
		return slope * x
	}, func(x, _ float32) float32 {
		if x > 0 {
			return 1
		}
		return slope
	})
}

// ELU returns x for x > 0 and α(eˣ − 1) otherwise (Clevert et al.,
// arXiv:1511.07289).
func ELU(x *Var, alpha float32) *Var {
	return unary("elu", x, func(x float32) float32 {
		if x > 0 {
			return x
		}
		return alpha * float32(math.Expm1(float64(x)))
	}, func(x, y float32) float32 {
		if x > 0 {
			return 1
		}
		return y + alpha
	})
}

// SiLU returns x·σ(x) (also called swish).
func SiLU(x *Var) *Var {
	return unary("silu", x, func(x float32) float32 { return x * sigmoid32(x) }, func(x, _ float32) float32 {
		s := sigmoid32(x)
		return s * (1 + x*(1-s))
	})
}

// GELU returns x·Φ(x) with Φ the standard normal CDF, the exact (erf) form
// that PyTorch's gelu uses by default (Hendrycks and Gimpel,
// arXiv:1606.08415).
func GELU(x *Var) *Var {
	return unary("gelu", x, func(x float32) float32 {
		v := float64(x)
		return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
	}, func(x, _ float32) float32 {
		v := float64(x)
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
		return float32(cdf + v*pdf)
	})
}

// PReLU returns x for x > 0 and a·x otherwise, where a is a learned slope
// of shape [1] or of the size of x's last axis (one slope per channel of
// an [N, C] input), as in He et al., arXiv:1502.01852.
func PReLU(x, a *Var) *Var {
	shape := x.Shape()
	c := 1
	if len(shape) > 0 {
		c = shape[len(shape)-1]
	}
	na := a.Value.Size()
	if na != 1 && na != c {
		throw("prelu", "slope has %d elements; want 1 or %d (the size of the input's last axis)", na, c)
	}
	xd, ad := x.Data(), a.Data()
	outT := tensor.New(shape...)
	od := outT.Data()
	rows := len(xd) / max(c, 1)
	// slopes returns the per-channel slopes of a row, broadcasting a single
	// shared slope without allocating.
	shared := make([]float32, c)
	slopes := func() []float32 {
		if na == c {
			return ad
		}
		for j := range shared {
			shared[j] = ad[0]
		}
		return shared
	}()
	rowGrain := max(1, parallelGrain/max(c, 1))
	kernels.ParallelFor(rows, rowGrain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, or := xd[r*c:(r+1)*c], od[r*c:(r+1)*c]
			for j, v := range xr {
				or[j] = v * preluFactor(v, slopes[j])
			}
		}
	})
	out := result("prelu", outT, x, a)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			if x.requiresGrad {
				gx := x.gradData()
				kernels.ParallelFor(rows, rowGrain, func(lo, hi int) {
					for r := lo; r < hi; r++ {
						xr, gr, gxr := xd[r*c:(r+1)*c], g[r*c:(r+1)*c], gx[r*c:(r+1)*c]
						for j, v := range xr {
							gxr[j] += gr[j] * preluFactor(v, slopes[j])
						}
					}
				})
			}
			if a.requiresGrad {
				ga := a.gradData()
				acc := make([]float32, c)
				for r := 0; r < rows; r++ {
					xr, gr := xd[r*c:(r+1)*c], g[r*c:(r+1)*c]
					for j, v := range xr {
						acc[j] += gr[j] * v * negativeMask(v)
					}
				}
				if na == 1 {
					for _, v := range acc {
						ga[0] += v
					}
				} else {
					for j, v := range acc {
						ga[j] += v
					}
				}
			}
		}
	}
	return out
}

// negativeMask returns 1 when the sign bit of v is set and 0 otherwise,
// without a branch: PReLU's inputs are about half negative, so a branch
// would mispredict on every other element.
func negativeMask(v float32) float32 { return float32(math.Float32bits(v) >> 31) }

// preluFactor returns 1 for v ≥ +0 and slope for v < 0 (and −0), so
// v·preluFactor(v, slope) is PReLU and preluFactor is its derivative.
func preluFactor(v, slope float32) float32 { return 1 + (slope-1)*negativeMask(v) }
