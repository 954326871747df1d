package nn

import (
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/autograd"
	"pare/ops/tensor"
)

// tracedFunc computes a tensor function on arguments that may be traced.
// name is the full function name for errors ("tensor.sum").
type tracedFunc func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// nonDifferentiable lists tensor functions whose results carry no gradient;
// on traced arguments they run on the detached values.
var nonDifferentiable = map[string]bool{
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"argmax": true, "argmin": true, "argsort": true, "tolist": true, "item": true,
}

// differentiable maps tensor module functions (and methods) to their
// recording versions. Signatures match the tensor module's.
var differentiable map[string]tracedFunc

func init() {
	differentiable = map[string]tracedFunc{
		"add": binaryFunc(autograd.Add), "sub": binaryFunc(autograd.Sub),
		"mul": binaryFunc(autograd.Mul), "div": binaryFunc(autograd.Div),
		"neg": unaryFunc(autograd.Neg), "abs": unaryFunc(autograd.Abs),
		"exp": unaryFunc(autograd.Exp), "log": unaryFunc(autograd.Log),
		"sqrt": unaryFunc(autograd.Sqrt), "tanh": unaryFunc(autograd.Tanh),
		"sigmoid": unaryFunc(autograd.Sigmoid), "relu": unaryFunc(autograd.ReLU),
		"silu":         unaryFunc(autograd.SiLU),
		"contiguous":   unaryFunc(func(x *autograd.Var) *autograd.Var { return x }),
		"clone":        unaryFunc(func(x *autograd.Var) *autograd.Var { return x }),
		"flatten":      unaryFunc(func(x *autograd.Var) *autograd.Var { return autograd.Reshape(x, -1) }),
		"gelu":         tracedGelu,
		"pow":          tracedPow,
		"sum":          reduceFunc(autograd.Sum),
		"mean":         reduceFunc(autograd.Mean),
		"max":          reduceFunc(autograd.Max),
		"logsumexp":    tracedLogSumExp,
		"softmax":      axisFunc(autograd.Softmax),
		"log_softmax":  axisFunc(autograd.LogSoftmax),
		"matmul":       binaryFunc(autograd.MatMul),
		"transpose":    tracedTranspose,
		"permute":      tracedPermute,
		"reshape":      tracedReshape,
		"concat":       tracedConcat,
		"stack":        tracedStack,
		"split":        tracedSplit,
		"slice":        tracedSlice,
		"index_select": tracedIndexSelect,
		"gather":       tracedGather,
		"scatter":      tracedScatter,
		"maximum":      binaryFunc(autograd.Maximum),
		"minimum":      binaryFunc(autograd.Minimum),
		"where":        tracedWhere,
		"masked_fill":  tracedMaskedFill,
		"clip":         tracedClip,
		"min":          reduceFunc(autograd.Min),
		"var":          varianceFunc(false),
		"std":          varianceFunc(true),
		"norm":         tracedNorm,
	}
}

func unpackVar(name, param string, v starlark.Value) (*autograd.Var, error) {
	x, err := toVar(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", name, param, err)
	}
	return x, nil
}

func binaryFunc(f func(a, b *autograd.Var) *autograd.Var) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var xv, yv starlark.Value
		if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "y", &yv); err != nil {
			return nil, err
		}
		x, err := unpackVar(name, "x", xv)
		if err != nil {
			return nil, err
		}
		y, err := unpackVar(name, "y", yv)
		if err != nil {
			return nil, err
		}
		return run(name, func() *autograd.Var { return f(x, y) })
	}
}

func unaryFunc(f func(x *autograd.Var) *autograd.Var) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var xv starlark.Value
		if err := host.UnpackArgs(name, args, kwargs, "x", &xv); err != nil {
			return nil, err
		}
		x, err := unpackVar(name, "x", xv)
		if err != nil {
			return nil, err
		}
		return run(name, func() *autograd.Var { return f(x) })
	}
}

func tracedGelu(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv starlark.Value
	approximate := "none"
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "approximate?", &approximate); err != nil {
		return nil, err
	}
	if approximate != "none" {
		return nil, fmt.Errorf("%s: approximate: got %q, want \"none\" under nn.grad (the tanh form has no gradient here yet)", name, approximate)
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.GELU(x) })
}

func tracedPow(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, yv starlark.Value
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "y", &yv); err != nil {
		return nil, err
	}
	p, ok := starlark.AsFloat(yv)
	if !ok {
		return nil, fmt.Errorf("%s: y: got %s, want a number (a tensor exponent is not differentiable under nn.grad yet)", name, yv.Type())
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.Pow(x, float32(p)) })
}

// optInts unpacks None, an int or a list or tuple of ints.
type optInts struct {
	ints []int
	set  bool
}

func (a *optInts) Unpack(v starlark.Value) error {
	if v == starlark.None {
		return nil
	}
	ints, err := intList(v)
	if err != nil {
		return fmt.Errorf("got %s, want None, an int or a list of ints", v.Type())
	}
	a.ints, a.set = ints, true
	return nil
}

// intList converts an int, or a list or tuple of ints, or a tensor of whole
// numbers, to []int.
func intList(v starlark.Value) ([]int, error) {
	if _, ok := v.(starlark.Int); ok {
		n, err := starlark.AsInt32(v)
		if err != nil {
			return nil, fmt.Errorf("got %s, want an int in [%d, %d]", v, math.MinInt32, math.MaxInt32)
		}
		return []int{n}, nil
	}
	switch seq := v.(type) {
	case *starlark.List, starlark.Tuple:
		list := seq.(starlark.Indexable)
		out := make([]int, list.Len())
		for i := range out {
			elem := list.Index(i)
			n, err := starlark.AsInt32(elem)
			if err != nil {
				if _, isInt := elem.(starlark.Int); isInt {
					return nil, fmt.Errorf("element %d: got %s, want an int in [%d, %d]", i, elem, math.MinInt32, math.MaxInt32)
				}
				return nil, fmt.Errorf("element %d: got %s, want an int", i, elem.Type())
			}
			out[i] = n
		}
		return out, nil
	}
	x, err := toVar(v)
	if err != nil {
		return nil, err
	}
	data := x.Data()
	out := make([]int, len(data))
	for i, f := range data {
		if f != float32(math.Trunc(float64(f))) || math.Abs(float64(f)) >= 1<<31 {
			return nil, fmt.Errorf("element %d is %g, want a whole number in (-2^31, 2^31)", i, f)
		}
		out[i] = int(f)
	}
	return out, nil
}

func reduceFunc(f func(x *autograd.Var, axes []int, keepdims bool) *autograd.Var) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var xv starlark.Value
		var axis optInts
		keepdims := false
		if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis?", &axis, "keepdims?", &keepdims); err != nil {
			return nil, err
		}
		x, err := unpackVar(name, "x", xv)
		if err != nil {
			return nil, err
		}
		return run(name, func() *autograd.Var { return f(x, axis.ints, keepdims) })
	}
}

func tracedLogSumExp(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv starlark.Value
	var axis optInts
	keepdims := false
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis?", &axis, "keepdims?", &keepdims); err != nil {
		return nil, err
	}
	if len(axis.ints) > 1 {
		return nil, fmt.Errorf("%s: axis: got %v, want None or one axis under nn.grad", name, axis.ints)
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var {
		if !axis.set {
			flat := autograd.Reshape(x, -1)
			y := autograd.LogSumExp(flat, 0, false)
			if keepdims {
				ones := make([]int, x.Value.Ndim())
				for i := range ones {
					ones[i] = 1
				}
				return autograd.Reshape(y, ones...)
			}
			return y
		}
		return autograd.LogSumExp(x, axis.ints[0], keepdims)
	})
}

func axisFunc(f func(x *autograd.Var, axis int) *autograd.Var) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var xv starlark.Value
		axis := -1
		if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis?", &axis); err != nil {
			return nil, err
		}
		x, err := unpackVar(name, "x", xv)
		if err != nil {
			return nil, err
		}
		return run(name, func() *autograd.Var { return f(x, axis) })
	}
}

func tracedTranspose(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, a0, a1 starlark.Value = nil, starlark.None, starlark.None
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis0?", &a0, "axis1?", &a1); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	if a0 == starlark.None && a1 == starlark.None {
		nd := x.Value.Ndim()
		perm := make([]int, nd)
		for i := range perm {
			perm[i] = nd - 1 - i
		}
		return run(name, func() *autograd.Var { return autograd.Permute(x, perm...) })
	}
	i, err0 := starlark.AsInt32(a0)
	j, err1 := starlark.AsInt32(a1)
	if err0 != nil || err1 != nil {
		return nil, fmt.Errorf("%s: axis0, axis1: got %s and %s, want two ints or neither", name, a0.Type(), a1.Type())
	}
	return run(name, func() *autograd.Var { return autograd.Transpose(x, i, j) })
}

// varInts reads ints given either as varargs or as one list or tuple, as
// permute(x, 1, 0) and permute(x, [1, 0]) both allow.
func varInts(name, param string, rest starlark.Tuple) ([]int, error) {
	if len(rest) == 1 {
		if _, ok := rest[0].(starlark.Int); !ok {
			ints, err := intList(rest[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", name, param, err)
			}
			return ints, nil
		}
	}
	out := make([]int, len(rest))
	for i, v := range rest {
		n, err := starlark.AsInt32(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: got %s, want ints", name, param, v.Type())
		}
		out[i] = n
	}
	return out, nil
}

func shapeFunc(param string, f func(x *autograd.Var, ints []int) *autograd.Var) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(kwargs) > 0 || len(args) < 1 {
			return nil, fmt.Errorf("%s: want x and then %s as positional arguments", name, param)
		}
		x, err := unpackVar(name, "x", args[0])
		if err != nil {
			return nil, err
		}
		ints, err := varInts(name, param, args[1:])
		if err != nil {
			return nil, err
		}
		return run(name, func() *autograd.Var { return f(x, ints) })
	}
}

var (
	tracedPermute = shapeFunc("axes", func(x *autograd.Var, axes []int) *autograd.Var { return autograd.Permute(x, axes...) })
	tracedReshape = shapeFunc("shape", func(x *autograd.Var, shape []int) *autograd.Var { return autograd.Reshape(x, shape...) })
)

// varList converts a list or tuple of tensor-like values.
func varList(name string, v starlark.Value) ([]*autograd.Var, error) {
	seq, ok := v.(starlark.Indexable)
	if _, traced := v.(*Traced); !ok || traced {
		return nil, fmt.Errorf("%s: tensors: got %s, want a list of tensors", name, v.Type())
	}
	out := make([]*autograd.Var, seq.Len())
	for i := range out {
		x, err := toVar(seq.Index(i))
		if err != nil {
			return nil, fmt.Errorf("%s: tensors[%d]: %v", name, i, err)
		}
		out[i] = x
	}
	return out, nil
}

func tracedConcat(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var list starlark.Value
	axis := 0
	if err := host.UnpackArgs(name, args, kwargs, "tensors", &list, "axis?", &axis); err != nil {
		return nil, err
	}
	xs, err := varList(name, list)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.Concat(xs, axis) })
}

func tracedStack(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var list starlark.Value
	axis := 0
	if err := host.UnpackArgs(name, args, kwargs, "tensors", &list, "axis?", &axis); err != nil {
		return nil, err
	}
	xs, err := varList(name, list)
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, fmt.Errorf("%s: tensors: got an empty list, want at least one tensor", name)
	}
	return run(name, func() *autograd.Var {
		nd := xs[0].Value.Ndim()
		ax := axis
		if ax < 0 {
			ax += nd + 1
		}
		if ax < 0 || ax > nd {
			panic(&autograd.Error{Op: "stack", Msg: fmt.Sprintf("axis %d is out of range for stacking tensors of rank %d", axis, nd)})
		}
		expanded := make([]*autograd.Var, len(xs))
		for i, x := range xs {
			shape := append(append(append([]int{}, x.Shape()[:min(ax, x.Value.Ndim())]...), 1), x.Shape()[min(ax, x.Value.Ndim()):]...)
			expanded[i] = autograd.Reshape(x, shape...)
		}
		return autograd.Concat(expanded, ax)
	})
}

func tracedSplit(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, sizeV starlark.Value
	axis := 0
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "size", &sizeV, "axis?", &axis); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	var parts []*autograd.Var
	err = autograd.Catch(func() {
		shape := x.Shape()
		ax := axis
		if ax < 0 {
			ax += len(shape)
		}
		if ax < 0 || ax >= len(shape) {
			panic(&autograd.Error{Op: "split", Msg: fmt.Sprintf("axis %d is out of range for rank %d", axis, len(shape))})
		}
		var sizes []int
		if chunk, ok := sizeV.(starlark.Int); ok {
			c, _ := starlark.AsInt32(chunk)
			if c <= 0 {
				panic(&autograd.Error{Op: "split", Msg: fmt.Sprintf("size %d; want a positive chunk size", c)})
			}
			for at := 0; at < shape[ax]; at += c {
				sizes = append(sizes, min(c, shape[ax]-at))
			}
		} else {
			s, e := intList(sizeV)
			if e != nil {
				panic(&autograd.Error{Op: "split", Msg: "size: " + e.Error()})
			}
			sizes = s
		}
		parts = autograd.Split(x, ax, sizes)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, trimAutograd(err))
	}
	out := make([]starlark.Value, len(parts))
	for i, p := range parts {
		out[i] = wrapVar(p)
	}
	return starlark.NewList(out), nil
}

func trimAutograd(err error) string {
	if e, ok := err.(*autograd.Error); ok {
		return e.Msg
	}
	return err.Error()
}

func tracedSlice(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv starlark.Value
	var axis, step int = 0, 1
	var startV, stopV starlark.Value = starlark.None, starlark.None
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis", &axis, "start?", &startV, "stop?", &stopV, "step?", &step); err != nil {
		return nil, err
	}
	if step <= 0 {
		return nil, fmt.Errorf("%s: step: got %d, want a positive step", name, step)
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	nd := x.Value.Ndim()
	ax := axis
	if ax < 0 {
		ax += nd
	}
	if ax < 0 || ax >= nd {
		return nil, fmt.Errorf("%s: axis: got %d, want an axis of a rank-%d tensor", name, axis, nd)
	}
	n := x.Shape()[ax]
	bound := func(v starlark.Value, def int) (int, error) {
		if v == starlark.None {
			return def, nil
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return 0, fmt.Errorf("%s: got %s, want None or an int", name, v.Type())
		}
		if i < 0 {
			i += n
		}
		return max(0, min(i, n)), nil
	}
	start, err := bound(startV, 0)
	if err != nil {
		return nil, err
	}
	stop, err := bound(stopV, n)
	if err != nil {
		return nil, err
	}
	var idx []int
	for i := start; i < stop; i += step {
		idx = append(idx, i)
	}
	return run(name, func() *autograd.Var { return autograd.IndexSelect(x, ax, idx) })
}

func tracedIndexSelect(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, idxV starlark.Value
	var axis int
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis", &axis, "indices", &idxV); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	idx, err := intList(idxV)
	if err != nil {
		return nil, fmt.Errorf("%s: indices: %v", name, err)
	}
	nd := x.Value.Ndim()
	return run(name, func() *autograd.Var {
		ax := axis
		if ax < 0 {
			ax += nd
		}
		if ax >= 0 && ax < nd {
			n := x.Shape()[ax]
			for i := range idx {
				if idx[i] < 0 && idx[i] >= -n {
					idx[i] += n
				}
			}
		}
		return autograd.IndexSelect(x, axis, idx)
	})
}

// indexTensor reads an index tensor (whole numbers) with its shape.
func indexTensor(name string, v starlark.Value) ([]int, []int, error) {
	x, err := toVar(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: index: %v", name, err)
	}
	idx, err := intList(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: index: %v", name, err)
	}
	return idx, x.Shape(), nil
}

func tracedGather(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, idxV starlark.Value
	var axis int
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis", &axis, "index", &idxV); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	idx, shape, err := indexTensor(name, idxV)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.Gather(x, axis, idx, shape) })
}

func tracedScatter(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, idxV, srcV starlark.Value
	var axis int
	reduce := starlark.Value(starlark.None)
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis", &axis, "index", &idxV, "src", &srcV, "reduce?", &reduce); err != nil {
		return nil, err
	}
	if s, ok := reduce.(starlark.String); !ok || s != "add" {
		return nil, fmt.Errorf("%s: reduce: got %s, want \"add\" under nn.grad (overwriting scatter is not differentiable here)", name, reduce)
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	src, err := unpackVar(name, "src", srcV)
	if err != nil {
		return nil, err
	}
	idx, shape, err := indexTensor(name, idxV)
	if err != nil {
		return nil, err
	}
	if !sameInts(shape, src.Shape()) {
		return nil, fmt.Errorf("%s: index has shape %v; want the shape of src %v", name, shape, src.Shape())
	}
	return run(name, func() *autograd.Var { return autograd.ScatterAdd(x, axis, idx, src) })
}

func sameInts(a, b []int) bool {
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

// constTensor converts a value to a tensor, taking a traced tensor's value
// (masks and conditions carry no gradient).
func constTensor(name, param string, v starlark.Value) (*autograd.Var, error) {
	x, err := unpackVar(name, param, v)
	if err != nil {
		return nil, err
	}
	return x.Detach(), nil
}

func tracedWhere(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var cv, xv, yv starlark.Value
	if err := host.UnpackArgs(name, args, kwargs, "cond", &cv, "x", &xv, "y", &yv); err != nil {
		return nil, err
	}
	cond, err := constTensor(name, "cond", cv)
	if err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	y, err := unpackVar(name, "y", yv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.Where(cond.Value, x, y) })
}

func tracedMaskedFill(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv, mv starlark.Value
	var value float64
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "mask", &mv, "value", &value); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	mask, err := constTensor(name, "mask", mv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.MaskedFill(x, mask.Value, float32(value)) })
}

func tracedClip(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv starlark.Value
	lo, hi := starlark.Value(starlark.None), starlark.Value(starlark.None)
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "min?", &lo, "max?", &hi); err != nil {
		return nil, err
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	bound := func(param string, v starlark.Value, def float64) (float32, error) {
		if v == starlark.None {
			return float32(def), nil
		}
		f, ok := starlark.AsFloat(v)
		if !ok {
			return 0, fmt.Errorf("%s: %s: got %s, want None or a number", name, param, v.Type())
		}
		return float32(f), nil
	}
	l, err := bound("min", lo, math.Inf(-1))
	if err != nil {
		return nil, err
	}
	h, err := bound("max", hi, math.Inf(1))
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var { return autograd.Clip(x, l, h) })
}

// reducedCount returns the number of elements each output of a reduction
// over axes (all when empty) combines.
func reducedCount(shape []int, axes []int) int {
	if len(axes) == 0 {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return n
	}
	n := 1
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		if a >= 0 && a < len(shape) {
			n *= shape[a]
		}
	}
	return n
}

// varianceFunc records var (or std with sqrt set) as
// Σ(x − mean)² / (n − ddof) over the axes.
func varianceFunc(sqrt bool) tracedFunc {
	return func(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var xv starlark.Value
		var axis optInts
		ddof := 0
		keepdims := false
		if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "axis?", &axis, "ddof?", &ddof, "keepdims?", &keepdims); err != nil {
			return nil, err
		}
		x, err := unpackVar(name, "x", xv)
		if err != nil {
			return nil, err
		}
		n := reducedCount(x.Shape(), axis.ints)
		if n == 0 {
			op := name[strings.LastIndex(name, ".")+1:]
			return nil, fmt.Errorf("%s: %s over 0 elements (shape %s) has no value; reduce a non-empty axis", name, op, tensor.ShapeString(x.Shape()))
		}
		if ddof < 0 || ddof >= n {
			elements := "elements"
			if n == 1 {
				elements = "element"
			}
			return nil, fmt.Errorf("%s: ddof: got %d, want an int in [0, %d) because the reduction covers %d %s", name, ddof, n, n, elements)
		}
		return run(name, func() *autograd.Var {
			d := autograd.Sub(x, autograd.Mean(x, axis.ints, true))
			v := autograd.MulScalar(autograd.Sum(autograd.Mul(d, d), axis.ints, keepdims), 1/float32(n-ddof))
			if sqrt {
				return autograd.Sqrt(v)
			}
			return v
		})
	}
}

// tracedNorm records the vector ord-norm for ord 2 (the default), 1, inf or
// any other positive ord, as (Σ|x|^ord)^(1/ord).
func tracedNorm(name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var xv starlark.Value
	var ordV starlark.Value = starlark.Float(2)
	var axis optInts
	keepdims := false
	if err := host.UnpackArgs(name, args, kwargs, "x", &xv, "ord?", &ordV, "axis?", &axis, "keepdims?", &keepdims); err != nil {
		return nil, err
	}
	ord, ok := starlark.AsFloat(ordV)
	if !ok || !(ord > 0) {
		return nil, fmt.Errorf("%s: ord: got %s, want a positive number or inf under nn.grad", name, ordV)
	}
	x, err := unpackVar(name, "x", xv)
	if err != nil {
		return nil, err
	}
	return run(name, func() *autograd.Var {
		abs := autograd.Abs(x)
		switch {
		case math.IsInf(ord, 1):
			return autograd.Max(abs, axis.ints, keepdims)
		case ord == 1:
			return autograd.Sum(abs, axis.ints, keepdims)
		case ord == 2:
			return autograd.Sqrt(autograd.Sum(autograd.Mul(x, x), axis.ints, keepdims))
		}
		return autograd.Pow(autograd.Sum(autograd.Pow(abs, float32(ord)), axis.ints, keepdims), float32(1/ord))
	})
}
