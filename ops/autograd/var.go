// Package autograd is pare's reverse-mode automatic differentiation over
// float32 tensors. Each op takes *Var inputs, computes its value eagerly and,
// when any input requires a gradient, records a closure that propagates the
// output's gradient to its inputs. Var.Backward walks the recorded graph in
// reverse topological order.
//
// Values held by a Var are contiguous. Ops whose inputs require no gradient
// record nothing, so evaluation without parameters costs no graph memory.
//
// Shape errors panic with *Error, which marks itself as a user error. Call
// Catch around a block of ops to turn the panic back into an error value.
package autograd

import (
	"errors"
	"fmt"

	"pare/ops/tensor"
)

// Var is a node of the computation graph: a value, its accumulated gradient
// and the closure that propagates that gradient to the op's inputs.
type Var struct {
	// Value is the contiguous result of the op (or the leaf's data).
	Value *tensor.Tensor
	// Grad is the gradient of the last Backward call's output with respect
	// to Value, accumulated over calls until ZeroGrad. It is nil until a
	// gradient reaches the Var. Intermediate (non-leaf) Vars drop theirs
	// after propagating it, so only leaves keep a Grad.
	Grad *tensor.Tensor

	requiresGrad bool
	op           string
	inputs       []*Var
	backward     func(g []float32)
}

// Param wraps t as a leaf that requires a gradient. A contiguous t is used
// without a copy, so an optimizer that updates t in place updates the Var.
func Param(t *tensor.Tensor) *Var {
	return &Var{Value: t.Contiguous(), requiresGrad: true, op: "param"}
}

// Const wraps t as a leaf that needs no gradient.
func Const(t *tensor.Tensor) *Var {
	return &Var{Value: t.Contiguous(), op: "const"}
}

// Scalar returns a constant rank-0 Var holding v.
func Scalar(v float32) *Var { return Const(tensor.Scalar(v)) }

// RequiresGrad reports whether a gradient flows to v.
func (v *Var) RequiresGrad() bool { return v.requiresGrad }

// Op returns the name of the op that produced v ("param" or "const" for
// leaves).
func (v *Var) Op() string { return v.op }

// Shape returns the shape of the value.
func (v *Var) Shape() []int { return v.Value.Shape() }

// Data returns the contiguous elements of the value.
func (v *Var) Data() []float32 { return v.Value.Data() }

// Detach returns a constant Var sharing v's value.
func (v *Var) Detach() *Var { return Const(v.Value) }

// ZeroGrad drops the accumulated gradient.
func (v *Var) ZeroGrad() { v.Grad = nil }

// gradData returns v's gradient buffer, allocating zeros on first use, so
// backward closures can accumulate into it.
func (v *Var) gradData() []float32 {
	if v.Grad == nil {
		v.Grad = tensor.New(v.Value.Shape()...)
	}
	return v.Grad.Data()
}

// result builds the output Var of an op. It requires a gradient when any
// input does; only then are the inputs kept.
func result(op string, value *tensor.Tensor, inputs ...*Var) *Var {
	out := &Var{Value: value, op: op}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			out.requiresGrad = true
			out.inputs = inputs
			break
		}
	}
	return out
}

// NewOp returns the output Var of an op implemented outside this package.
// value is the op's result; backward receives the output gradient and must
// add the input gradients into the buffers that GradBuffer returns. Nothing
// is recorded when no input requires a gradient.
func NewOp(name string, value *tensor.Tensor, inputs []*Var, backward func(g []float32)) *Var {
	out := result(name, value.Contiguous(), inputs...)
	if out.requiresGrad {
		out.backward = backward
	}
	return out
}

// GradBuffer returns v's gradient buffer for accumulation by an op's
// backward closure (zeros on first use), or nil when v needs no gradient.
func (v *Var) GradBuffer() []float32 {
	if !v.requiresGrad {
		return nil
	}
	return v.gradData()
}

// Backward propagates the gradient of v, which must hold exactly one
// element, to every Var it depends on, seeding dv/dv = 1. Leaf gradients
// accumulate across calls.
func (v *Var) Backward() {
	if v.Value.Size() != 1 {
		throw("backward", "the output has shape %s; backward needs a single element (reduce it with sum or mean first)", tensor.ShapeString(v.Shape()))
	}
	seed := tensor.New(v.Shape()...)
	seed.Data()[0] = 1
	v.BackwardWith(seed)
}

// BackwardWith propagates the upstream gradient g (shaped like v) through
// the graph, as the vector-Jacobian product gᵀ·∂v/∂inputs.
func (v *Var) BackwardWith(g *tensor.Tensor) {
	if !sameShape(g.Shape(), v.Shape()) {
		throw("backward", "gradient shape %s differs from the output shape %s", tensor.ShapeString(g.Shape()), tensor.ShapeString(v.Shape()))
	}
	if !v.requiresGrad {
		return
	}
	order := topoOrder(v)
	gd := v.gradData()
	for i, x := range g.Data() {
		gd[i] += x
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if n.backward == nil || n.Grad == nil {
			continue
		}
		n.backward(n.Grad.Data())
		n.Grad = nil
	}
}

// topoOrder returns the Vars that v depends on and that require a gradient,
// inputs before outputs, using an explicit stack so deep graphs cannot
// overflow the goroutine stack.
func topoOrder(v *Var) []*Var {
	type frame struct {
		v    *Var
		next int
	}
	var order []*Var
	visited := map[*Var]bool{v: true}
	stack := []frame{{v: v}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next < len(top.v.inputs) {
			in := top.v.inputs[top.next]
			top.next++
			if in != nil && in.requiresGrad && !visited[in] {
				visited[in] = true
				stack = append(stack, frame{v: in})
			}
			continue
		}
		order = append(order, top.v)
		stack = stack[:len(stack)-1]
	}
	return order
}

// Error is a shape or argument error raised by an op. Ops panic with it
// because they compose as expressions; Catch converts it back to an error.
type Error struct {
	Op  string
	Msg string
}

func (e *Error) Error() string { return "autograd." + e.Op + ": " + e.Msg }

// UserError marks the error as caused by the caller's input, so the
// Starlark binding layer reports it as an ordinary error.
func (e *Error) UserError() {}

func throw(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// Catch runs fn and returns the *Error it panicked with, or nil. Other
// panics propagate.
func Catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				err = e
				return
			}
			if e, ok := r.(error); ok {
				var me *tensor.MemoryLimitError
				if errors.As(e, &me) {
					err = e
					return
				}
			}
			panic(r)
		}
	}()
	fn()
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis resolves a possibly negative axis against rank nd.
func normAxis(op string, axis, nd int) int {
	a := axis
	if a < 0 {
		a += nd
	}
	if a < 0 || a >= nd {
		throw(op, "axis %d is out of range for rank %d", axis, nd)
	}
	return a
}

// splitAt returns the products of the dimensions before, at and after axis,
// the layout [outer, n, inner] that every single-axis kernel walks.
func splitAt(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}
