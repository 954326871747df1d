package autograd

import (
	"math"

	"pare/ops/tensor"
)

// CrossEntropy returns the mean over rows of −log softmax(logits)[target]
// for logits [N, C] and integer class targets in [0, C).
func CrossEntropy(logits *Var, targets []int) *Var {
	shape := logits.Shape()
	if len(shape) != 2 {
		throw("cross_entropy", "logits have shape %s; want (N, C)", tensor.ShapeString(shape))
	}
	n, c := shape[0], shape[1]
	if len(targets) != n {
		throw("cross_entropy", "%d targets for %d rows of logits", len(targets), n)
	}
	checkIndices("cross_entropy", targets, c)
	if n == 0 {
		throw("cross_entropy", "needs at least one row")
	}
	ls := LogSoftmax(logits, 1)
	picked := Gather(ls, 1, targets, []int{n, 1})
	return MulScalar(SumAll(picked), -1/float32(n))
}

// BCEWithLogits returns the mean binary cross-entropy between sigmoid(x)
// and targets y in [0, 1] of x's shape, in the overflow-free form
// max(x, 0) − x·y + log(1 + e^−|x|).
func BCEWithLogits(x *Var, targets *tensor.Tensor) *Var {
	if !sameShape(x.Shape(), targets.Shape()) {
		throw("bce_with_logits", "targets have shape %s; want %s like the logits", tensor.ShapeString(targets.Shape()), tensor.ShapeString(x.Shape()))
	}
	xd, yd := x.Data(), targets.Data()
	n := len(xd)
	if n == 0 {
		throw("bce_with_logits", "needs at least one element")
	}
	var s float64
	for i, v := range xd {
		xv, yv := float64(v), float64(yd[i])
		s += math.Max(xv, 0) - xv*yv + math.Log1p(math.Exp(-math.Abs(xv)))
	}
	outT := tensor.Scalar(float32(s / float64(n)))
	out := result("bce_with_logits", outT, x)
	if out.requiresGrad {
		out.backward = func(g []float32) {
			gx := x.gradData()
			scale := g[0] / float32(n)
			for i, v := range xd {
				gx[i] += scale * (sigmoid32(v) - yd[i])
			}
		}
	}
	return out
}
