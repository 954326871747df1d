package autograd

import (
	"pare/ops/tensor"
)

// BroadcastTo returns x expanded to shape by NumPy broadcasting, copied;
// the gradient sums over the broadcast axes.
func BroadcastTo(x *Var, shape ...int) *Var {
	out, ok := BroadcastShapes(x.Shape(), shape)
	if !ok || !sameShape(out, shape) {
		throw("broadcast_to", "shape %s does not broadcast to %s", tensor.ShapeString(x.Shape()), tensor.ShapeString(shape))
	}
	if sameShape(x.Shape(), shape) {
		return x
	}
	return Add(x, Const(tensor.New(shape...)))
}

// broadcastAll expands every operand to their common shape.
func broadcastAll(op string, xs ...*Var) []*Var {
	shape := xs[0].Shape()
	for _, x := range xs[1:] {
		s, ok := BroadcastShapes(shape, x.Shape())
		if !ok {
			throw(op, "shapes %s and %s do not broadcast", tensor.ShapeString(shape), tensor.ShapeString(x.Shape()))
		}
		shape = s
	}
	out := make([]*Var, len(xs))
	for i, x := range xs {
		out[i] = BroadcastTo(x, shape...)
	}
	return out
}

// Where returns a where cond is non-zero and b elsewhere, with NumPy
// broadcasting of all three. cond is a constant mask. Each branch receives
// the upstream gradient only where it was taken, so an inf or NaN in the
// branch not taken does not leak into the other's gradient.
func Where(cond *tensor.Tensor, a, b *Var) *Var {
	parts := broadcastAll("where", Const(cond), a, b)
	c, a, b := parts[0].Data(), parts[1], parts[2]
	ad, bd := a.Data(), b.Data()
	outT := tensor.New(parts[0].Shape()...)
	od := outT.Data()
	for i := range od {
		if c[i] != 0 {
			od[i] = ad[i]
		} else {
			od[i] = bd[i]
		}
	}
	return NewOp("where", outT, []*Var{a, b}, func(g []float32) {
		ga, gb := a.GradBuffer(), b.GradBuffer()
		for i, gi := range g {
			switch {
			case c[i] != 0 && ga != nil:
				ga[i] += gi
			case c[i] == 0 && gb != nil:
				gb[i] += gi
			}
		}
	})
}

// MaskedFill returns x with value where mask is non-zero (mask broadcasts
// to x's shape); no gradient reaches the filled positions.
func MaskedFill(x *Var, mask *tensor.Tensor, value float32) *Var {
	fill := Const(tensor.Scalar(value))
	m := BroadcastTo(Const(mask), x.Shape()...)
	return Where(m.Value, fill, x)
}

// Maximum returns the elementwise larger of a and b with broadcasting. On
// ties the gradient is split evenly, as torch.maximum does.
func Maximum(a, b *Var) *Var { return extremum("maximum", a, b, 1) }

// Minimum returns the elementwise smaller of a and b with broadcasting. On
// ties the gradient is split evenly, as torch.minimum does.
func Minimum(a, b *Var) *Var { return extremum("minimum", a, b, -1) }

func extremum(op string, a, b *Var, sign float32) *Var {
	parts := broadcastAll(op, a, b)
	a, b = parts[0], parts[1]
	ad, bd := a.Data(), b.Data()
	outT := tensor.New(a.Shape()...)
	od := outT.Data()
	for i := range od {
		if sign*ad[i] >= sign*bd[i] || ad[i] != ad[i] {
			od[i] = ad[i]
		} else {
			od[i] = bd[i]
		}
	}
	return NewOp(op, outT, []*Var{a, b}, func(g []float32) {
		ga, gb := a.GradBuffer(), b.GradBuffer()
		for i, gi := range g {
			wa, wb := float32(0), float32(0)
			switch {
			case ad[i] == bd[i]:
				wa, wb = 0.5, 0.5
			case sign*ad[i] > sign*bd[i] || ad[i] != ad[i]:
				wa = 1
			default:
				wb = 1
			}
			if ga != nil {
				ga[i] += wa * gi
			}
			if gb != nil {
				gb[i] += wb * gi
			}
		}
	})
}

// Clip limits x to [lo, hi]. The gradient passes where lo ≤ x ≤ hi, as in
// torch.clamp, and is 0 outside.
func Clip(x *Var, lo, hi float32) *Var {
	if lo > hi {
		throw("clip", "min %g is above max %g", lo, hi)
	}
	xd := x.Data()
	outT := tensor.New(x.Shape()...)
	od := outT.Data()
	for i, v := range xd {
		od[i] = min(max(v, lo), hi)
	}
	return NewOp("clip", outT, []*Var{x}, func(g []float32) {
		gx := x.GradBuffer()
		for i, v := range xd {
			if v >= lo && v <= hi {
				gx[i] += g[i]
			}
		}
	})
}
