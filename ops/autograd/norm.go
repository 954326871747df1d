package autograd

import (
	"math"
	"math/rand/v2"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// lastAxisRows returns the number of rows and the row length of x viewed as
// [rows, d] over its last axis.
func lastAxisRows(op string, x *Var) (rows, d int) {
	shape := x.Shape()
	if len(shape) == 0 {
		throw(op, "needs a tensor of rank at least 1")
	}
	d = shape[len(shape)-1]
	return x.Value.Size() / max(d, 1), d
}

func checkAffine(op, name string, p *Var, d int) {
	if p != nil && p.Value.Size() != d {
		throw(op, "%s has %d elements; want %d (the size of the last axis)", name, p.Value.Size(), d)
	}
}

// LayerNorm normalises each row of x over its last axis to zero mean and
// unit variance (biased variance, eps inside the square root), then applies
// y = x̂·gamma + beta (Ba et al., arXiv:1607.06450). gamma and beta have the
// size of the last axis and may be nil.
func LayerNorm(x, gamma, beta *Var, eps float32) *Var {
	rows, d := lastAxisRows("layer_norm", x)
	checkAffine("layer_norm", "weight", gamma, d)
	checkAffine("layer_norm", "bias", beta, d)
	xd := x.Data()
	var gd, bd []float32
	if gamma != nil {
		gd = gamma.Data()
	}
	if beta != nil {
		bd = beta.Data()
	}
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	xhat := make([]float32, len(xd))
	rstd := make([]float32, rows)
	kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := xd[r*d : (r+1)*d]
			var mean, vs float64
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(d)
			for _, v := range row {
				dv := float64(v) - mean
				vs += dv * dv
			}
			rs := float32(1 / math.Sqrt(vs/float64(d)+float64(eps)))
			rstd[r] = rs
			for c, v := range row {
				h := (v - float32(mean)) * rs
				xhat[r*d+c] = h
				y := h
				if gd != nil {
					y *= gd[c]
				}
				if bd != nil {
					y += bd[c]
				}
				od[r*d+c] = y
			}
		}
	})
	out := result("layer_norm", outT, x, gamma, beta)
	if !out.requiresGrad {
		return out
	}
	out.backward = func(g []float32) {
		if x.requiresGrad {
			gx := x.gradData()
			kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					// dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·gamma.
					var m1, m2 float32
					for c := 0; c < d; c++ {
						gh := g[r*d+c]
						if gd != nil {
							gh *= gd[c]
						}
						m1 += gh
						m2 += gh * xhat[r*d+c]
					}
					m1 /= float32(d)
					m2 /= float32(d)
					for c := 0; c < d; c++ {
						gh := g[r*d+c]
						if gd != nil {
							gh *= gd[c]
						}
						gx[r*d+c] += rstd[r] * (gh - m1 - xhat[r*d+c]*m2)
					}
				}
			})
		}
		accumulateAffine(g, xhat, rows, d, gamma, beta)
	}
	return out
}

// accumulateAffine adds Σ_rows g·x̂ to gamma's gradient and Σ_rows g to
// beta's, for whichever of them requires one.
func accumulateAffine(g, xhat []float32, rows, d int, gamma, beta *Var) {
	if gamma != nil && gamma.requiresGrad {
		gg := gamma.gradData()
		for r := 0; r < rows; r++ {
			for c := 0; c < d; c++ {
				gg[c] += g[r*d+c] * xhat[r*d+c]
			}
		}
	}
	if beta != nil && beta.requiresGrad {
		gb := beta.gradData()
		for r := 0; r < rows; r++ {
			for c := 0; c < d; c++ {
				gb[c] += g[r*d+c]
			}
		}
	}
}

// RMSNorm scales each row of x by the inverse root mean square over its
// last axis, y = x / sqrt(mean(x²) + eps) · gamma (Zhang and Sennrich,
// arXiv:1910.07467). gamma may be nil.
func RMSNorm(x, gamma *Var, eps float32) *Var {
	rows, d := lastAxisRows("rms_norm", x)
	checkAffine("rms_norm", "weight", gamma, d)
	xd := x.Data()
	var gd []float32
	if gamma != nil {
		gd = gamma.Data()
	}
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	xhat := make([]float32, len(xd))
	rinv := make([]float32, rows)
	kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			var ss float64
			for _, v := range xd[r*d : (r+1)*d] {
				ss += float64(v) * float64(v)
			}
			ri := float32(1 / math.Sqrt(ss/float64(d)+float64(eps)))
			rinv[r] = ri
			for c := 0; c < d; c++ {
				h := xd[r*d+c] * ri
				xhat[r*d+c] = h
				if gd != nil {
					h *= gd[c]
				}
				od[r*d+c] = h
			}
		}
	})
	out := result("rms_norm", outT, x, gamma)
	if !out.requiresGrad {
		return out
	}
	out.backward = func(g []float32) {
		if x.requiresGrad {
			gx := x.gradData()
			kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					// dx = rinv·(ĝ − x̂·mean(ĝ·x̂)) with ĝ = g·gamma.
					var m2 float32
					for c := 0; c < d; c++ {
						gh := g[r*d+c]
						if gd != nil {
							gh *= gd[c]
						}
						m2 += gh * xhat[r*d+c]
					}
					m2 /= float32(d)
					for c := 0; c < d; c++ {
						gh := g[r*d+c]
						if gd != nil {
							gh *= gd[c]
						}
						gx[r*d+c] += rinv[r] * (gh - xhat[r*d+c]*m2)
					}
				}
			})
		}
		accumulateAffine(g, xhat, rows, d, gamma, nil)
	}
	return out
}

// Normalize divides each row of x (over the last axis) by max(‖row‖₂, eps),
// as torch.nn.functional.normalize.
func Normalize(x *Var, eps float32) *Var {
	rows, d := lastAxisRows("normalize", x)
	xd := x.Data()
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	scale := make([]float32, rows)
	clipped := make([]bool, rows)
	kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			var ss float64
			for _, v := range xd[r*d : (r+1)*d] {
				ss += float64(v) * float64(v)
			}
			n := float32(math.Sqrt(ss))
			if n <= eps {
				n = eps
				clipped[r] = true
			}
			scale[r] = 1 / n
			for c := 0; c < d; c++ {
				od[r*d+c] = xd[r*d+c] / n
			}
		}
	})
	out := result("normalize", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			kernels.ParallelFor(rows, max(1, parallelGrain/max(d, 1)), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					// dx = (g − y·(g·y)) / ‖x‖, or g / eps where the norm
					// was clipped to eps (a constant denominator).
					var dot float32
					if !clipped[r] {
						for c := 0; c < d; c++ {
							dot += g[r*d+c] * od[r*d+c]
						}
					}
					for c := 0; c < d; c++ {
						gx[r*d+c] += (g[r*d+c] - od[r*d+c]*dot) * scale[r]
					}
				}
			})
		}
	}
	return out
}

// CosineSimilarity returns the cosine similarity of matching rows of a and
// b over the last axis, which is dropped. Each row is normalised by
// max(‖row‖, eps).
func CosineSimilarity(a, b *Var, eps float32) *Var {
	if !sameShape(a.Shape(), b.Shape()) {
		throw("cosine_similarity", "shapes %s and %s differ", tensor.ShapeString(a.Shape()), tensor.ShapeString(b.Shape()))
	}
	return Sum(Mul(Normalize(a, eps), Normalize(b, eps)), []int{-1}, false)
}

// Dropout zeroes each element of x with probability p and scales the rest
// by 1/(1−p), drawing the mask from rng. p must lie in [0, 1); p = 0 returns
// x unchanged.
func Dropout(x *Var, p float64, rng *rand.Rand) *Var {
	if p < 0 || p >= 1 || math.IsNaN(p) {
		throw("dropout", "probability %v is outside [0, 1)", p)
	}
	if p == 0 {
		return x
	}
	xd := x.Data()
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	mask := make([]float32, len(xd))
	keep := float32(1 / (1 - p))
	for i := range mask {
		if rng.Float64() >= p {
			mask[i] = keep
		}
	}
	for i, v := range xd {
		od[i] = v * mask[i]
	}
	out := result("dropout", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			for i, v := range g {
				gx[i] += v * mask[i]
			}
		}
	}
	return out
}

// BatchNorm normalises each column of x [N, C] over its N rows to zero mean
// and unit biased variance, then applies gamma and beta of size C (either
// may be nil): batch normalisation in training mode (Ioffe and Szegedy,
// arXiv:1502.03167). It also returns the batch mean and the unbiased
// variance per column, which a layer blends into its running statistics as
// torch.nn.BatchNorm1d does.
func BatchNorm(x, gamma, beta *Var, eps float32) (out *Var, mean, unbiasedVar []float32) {
	shape := x.Shape()
	if len(shape) != 2 || shape[0] < 2 {
		throw("batch_norm", "input has shape %s; want (N, C) with N >= 2", tensor.ShapeString(shape))
	}
	n, c := shape[0], shape[1]
	checkAffine("batch_norm", "weight", gamma, c)
	checkAffine("batch_norm", "bias", beta, c)
	xd := x.Data()
	mean = make([]float32, c)
	unbiasedVar = make([]float32, c)
	rstd := make([]float32, c)
	m64 := make([]float64, c)
	v64 := make([]float64, c)
	for r := 0; r < n; r++ {
		for j, v := range xd[r*c : (r+1)*c] {
			m64[j] += float64(v)
		}
	}
	for j := range m64 {
		m64[j] /= float64(n)
	}
	for r := 0; r < n; r++ {
		for j, v := range xd[r*c : (r+1)*c] {
			dv := float64(v) - m64[j]
			v64[j] += dv * dv
		}
	}
	for j := range v64 {
		mean[j] = float32(m64[j])
		unbiasedVar[j] = float32(v64[j] / float64(n-1))
		rstd[j] = float32(1 / math.Sqrt(v64[j]/float64(n)+float64(eps)))
	}

	var gd, bd []float32
	if gamma != nil {
		gd = gamma.Data()
	}
	if beta != nil {
		bd = beta.Data()
	}
	outT := tensor.New(n, c)
	od := outT.Data()
	xhat := make([]float32, n*c)
	for r := 0; r < n; r++ {
		for j := 0; j < c; j++ {
			h := (xd[r*c+j] - mean[j]) * rstd[j]
			xhat[r*c+j] = h
			y := h
			if gd != nil {
				y *= gd[j]
			}
			if bd != nil {
				y += bd[j]
			}
			od[r*c+j] = y
		}
	}
	out = result("batch_norm", outT, x, gamma, beta)
	if !out.requiresGrad {
		return out, mean, unbiasedVar
	}
	out.backward = func(g []float32) {
		if x.requiresGrad {
			// Per column: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with
			// ĝ = g·gamma and means over the rows.
			m1 := make([]float32, c)
			m2 := make([]float32, c)
			for r := 0; r < n; r++ {
				for j := 0; j < c; j++ {
					gh := g[r*c+j]
					if gd != nil {
						gh *= gd[j]
					}
					m1[j] += gh
					m2[j] += gh * xhat[r*c+j]
				}
			}
			gx := x.gradData()
			for r := 0; r < n; r++ {
				for j := 0; j < c; j++ {
					gh := g[r*c+j]
					if gd != nil {
						gh *= gd[j]
					}
					gx[r*c+j] += rstd[j] * (gh - m1[j]/float32(n) - xhat[r*c+j]*m2[j]/float32(n))
				}
			}
		}
		accumulateAffine(g, xhat, n, c, gamma, beta)
	}
	return out, mean, unbiasedVar
}
