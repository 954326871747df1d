package autograd

import (
	"math"
	"slices"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Sum returns the sum over axes (all axes when axes is empty). With keepdims
// the reduced axes stay as size 1.
func Sum(x *Var, axes []int, keepdims bool) *Var {
	return reduceAxes("sum", x, axes, keepdims, sumAxis)
}

// SumAll returns the sum of every element as a rank-0 Var.
func SumAll(x *Var) *Var { return Sum(x, nil, false) }

// Mean returns the mean over axes (all axes when axes is empty).
func Mean(x *Var, axes []int, keepdims bool) *Var {
	s := Sum(x, axes, keepdims)
	n := x.Value.Size() / max(s.Value.Size(), 1)
	if n == 0 {
		return MulScalar(s, float32(math.NaN()))
	}
	return MulScalar(s, 1/float32(n))
}

// MeanAll returns the mean of every element as a rank-0 Var.
func MeanAll(x *Var) *Var { return Mean(x, nil, false) }

// Max returns the maximum over axes (all axes when axes is empty). The
// gradient flows to the first maximal element of each reduced group.
func Max(x *Var, axes []int, keepdims bool) *Var {
	return reduceAxes("max", x, axes, keepdims, maxAxis)
}

// Min returns the minimum over axes (all axes when axes is empty), as
// −Max(−x). The gradient flows to the first minimal element of each group.
func Min(x *Var, axes []int, keepdims bool) *Var {
	return Neg(reduceAxes("min", Neg(x), axes, keepdims, maxAxis))
}

// reduceAxes applies a single-axis reduction (with keepdims) to each axis in
// turn, then drops the reduced axes unless keepdims is set.
func reduceAxes(name string, x *Var, axes []int, keepdims bool, one func(x *Var, axis int) *Var) *Var {
	nd := x.Value.Ndim()
	var list []int
	if len(axes) == 0 {
		for i := 0; i < nd; i++ {
			list = append(list, i)
		}
	} else {
		seen := make([]bool, nd)
		for _, a := range axes {
			ax := normAxis(name, a, nd)
			if seen[ax] {
				throw(name, "axis %d is listed twice in %v", a, axes)
			}
			seen[ax] = true
			list = append(list, ax)
		}
	}
	if nd == 0 {
		return x
	}
	y := x
	for _, ax := range list {
		if (name == "max" || name == "min") && x.Shape()[ax] == 0 {
			throw(name, "%s over axis %d of size 0 (shape %s) has no value; reduce a non-empty axis", name, ax, tensor.ShapeString(x.Shape()))
		}
		y = one(y, ax)
	}
	if keepdims {
		return y
	}
	var shape []int
	for i, d := range y.Shape() {
		if !slices.Contains(list, i) {
			shape = append(shape, d)
		}
	}
	return Reshape(y, shape...)
}

func keptShape(shape []int, axis int) []int {
	s := slices.Clone(shape)
	s[axis] = 1
	return s
}

func sumAxis(x *Var, axis int) *Var {
	outer, n, inner := splitAt(x.Shape(), axis)
	xd := x.Data()
	outT := tensor.New(keptShape(x.Shape(), axis)...)
	od := outT.Data()
	kernels.ParallelFor(outer, max(1, parallelGrain/max(n*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			dst := od[o*inner : (o+1)*inner]
			for k := 0; k < n; k++ {
				src := xd[(o*n+k)*inner : (o*n+k+1)*inner]
				for i, v := range src {
					dst[i] += v
				}
			}
		}
	})
	out := result("sum", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			kernels.ParallelFor(outer, max(1, parallelGrain/max(n*inner, 1)), func(lo, hi int) {
				for o := lo; o < hi; o++ {
					src := g[o*inner : (o+1)*inner]
					for k := 0; k < n; k++ {
						dst := gx[(o*n+k)*inner : (o*n+k+1)*inner]
						for i, v := range src {
							dst[i] += v
						}
					}
				}
			})
		}
	}
	return out
}

func maxAxis(x *Var, axis int) *Var {
	outer, n, inner := splitAt(x.Shape(), axis)
	xd := x.Data()
	outT := tensor.New(keptShape(x.Shape(), axis)...)
	od := outT.Data()
	arg := make([]int32, outer*inner)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			best, bk := xd[o*n*inner+i], 0
			for k := 1; k < n; k++ {
				if v := xd[(o*n+k)*inner+i]; v > best || (best != best && v == v) {
					best, bk = v, k
				}
			}
			od[o*inner+i] = best
			arg[o*inner+i] = int32(bk)
		}
	}
	out := result("max", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					gx[(o*n+int(arg[o*inner+i]))*inner+i] += g[o*inner+i]
				}
			}
		}
	}
	return out
}

// Softmax returns exp(x) / Σ exp(x) along axis.
func Softmax(x *Var, axis int) *Var { return softmaxFamily("softmax", x, axis) }

// LogSoftmax returns x − logsumexp(x) along axis, computed without forming
// the softmax so large logits do not overflow.
func LogSoftmax(x *Var, axis int) *Var { return softmaxFamily("log_softmax", x, axis) }

// LogSumExp returns log Σ exp(x) along axis, with that axis kept as size 1
// when keepdims is set and dropped otherwise.
func LogSumExp(x *Var, axis int, keepdims bool) *Var {
	y := softmaxFamily("logsumexp", x, axis)
	if keepdims {
		return y
	}
	ax := normAxis("logsumexp", axis, x.Value.Ndim())
	shape := slices.Delete(slices.Clone(y.Shape()), ax, ax+1)
	return Reshape(y, shape...)
}

// softmaxFamily runs softmax, log_softmax or logsumexp (kept dims) over one
// axis. Each line of the [outer, n, inner] layout is shifted by its maximum
// before exponentiating.
func softmaxFamily(name string, x *Var, axis int) *Var {
	nd := x.Value.Ndim()
	if nd == 0 {
		throw(name, "needs a tensor of rank at least 1")
	}
	ax := normAxis(name, axis, nd)
	outer, n, inner := splitAt(x.Shape(), ax)
	xd := x.Data()
	var outT *tensor.Tensor
	if name == "logsumexp" {
		outT = tensor.New(keptShape(x.Shape(), ax)...)
	} else {
		outT = tensor.New(x.Shape()...)
	}
	od := outT.Data()
	lse := make([]float32, outer*inner)
	lines := outer * inner
	kernels.ParallelFor(lines, max(1, parallelGrain/max(n, 1)), func(lo, hi int) {
		for line := lo; line < hi; line++ {
			o, i := line/inner, line%inner
			base := o*n*inner + i
			m := float32(math.Inf(-1))
			for k := 0; k < n; k++ {
				m = max(m, xd[base+k*inner])
			}
			var s float64
			for k := 0; k < n; k++ {
				s += math.Exp(float64(xd[base+k*inner] - m))
			}
			l := m + float32(math.Log(s))
			if math.IsInf(float64(m), -1) {
				l = m
			}
			lse[line] = l
			switch name {
			case "logsumexp":
				od[line] = l
			case "log_softmax":
				for k := 0; k < n; k++ {
					od[base+k*inner] = xd[base+k*inner] - l
				}
			default:
				for k := 0; k < n; k++ {
					od[base+k*inner] = float32(math.Exp(float64(xd[base+k*inner] - l)))
				}
			}
		}
	})
	out := result(name, outT, x)
	if !out.requiresGrad {
		return out
	}
	out.backward = func(g []float32) {
		gx := x.gradData()
		kernels.ParallelFor(lines, max(1, parallelGrain/max(n, 1)), func(lo, hi int) {
			for line := lo; line < hi; line++ {
				o, i := line/inner, line%inner
				base := o*n*inner + i
				switch name {
				case "logsumexp":
					// d lse / dx_k = softmax_k.
					gl := g[line]
					for k := 0; k < n; k++ {
						j := base + k*inner
						gx[j] += gl * float32(math.Exp(float64(xd[j]-lse[line])))
					}
				case "log_softmax":
					// dx_k = g_k − softmax_k Σ g.
					var gs float32
					for k := 0; k < n; k++ {
						gs += g[base+k*inner]
					}
					for k := 0; k < n; k++ {
						j := base + k*inner
						gx[j] += g[j] - float32(math.Exp(float64(od[j])))*gs
					}
				default:
					// dx_k = y_k (g_k − Σ g·y).
					var dot float32
					for k := 0; k < n; k++ {
						j := base + k*inner
						dot += g[j] * od[j]
					}
					for k := 0; k < n; k++ {
						j := base + k*inner
						gx[j] += od[j] * (g[j] - dot)
					}
				}
			}
		})
	}
	return out
}
