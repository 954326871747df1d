package graph

import (
	"fmt"
	"math/rand/v2"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/graph"
)

// Augmentation is the Starlark value of one augmentation spec
// ("graph.augmentation"); its String() is the call that built it.
type Augmentation struct {
	aug  graph.Augmentation
	call string
}

func (a *Augmentation) String() string        { return a.call }
func (a *Augmentation) Type() string          { return "graph.augmentation" }
func (a *Augmentation) Freeze()               {}
func (a *Augmentation) Truth() starlark.Bool  { return true }
func (a *Augmentation) Hash() (uint32, error) { return starlark.String(a.call).Hash() }

// Unwrap returns the ops augmentation, for other bindings (ssl).
func (a *Augmentation) Unwrap() graph.Augmentation { return a.aug }

// AugmentationsArg converts a list of graph.augmentation values, for this
// module and for ssl's settings.
func AugmentationsArg(fn *starlark.Builtin, what string, v starlark.Value) ([]graph.Augmentation, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		if a, ok := v.(*Augmentation); ok {
			return []graph.Augmentation{a.aug}, nil
		}
		return nil, host.Errorf(fn, "%s: got %s, want a list of graph augmentations", what, v.Type())
	}
	out := make([]graph.Augmentation, seq.Len())
	for i := range out {
		a, ok := seq.Index(i).(*Augmentation)
		if !ok {
			return nil, host.Errorf(fn, "%s[%d]: got %s, want a graph augmentation such as graph.edge_removing(0.2)", what, i, seq.Index(i).Type())
		}
		out[i] = a.aug
	}
	return out, nil
}

// probArg checks a probability argument.
func probArg(fn *starlark.Builtin, what string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return host.Errorf(fn, "%s: got %g, want a probability in [0, 1]", what, p)
	}
	return nil
}

func featureMasking(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	return &Augmentation{graph.FeatureMasking{P: p}, fmt.Sprintf("graph.feature_masking(p=%g)", p)}, nil
}

func featureDropout(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	return &Augmentation{graph.FeatureDropout{P: p}, fmt.Sprintf("graph.feature_dropout(p=%g)", p)}, nil
}

func nodeRowMasking(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	return &Augmentation{graph.NodeRowMasking{P: p}, fmt.Sprintf("graph.node_row_masking(p=%g)", p)}, nil
}

func nodeShuffling(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return &Augmentation{graph.NodeShuffling{}, "graph.node_shuffling()"}, nil
}

func edgeRemoving(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	undirected := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p, "undirected?", &undirected); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	return &Augmentation{graph.EdgeRemoving{P: p, Undirected: undirected}, fmt.Sprintf("graph.edge_removing(p=%g, undirected=%s)", p, starlark.Bool(undirected))}, nil
}

func edgeAdding(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var ratio float64
	undirected := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "ratio", &ratio, "undirected?", &undirected); err != nil {
		return nil, err
	}
	if !(ratio >= 0 && ratio <= 10) {
		return nil, host.Errorf(fn, "ratio: got %g, want a value in [0, 10]", ratio)
	}
	return &Augmentation{graph.EdgeAdding{Ratio: ratio, Undirected: undirected}, fmt.Sprintf("graph.edge_adding(ratio=%g, undirected=%s)", ratio, starlark.Bool(undirected))}, nil
}

func gcaEdgeRemoving(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	cap := 0.7
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p, "cap?", &cap); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "cap", cap); err != nil {
		return nil, err
	}
	return &Augmentation{graph.GCAEdgeRemoving{P: p, Cap: cap}, fmt.Sprintf("graph.gca_edge_removing(p=%g, cap=%g)", p, cap)}, nil
}

func gcaFeatureMasking(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	cap := 0.7
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p, "cap?", &cap); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "cap", cap); err != nil {
		return nil, err
	}
	return &Augmentation{graph.GCAFeatureMasking{P: p, Cap: cap}, fmt.Sprintf("graph.gca_feature_masking(p=%g, cap=%g)", p, cap)}, nil
}

func nodeDropping(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var p float64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "p", &p); err != nil {
		return nil, err
	}
	if err := probArg(fn, "p", p); err != nil {
		return nil, err
	}
	return &Augmentation{graph.NodeDropping{P: p}, fmt.Sprintf("graph.node_dropping(p=%g)", p)}, nil
}

func rwSampling(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var ratio, restart float64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "ratio", &ratio, "restart?", &restart); err != nil {
		return nil, err
	}
	if err := probArg(fn, "ratio", ratio); err != nil {
		return nil, err
	}
	if err := probArg(fn, "restart", restart); err != nil {
		return nil, err
	}
	return &Augmentation{graph.RWSampling{Ratio: ratio, Restart: restart}, fmt.Sprintf("graph.rw_sampling(ratio=%g, restart=%g)", ratio, restart)}, nil
}

func pprDiffusion(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	alpha, topK, eps := 0.2, 0, 0.0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "alpha?", &alpha, "top_k?", &topK, "eps?", &eps); err != nil {
		return nil, err
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, host.Errorf(fn, "alpha: got %g, want a value in (0, 1)", alpha)
	}
	if topK < 0 || eps < 0 || (topK > 0 && eps > 0) {
		return nil, host.Errorf(fn, "top_k, eps: got %d and %g, want at most one of them positive", topK, eps)
	}
	return &Augmentation{graph.PPRDiffusion{Alpha: alpha, TopK: topK, Eps: eps}, fmt.Sprintf("graph.ppr_diffusion(alpha=%g, top_k=%d, eps=%g)", alpha, topK, eps)}, nil
}

func heatDiffusion(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t, topK, eps := 5.0, 0, 0.0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "t?", &t, "top_k?", &topK, "eps?", &eps); err != nil {
		return nil, err
	}
	if !(t > 0 && t <= 100) {
		return nil, host.Errorf(fn, "t: got %g, want a value in (0, 100]", t)
	}
	if topK < 0 || eps < 0 || (topK > 0 && eps > 0) {
		return nil, host.Errorf(fn, "top_k, eps: got %d and %g, want at most one of them positive", topK, eps)
	}
	return &Augmentation{graph.HeatDiffusion{T: t, TopK: topK, Eps: eps}, fmt.Sprintf("graph.heat_diffusion(t=%g, top_k=%d, eps=%g)", t, topK, eps)}, nil
}

// Augmentor is the Starlark value of a seeded augmentation pipeline
// ("graph.augmentor").
type Augmentor struct {
	a    *graph.Augmentor
	seed uint64
	list string
}

var _ starlark.HasAttrs = (*Augmentor)(nil)

// Unwrap returns the ops augmentor.
func (v *Augmentor) Unwrap() *graph.Augmentor { return v.a }

func (v *Augmentor) String() string {
	return fmt.Sprintf("graph.augmentor(%s, seed=%d, step=%d, frozen=%s)", v.list, v.seed, v.a.Step(), starlark.Bool(v.a.Frozen()))
}
func (v *Augmentor) Type() string          { return "graph.augmentor" }
func (v *Augmentor) Freeze()               {}
func (v *Augmentor) Truth() starlark.Bool  { return true }
func (v *Augmentor) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: graph.augmentor") }

func (v *Augmentor) AttrNames() []string { return []string{"freeze", "frozen", "seed", "step", "view"} }

func (v *Augmentor) Attr(name string) (starlark.Value, error) {
	switch name {
	case "step":
		return starlark.MakeUint64(v.a.Step()), nil
	case "seed":
		return starlark.MakeUint64(v.seed), nil
	case "frozen":
		return starlark.Bool(v.a.Frozen()), nil
	case "view":
		return starlark.NewBuiltin("graph.augmentor.view", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var gV starlark.Value
			if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV); err != nil {
				return nil, err
			}
			switch g := gV.(type) {
			case *Graph:
				view, err := v.a.View(g.g)
				if err != nil {
					return nil, host.Errorf(fn, "%v", err)
				}
				return WrapGraph(view), nil
			case *Batch:
				view, err := v.a.ViewBatch(g.b)
				if err != nil {
					return nil, host.Errorf(fn, "%v", err)
				}
				return &Batch{b: view, classValues: g.classValues}, nil
			}
			return nil, host.Errorf(fn, "g: got %s, want a graph.graph or graph.batch", gV.Type())
		}), nil
	case "freeze":
		return starlark.NewBuiltin("graph.augmentor.freeze", func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
				return nil, err
			}
			v.a.Freeze()
			return starlark.None, nil
		}), nil
	}
	return nil, nil
}

func seedArg(fn *starlark.Builtin, seed int) (uint64, error) {
	if seed < 0 {
		return 0, host.Errorf(fn, "seed: got %d, want a non-negative int", seed)
	}
	return uint64(seed), nil
}

func augmentor(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var augsV starlark.Value
	seed := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "augmentations", &augsV, "seed?", &seed); err != nil {
		return nil, err
	}
	augs, err := AugmentationsArg(fn, "augmentations", augsV)
	if err != nil {
		return nil, err
	}
	s, err := seedArg(fn, seed)
	if err != nil {
		return nil, err
	}
	return &Augmentor{a: graph.NewAugmentor(s, augs...), seed: s, list: augsV.String()}, nil
}

func augment(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gV, augsV starlark.Value
	seed := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "g", &gV, "augmentations", &augsV, "seed?", &seed); err != nil {
		return nil, err
	}
	g, err := graphArg(fn, "g", gV)
	if err != nil {
		return nil, err
	}
	augs, err := AugmentationsArg(fn, "augmentations", augsV)
	if err != nil {
		return nil, err
	}
	s, err := seedArg(fn, seed)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s, 0))
	view := g
	for _, a := range augs {
		if view, err = a.Apply(view, rng); err != nil {
			return nil, host.Errorf(fn, "augmentation %s: %v", a.Name(), err)
		}
	}
	return WrapGraph(view), nil
}
