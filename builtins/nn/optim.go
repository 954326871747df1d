package nn

import (
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	opsnn "pare/ops/nn"
	"pare/ops/tensor"
)

// Optimizer is the Starlark value of nn.sgd, nn.adam and nn.adamw. step
// updates the parameter tensors in place, as torch.optim does, so every
// reference to a parameter reads the new values.
type Optimizer struct {
	name   string
	opt    opsnn.Optimizer
	leaves []leaf
	steps  int
}

var _ starlark.HasAttrs = (*Optimizer)(nil)

func (o *Optimizer) String() string {
	return fmt.Sprintf("<nn.%s optimizer: %d parameters, %d steps>", o.name, len(o.leaves), o.steps)
}
func (o *Optimizer) Type() string          { return "optimizer" }
func (o *Optimizer) Freeze()               {}
func (o *Optimizer) Truth() starlark.Bool  { return true }
func (o *Optimizer) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: optimizer") }

func (o *Optimizer) AttrNames() []string {
	return []string{"lr", "set_lr_scale", "step", "steps"}
}

func (o *Optimizer) Attr(name string) (starlark.Value, error) {
	switch name {
	case "steps":
		return starlark.MakeInt(o.steps), nil
	case "lr":
		groups := o.opt.Groups()
		lrs := make([]starlark.Value, len(groups))
		for i, g := range groups {
			lrs[i] = starlark.Float(g.LR)
		}
		return starlark.NewList(lrs), nil
	case "step":
		return starlark.NewBuiltin("optimizer.step", host.Recover(o.step)), nil
	case "set_lr_scale":
		return starlark.NewBuiltin("optimizer.set_lr_scale", o.setLRScale), nil
	}
	return nil, nil
}

// step matches gradients to parameters by path when both sides name the
// same set of paths (dicts), and by position otherwise.
func (o *Optimizer) step(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gradsV starlark.Value
	if err := host.UnpackArgs(b.Name(), args, kwargs, "grads", &gradsV); err != nil {
		return nil, err
	}
	var gl []leaf
	if err := collectLeaves(gradsV, "", &gl); err != nil {
		return nil, host.Errorf(b, "grads: %v", err)
	}
	if len(gl) != len(o.leaves) {
		return nil, host.Errorf(b, "grads: got %d tensors, want %d (one per parameter)", len(gl), len(o.leaves))
	}

	grads := make([]*tensor.Tensor, len(o.leaves))
	byPath := map[string]*tensor.Tensor{}
	for _, g := range gl {
		byPath[g.path] = g.t
	}
	// Paths identify parameters only when they are unique on both sides:
	// groups of lists each start at "[0]".
	paramPaths := map[string]bool{}
	for _, p := range o.leaves {
		paramPaths[p.path] = true
	}
	matched := len(byPath) == len(gl) && len(paramPaths) == len(o.leaves)
	for i, p := range o.leaves {
		g, ok := byPath[p.path]
		if !ok {
			matched = false
			break
		}
		grads[i] = g
	}
	if !matched {
		for i := range o.leaves {
			grads[i] = gl[i].t
		}
	}

	for i, g := range grads {
		grads[i] = g.Contiguous()
	}
	if err := o.opt.Step(grads); err != nil {
		return nil, host.Errorf(b, "%s", strings.TrimPrefix(err.Error(), o.name+": "))
	}
	o.steps++
	return starlark.None, nil
}

func (o *Optimizer) setLRScale(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var scale float64
	if err := host.UnpackArgs(b.Name(), args, kwargs, "scale", &scale); err != nil {
		return nil, err
	}
	if !(scale >= 0) || math.IsInf(scale, 1) {
		return nil, host.Errorf(b, "scale: got %v, want a finite number >= 0", scale)
	}
	o.opt.SetLRScale(scale)
	return starlark.None, nil
}

// parseGroups reads params as either a structure of tensors (one group
// with the default lr and weight decay) or a list of dicts with a "params"
// key and optional "lr" and "weight_decay" overrides, as torch's parameter
// groups.
func parseGroups(b *starlark.Builtin, params starlark.Value, lr, wd float64) ([]opsnn.Group, []leaf, error) {
	var specs []starlark.Value
	isGroups := false
	if list, ok := params.(*starlark.List); ok && list.Len() > 0 {
		isGroups = true
		for i := 0; i < list.Len(); i++ {
			d, ok := list.Index(i).(*starlark.Dict)
			if !ok {
				isGroups = false
				break
			}
			if _, found, _ := d.Get(starlark.String("params")); !found {
				isGroups = false
				break
			}
		}
		if isGroups {
			for i := 0; i < list.Len(); i++ {
				specs = append(specs, list.Index(i))
			}
		}
	}
	if !isGroups {
		return oneGroup(b, params, lr, wd, "params")
	}
	var groups []opsnn.Group
	var all []leaf
	for gi, spec := range specs {
		d := spec.(*starlark.Dict)
		glr, gwd := lr, wd
		var ps starlark.Value
		for _, kv := range d.Items() {
			key, _ := starlark.AsString(kv[0])
			switch key {
			case "params":
				ps = kv[1]
			case "lr", "weight_decay":
				f, ok := starlark.AsFloat(kv[1])
				if !ok {
					return nil, nil, host.Errorf(b, "params[%d][%q]: got %s, want a number", gi, key, kv[1].Type())
				}
				if key == "lr" {
					glr = f
				} else {
					gwd = f
				}
			default:
				return nil, nil, host.Errorf(b, "params[%d]: unknown group key %s, want \"params\", \"lr\" or \"weight_decay\"", gi, kv[0])
			}
		}
		g, leaves, err := oneGroup(b, ps, glr, gwd, fmt.Sprintf("params[%d][\"params\"]", gi))
		if err != nil {
			return nil, nil, err
		}
		groups = append(groups, g...)
		all = append(all, leaves...)
	}
	return groups, all, nil
}

func oneGroup(b *starlark.Builtin, params starlark.Value, lr, wd float64, what string) ([]opsnn.Group, []leaf, error) {
	var leaves []leaf
	if err := collectLeaves(params, "", &leaves); err != nil {
		return nil, nil, host.Errorf(b, "%s: %v", what, err)
	}
	g := opsnn.Group{LR: lr, WeightDecay: wd}
	for _, l := range leaves {
		if !l.t.IsContiguous() {
			return nil, nil, host.Errorf(b, "%s: %s is a non-contiguous view; pass tensor.contiguous(x) and keep that tensor as the parameter", what, orRoot(l.path))
		}
		g.Params = append(g.Params, l.t)
	}
	return []opsnn.Group{g}, leaves, nil
}

func betasArg(b *starlark.Builtin, v starlark.Value) (float64, float64, error) {
	tup, ok := v.(starlark.Tuple)
	if !ok {
		if l, isList := v.(*starlark.List); isList && l.Len() == 2 {
			tup, ok = starlark.Tuple{l.Index(0), l.Index(1)}, true
		}
	}
	if !ok || len(tup) != 2 {
		return 0, 0, host.Errorf(b, "betas: got %s, want a pair (beta1, beta2)", v)
	}
	b1, ok1 := starlark.AsFloat(tup[0])
	b2, ok2 := starlark.AsFloat(tup[1])
	if !ok1 || !ok2 {
		return 0, 0, host.Errorf(b, "betas: got %s, want two numbers", v)
	}
	return b1, b2, nil
}

func adamBuiltin(decoupled bool) host.Func {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var params starlark.Value
		lr, eps, wd := 1e-3, 1e-8, 0.0
		if decoupled {
			wd = 1e-2
		}
		var betas starlark.Value = starlark.Tuple{starlark.Float(0.9), starlark.Float(0.999)}
		if err := host.UnpackArgs(b.Name(), args, kwargs, "params", &params, "lr?", &lr, "betas?", &betas, "eps?", &eps, "weight_decay?", &wd); err != nil {
			return nil, err
		}
		b1, b2, err := betasArg(b, betas)
		if err != nil {
			return nil, err
		}
		groups, leaves, err := parseGroups(b, params, lr, wd)
		if err != nil {
			return nil, err
		}
		cfg := opsnn.AdamConfig{Beta1: b1, Beta2: b2, Eps: eps}
		var opt *opsnn.Adam
		name := "adam"
		if decoupled {
			name = "adamw"
			opt, err = opsnn.NewAdamW(groups, cfg)
		} else {
			opt, err = opsnn.NewAdam(groups, cfg)
		}
		if err != nil {
			return nil, host.Errorf(b, "%s", strings.TrimPrefix(err.Error(), name+": "))
		}
		return &Optimizer{name: name, opt: opt, leaves: leaves}, nil
	}
}

func sgdBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var params starlark.Value
	var lr float64
	momentum, dampening, wd := 0.0, 0.0, 0.0
	nesterov := false
	if err := host.UnpackArgs(b.Name(), args, kwargs, "params", &params, "lr", &lr, "momentum?", &momentum, "dampening?", &dampening, "weight_decay?", &wd, "nesterov?", &nesterov); err != nil {
		return nil, err
	}
	groups, leaves, err := parseGroups(b, params, lr, wd)
	if err != nil {
		return nil, err
	}
	opt, err := opsnn.NewSGD(groups, momentum, dampening, nesterov)
	if err != nil {
		return nil, host.Errorf(b, "%s", strings.TrimPrefix(err.Error(), "sgd: "))
	}
	return &Optimizer{name: "sgd", opt: opt, leaves: leaves}, nil
}

func clipGradNorm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gradsV starlark.Value
	var maxNorm float64
	if err := host.UnpackArgs(b.Name(), args, kwargs, "grads", &gradsV, "max_norm", &maxNorm); err != nil {
		return nil, err
	}
	if !(maxNorm > 0) {
		return nil, host.Errorf(b, "max_norm: got %v, want a positive number", maxNorm)
	}
	var gl []leaf
	if err := collectLeaves(gradsV, "", &gl); err != nil {
		return nil, host.Errorf(b, "grads: %v", err)
	}
	copies := make([]*tensor.Tensor, len(gl))
	wrapped := make([]starlark.Value, len(gl))
	for i, g := range gl {
		copies[i] = g.t.Clone()
		wrapped[i] = tensorb.Wrap(copies[i])
	}
	norm := opsnn.ClipGradNorm(copies, maxNorm)
	next := 0
	return starlark.Tuple{rebuild(gradsV, wrapped, &next), starlark.Float(norm)}, nil
}

func warmupCosine(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var step, warmup, total int
	minScale := 0.0
	if err := host.UnpackArgs(b.Name(), args, kwargs, "step", &step, "warmup", &warmup, "total", &total, "min_scale?", &minScale); err != nil {
		return nil, err
	}
	if step < 0 || warmup < 0 || total < 0 {
		return nil, host.Errorf(b, "step, warmup, total: got %d, %d, %d, want counts >= 0", step, warmup, total)
	}
	if !(minScale >= 0 && minScale <= 1) {
		return nil, host.Errorf(b, "min_scale: got %v, want a number in [0, 1]", minScale)
	}
	return starlark.Float(opsnn.WarmupCosine(warmup, total, minScale)(step)), nil
}

var optimDocs = []host.Builtin{
	{Name: "sgd", Fn: sgdBuiltin, Doc: `sgd(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)

Returns an SGD optimizer over params, as torch.optim.SGD: weight decay adds
weight_decay·p to the gradient; with momentum μ the buffer starts at the
first gradient and then follows buf = μ·buf + (1 − dampening)·g; nesterov
steps along g + μ·buf. params is a structure of tensors (see nn.grad) or a
list of groups {"params": ..., "lr": ..., "weight_decay": ...}. opt.step(grads)
updates the parameter tensors in place; grads match params by dict path
when both are dicts with the same keys, by position otherwise.`},
	{Name: "adam", Fn: adamBuiltin(false), Doc: `adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)

Returns an Adam optimizer (Kingma and Ba, arXiv:1412.6980) with bias
correction, as torch.optim.Adam: weight_decay adds an L2 term to the
gradient. params, groups and opt.step(grads) are as for nn.sgd.`},
	{Name: "adamw", Fn: adamBuiltin(true), Doc: `adamw(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)

Returns AdamW (Loshchilov and Hutter, arXiv:1711.05101), as
torch.optim.AdamW: each step first multiplies p by 1 − lr·weight_decay,
then applies the Adam update of the raw gradient.`},
	{Name: "clip_grad_norm", Fn: clipGradNorm, Doc: `clip_grad_norm(grads, max_norm)

Returns (clipped, norm): norm is the global L2 norm of all gradient tensors
together; when it exceeds max_norm, clipped holds copies scaled by
max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_. The input
tensors are not changed.`},
	{Name: "warmup_cosine", Fn: warmupCosine, Doc: `warmup_cosine(step, warmup, total, min_scale=0.0)

Returns the learning-rate multiplier at a 0-based step: linear warm-up from
1/warmup to 1 over warmup steps, then a half cosine from 1 down to
min_scale (in [0, 1]) at step total, constant afterwards. Pass it to
opt.set_lr_scale(scale) before opt.step.`},
}
