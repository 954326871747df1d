package nn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/autograd"
	"pare/ops/tensor"
)

// Traced is a tensor that nn.grad is differentiating: it wraps an
// autograd.Var, and every tensor operation on it (operators, methods and
// tensor module functions, through tensorb.FunctionOverrider) records onto
// the Var's graph. Operations whose result no longer depends on a parameter
// return plain tensors.
type Traced struct {
	v *autograd.Var
}

var (
	_ starlark.HasAttrs         = (*Traced)(nil)
	_ starlark.HasBinary        = (*Traced)(nil)
	_ starlark.HasUnary         = (*Traced)(nil)
	_ starlark.Mapping          = (*Traced)(nil)
	_ starlark.Sliceable        = (*Traced)(nil)
	_ starlark.Iterable         = (*Traced)(nil)
	_ tensorb.FunctionOverrider = (*Traced)(nil)
)

// Var returns the autograd node.
func (t *Traced) Var() *autograd.Var { return t.v }

func (t *Traced) String() string {
	s := t.v.Value.String()
	if strings.HasSuffix(s, ")") {
		return s[:len(s)-1] + ", grad_fn=" + t.v.Op() + ")"
	}
	return s
}

func (t *Traced) Type() string { return "tensor" }
func (t *Traced) Freeze()      {}

func (t *Traced) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: tensor") }

// Truth matches a plain tensor's: the value of a one-element tensor, and
// non-emptiness otherwise.
func (t *Traced) Truth() starlark.Bool {
	if t.v.Value.Size() == 1 {
		x, _ := t.v.Value.Item()
		return x != 0
	}
	return t.v.Value.Size() > 0
}

// wrapVar returns a Traced when v depends on a parameter and a plain tensor
// otherwise.
func wrapVar(v *autograd.Var) starlark.Value {
	if v.RequiresGrad() {
		return &Traced{v: v}
	}
	return tensorb.Wrap(v.Value)
}

// toVar converts a traced tensor, a tensor, a number or a nested list to a
// Var; everything but a traced tensor becomes a constant.
func toVar(v starlark.Value) (*autograd.Var, error) {
	if t, ok := v.(*Traced); ok {
		return t.v, nil
	}
	x, err := tensorb.FromValue(v)
	if err != nil {
		return nil, err
	}
	return autograd.Const(x), nil
}

// run evaluates an autograd expression, turning its shape errors into a
// Starlark error under the given function name.
func run(name string, f func() *autograd.Var) (out starlark.Value, err error) {
	var v *autograd.Var
	if err := autograd.Catch(func() { v = f() }); err != nil {
		msg := strings.TrimPrefix(err.Error(), "autograd.")
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	return wrapVar(v), nil
}

func (t *Traced) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	var f func(a, b *autograd.Var) *autograd.Var
	switch op {
	case syntax.PLUS:
		f = autograd.Add
	case syntax.MINUS:
		f = autograd.Sub
	case syntax.STAR:
		f = autograd.Mul
	case syntax.SLASH:
		f = autograd.Div
	default:
		return nil, nil
	}
	other, err := toVar(y)
	if err != nil {
		return nil, nil // the interpreter reports the unsupported operand
	}
	a, b := t.v, other
	if side == starlark.Right {
		a, b = b, a
	}
	return run("tensor "+op.String(), func() *autograd.Var { return f(a, b) })
}

func (t *Traced) Unary(op syntax.Token) (starlark.Value, error) {
	switch op {
	case syntax.MINUS:
		return &Traced{v: autograd.Neg(t.v)}, nil
	case syntax.PLUS:
		return t, nil
	}
	return nil, nil
}

// Len is the size of the first axis; a scalar has length 0.
func (t *Traced) Len() int {
	if t.v.Value.Ndim() == 0 {
		return 0
	}
	return t.v.Shape()[0]
}

// Index returns row i (0 <= i < Len()) of the first axis.
func (t *Traced) Index(i int) starlark.Value { return wrapVar(selectRow(t.v, i)) }

// selectRow returns row i (already in range) of the first axis, keeping the
// graph.
func selectRow(v *autograd.Var, i int) *autograd.Var {
	rows := autograd.IndexSelect(v, 0, []int{i})
	return autograd.Reshape(rows, v.Shape()[1:]...)
}

// Get implements t[i] and t[i, j, ...] with negative indices counting from
// the end. Unlike a plain tensor, indexing every axis gives a rank-0 traced
// tensor, so the result stays differentiable.
func (t *Traced) Get(key starlark.Value) (starlark.Value, bool, error) {
	keys, ok := key.(starlark.Tuple)
	if !ok {
		keys = starlark.Tuple{key}
	}
	if len(keys) > t.v.Value.Ndim() {
		return nil, false, fmt.Errorf("tensor index: got %d indices, want at most %d for a tensor of shape %s",
			len(keys), t.v.Value.Ndim(), tensor.ShapeString(t.v.Shape()))
	}
	v := t.v
	for axis, k := range keys {
		i, err := starlark.AsInt32(k)
		if err != nil {
			return nil, false, fmt.Errorf("tensor index: index %d: got %s, want an int", axis, k.Type())
		}
		n := v.Shape()[0]
		if i < -n || i >= n {
			return nil, false, fmt.Errorf("tensor index: index %d is out of range for axis %d of size %d", i, axis, n)
		}
		if i < 0 {
			i += n
		}
		v = selectRow(v, i)
	}
	return wrapVar(v), true, nil
}

// Slice cuts the first axis as t[start:end:step] by selecting the rows.
func (t *Traced) Slice(start, end, step int) starlark.Value {
	var rows []int
	if step > 0 {
		for i := start; i < end; i += step {
			rows = append(rows, i)
		}
	} else {
		for i := start; i > end; i += step {
			rows = append(rows, i)
		}
	}
	return wrapVar(autograd.IndexSelect(t.v, 0, rows))
}

func (t *Traced) Iterate() starlark.Iterator { return &tracedRows{t: t} }

type tracedRows struct {
	t *Traced
	i int
}

func (it *tracedRows) Next(p *starlark.Value) bool {
	if it.i >= it.t.Len() {
		return false
	}
	*p = wrapVar(selectRow(it.t.v, it.i))
	it.i++
	return true
}

func (it *tracedRows) Done() {}

// Attr returns an attribute or a method bound to t.
func (t *Traced) Attr(name string) (starlark.Value, error) {
	switch name {
	case "shape":
		shape := t.v.Shape()
		out := make(starlark.Tuple, len(shape))
		for i, d := range shape {
			out[i] = starlark.MakeInt(d)
		}
		return out, nil
	case "ndim":
		return starlark.MakeInt(t.v.Value.Ndim()), nil
	case "size":
		return starlark.MakeInt(t.v.Value.Size()), nil
	case "dtype":
		return starlark.String("float32"), nil
	case "T":
		return t.TensorFunction(nil, "transpose", starlark.Tuple{t}, nil)
	case "grad_fn":
		return starlark.String(t.v.Op()), nil
	}
	if !hasTracedMethod(name) {
		return nil, nil
	}
	return starlark.NewBuiltin("tensor."+name, host.Recover(func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		full := append(starlark.Tuple{t}, args...)
		if m, ok := tracedMethods[name]; ok {
			return m(thread, b, full, kwargs)
		}
		return t.TensorFunction(thread, name, full, kwargs)
	})), nil
}

// hasTracedMethod reports whether traced tensors have a method name: every
// method of a plain tensor, plus detach. A method without a gradient still
// exists, so calling it reaches TensorFunction. That runs it on the values
// (argmax, tolist) or returns the "not differentiable" error, which suggests
// x.detach() (sort, topk), in place of "no such method".
func hasTracedMethod(name string) bool {
	if _, ok := tracedMethods[name]; ok {
		return true
	}
	if _, ok := differentiable[name]; ok {
		return true
	}
	return slices.Contains(plainTensorAttrs, name)
}

// plainTensorAttrs lists the attributes and methods of a plain tensor.
var plainTensorAttrs = tensorb.Wrap(tensor.New()).(starlark.HasAttrs).AttrNames()

func (t *Traced) AttrNames() []string {
	names := []string{"T", "dtype", "grad_fn", "ndim", "shape", "size"}
	names = append(names, plainTensorAttrs...)
	for n := range tracedMethods {
		names = append(names, n)
	}
	for n := range differentiable {
		names = append(names, n)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// tracedMethods are methods of traced tensors that leave the graph.
var tracedMethods = map[string]host.Func{
	"detach": func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var self starlark.Value
		if err := host.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &self); err != nil {
			return nil, err
		}
		return tensorb.Wrap(args[0].(*Traced).v.Value), nil
	},
	"item": func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var self starlark.Value
		if err := host.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &self); err != nil {
			return nil, err
		}
		x, err := args[0].(*Traced).v.Value.Item()
		if err != nil {
			return nil, fmt.Errorf("%s: %s", b.Name(), strings.TrimPrefix(err.Error(), "tensor: "))
		}
		return starlark.Float(x), nil
	},
}

// TensorFunction computes tensor.<name> on arguments that include a traced
// tensor. Differentiable functions record onto the graph. Functions whose
// result carries no gradient (comparisons, argmax, sorting indices, tolist)
// run on the detached values. Any other function returns an error, so a
// gradient is never dropped silently.
func (t *Traced) TensorFunction(thread *starlark.Thread, name string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if f, ok := differentiable[name]; ok {
		return f("tensor."+name, args, kwargs)
	}
	if nonDifferentiable[name] {
		b := host.Lookup("tensor").Find(name)
		if b != nil {
			plainArgs, err := detachArgs(args)
			if err != nil {
				return nil, fmt.Errorf("tensor.%s: arguments: %v", name, err)
			}
			plainKwargs, err := detachKwargs(kwargs)
			if err != nil {
				return nil, fmt.Errorf("tensor.%s: %v", name, err)
			}
			return b.Fn(thread, starlark.NewBuiltin("tensor."+name, nil), plainArgs, plainKwargs)
		}
	}
	return nil, fmt.Errorf("tensor.%s: not differentiable, and an argument is traced by nn.grad; call x.detach() first if no gradient should flow through it", name)
}

// detach returns v with every traced tensor replaced by its value as a
// plain tensor, copying lists, tuples and dicts on the way. Other values pass
// through unchanged. A structure that contains itself or nests deeper than
// maxNesting is an error.
func detach(v starlark.Value) (starlark.Value, error) {
	return detachGuarded(v, "", &nestingGuard{})
}

func detachGuarded(v starlark.Value, path string, guard *nestingGuard) (starlark.Value, error) {
	switch x := v.(type) {
	case *Traced:
		return tensorb.Wrap(x.v.Value), nil
	case *starlark.List, starlark.Tuple, *starlark.Dict:
		if err := guard.enter(v, path); err != nil {
			return nil, err
		}
		defer guard.leave(v)
	}
	switch x := v.(type) {
	case *starlark.List:
		out := make([]starlark.Value, x.Len())
		for i := range out {
			var err error
			if out[i], err = detachGuarded(x.Index(i), path+"["+strconv.Itoa(i)+"]", guard); err != nil {
				return nil, err
			}
		}
		return starlark.NewList(out), nil
	case starlark.Tuple:
		out := make(starlark.Tuple, len(x))
		for i := range x {
			var err error
			if out[i], err = detachGuarded(x[i], path+"["+strconv.Itoa(i)+"]", guard); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *starlark.Dict:
		out := starlark.NewDict(x.Len())
		for _, kv := range x.Items() {
			val, err := detachGuarded(kv[1], path+"["+kv[0].String()+"]", guard)
			if err != nil {
				return nil, err
			}
			if err := out.SetKey(kv[0], val); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

func detachArgs(args starlark.Tuple) (starlark.Tuple, error) {
	out, err := detach(args)
	if err != nil {
		return nil, err
	}
	return out.(starlark.Tuple), nil
}

func detachKwargs(kwargs []starlark.Tuple) ([]starlark.Tuple, error) {
	out := make([]starlark.Tuple, len(kwargs))
	for i, kv := range kwargs {
		val, err := detachGuarded(kv[1], string(kv[0].(starlark.String)), &nestingGuard{})
		if err != nil {
			return nil, err
		}
		out[i] = starlark.Tuple{kv[0], val}
	}
	return out, nil
}
