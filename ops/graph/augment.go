package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Augmentation produces a random view of a graph. Apply must not modify g;
// it may share unchanged parts (adjacency or features) with it. Names
// follow PyGCL's augmentors where one exists.
type Augmentation interface {
	Name() string
	Apply(g *Graph, rng *rand.Rand) (*Graph, error)
}

// Augmentor applies a sequence of augmentations with its own random stream.
// Each call of View draws fresh randomness (step k uses the PCG stream
// (seed, k)), so views differ from step to step while two augmentors with
// the same seed produce the same sequence of views. After Freeze, every
// call repeats the randomness of the step at which it was frozen.
type Augmentor struct {
	Augs   []Augmentation
	seed   uint64
	step   uint64
	frozen bool
}

// NewAugmentor returns an augmentor that applies augs in order.
func NewAugmentor(seed uint64, augs ...Augmentation) *Augmentor {
	return &Augmentor{Augs: augs, seed: seed}
}

// Freeze makes every later View repeat the current step's randomness.
func (a *Augmentor) Freeze() { a.frozen = true }

// Frozen reports whether Freeze was called.
func (a *Augmentor) Frozen() bool { return a.frozen }

// Step returns the number of views drawn so far (not counting frozen calls).
func (a *Augmentor) Step() uint64 { return a.step }

// View returns a new augmented view of g.
func (a *Augmentor) View(g *Graph) (*Graph, error) {
	rng := rand.New(rand.NewPCG(a.seed, a.step))
	if !a.frozen {
		a.step++
	}
	out := g
	for _, aug := range a.Augs {
		var err error
		if out, err = aug.Apply(out, rng); err != nil {
			return nil, fmt.Errorf("graph: augmentation %s: %w", aug.Name(), err)
		}
	}
	return out, nil
}

// ViewBatch returns a batch whose graphs are augmented views of b's graphs,
// for graph-level methods (GraphCL). One call is one step: the graphs are
// augmented in order from that step's single random stream, so each graph
// gets different randomness and the whole batch repeats for the same seed
// and step. Graph labels are kept.
func (a *Augmentor) ViewBatch(b *Batch) (*Batch, error) {
	rng := rand.New(rand.NewPCG(a.seed, a.step))
	if !a.frozen {
		a.step++
	}
	graphs, err := b.Graphs()
	if err != nil {
		return nil, err
	}
	for i, g := range graphs {
		for _, aug := range a.Augs {
			if g, err = aug.Apply(g, rng); err != nil {
				return nil, fmt.Errorf("graph: augmentation %s of graph %d: %w", aug.Name(), i, err)
			}
		}
		graphs[i] = g
	}
	return NewBatch(graphs, b.Labels, b.NumClasses)
}

func checkProb(name string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%s: probability %g, want a value in [0, 1]", name, p)
	}
	return nil
}

func needFeatures(g *Graph) error {
	if g.X == nil {
		return fmt.Errorf("graph %s has no node features", g.Name)
	}
	return nil
}

// FeatureMasking zeroes whole feature columns, each with probability P, the
// same columns for every node (GRACE's drop_feature, Zhu et al., arXiv
// 2006.04131).
type FeatureMasking struct{ P float64 }

func (FeatureMasking) Name() string { return "FeatureMasking" }

func (f FeatureMasking) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", f.P); err != nil {
		return nil, err
	}
	if err := needFeatures(g); err != nil {
		return nil, err
	}
	keep := make([]float32, g.X.Cols)
	for j := range keep {
		if rng.Float64() >= f.P {
			keep[j] = 1
		}
	}
	return g.WithFeatures(scaleColumns(g.X, keep)), nil
}

// scaleColumns returns x with column j multiplied by w[j].
func scaleColumns(x *Features, w []float32) *Features {
	out := x.Clone()
	if out.Sparse != nil {
		s := out.Sparse
		if s.Values == nil {
			s.Values = make([]float32, s.NNZ())
			for k := range s.Values {
				s.Values[k] = 1
			}
		}
		for k, c := range s.Indices {
			s.Values[k] *= w[c]
		}
		return out
	}
	for i := 0; i < out.Rows; i++ {
		row := out.Dense[i*out.Cols : (i+1)*out.Cols]
		for j := range row {
			row[j] *= w[j]
		}
	}
	return out
}

// FeatureDropout zeroes each feature element independently with probability
// P and scales the kept ones by 1/(1-P), as torch.nn.functional.dropout
// does. For sparse features only stored entries can be dropped.
type FeatureDropout struct{ P float64 }

func (FeatureDropout) Name() string { return "FeatureDropout" }

func (f FeatureDropout) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", f.P); err != nil {
		return nil, err
	}
	if err := needFeatures(g); err != nil {
		return nil, err
	}
	scale := float32(0)
	if f.P < 1 {
		scale = float32(1 / (1 - f.P))
	}
	out := g.X.Clone()
	vals := out.Dense
	if out.Sparse != nil {
		if out.Sparse.Values == nil {
			out.Sparse.Values = make([]float32, out.Sparse.NNZ())
			for k := range out.Sparse.Values {
				out.Sparse.Values[k] = 1
			}
		}
		vals = out.Sparse.Values
	}
	for k := range vals {
		if rng.Float64() < f.P {
			vals[k] = 0
		} else {
			vals[k] *= scale
		}
	}
	return g.WithFeatures(out), nil
}

// NodeRowMasking zeroes the feature rows of ⌊P·N⌋ nodes drawn without
// replacement (GraphCL's "mask" augmentation on node-level data, You et
// al., arXiv 2010.13902).
type NodeRowMasking struct{ P float64 }

func (NodeRowMasking) Name() string { return "NodeRowMasking" }

func (f NodeRowMasking) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", f.P); err != nil {
		return nil, err
	}
	if err := needFeatures(g); err != nil {
		return nil, err
	}
	n := g.N()
	masked := rng.Perm(n)[:int(f.P*float64(n))]
	isMasked := make([]bool, n)
	for _, v := range masked {
		isMasked[v] = true
	}
	out := g.X.Clone()
	if out.Sparse != nil {
		s := out.Sparse
		if s.Values == nil {
			s.Values = make([]float32, s.NNZ())
			for k := range s.Values {
				s.Values[k] = 1
			}
		}
		for _, v := range masked {
			clear(s.Values[s.Indptr[v]:s.Indptr[v+1]])
		}
	} else {
		for _, v := range masked {
			clear(out.Dense[v*out.Cols : (v+1)*out.Cols])
		}
	}
	return g.WithFeatures(out), nil
}

// NodeShuffling permutes the feature rows (and node labels stay with the
// nodes, not the rows): the corruption function of DGI (Veličković et al.,
// arXiv 1809.10341).
type NodeShuffling struct{}

func (NodeShuffling) Name() string { return "NodeShuffling" }

func (NodeShuffling) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := needFeatures(g); err != nil {
		return nil, err
	}
	return g.WithFeatures(g.X.SelectRows(rng.Perm(g.N()))), nil
}

// EdgeRemoving drops each stored adjacency entry with probability P (PyG's
// dropout_edge). With Undirected the decision is made once per unordered
// pair {u, v} and applied to both directions, so a symmetric adjacency stays
// symmetric. Edge weights are kept on the surviving entries.
type EdgeRemoving struct {
	P          float64
	Undirected bool
}

func (EdgeRemoving) Name() string { return "EdgeRemoving" }

func (e EdgeRemoving) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", e.P); err != nil {
		return nil, err
	}
	probs := func(int, int, int) float64 { return e.P }
	return g.WithAdj(dropEdges(g.Adj, probs, e.Undirected, rng)), nil
}

// dropEdges removes entry k = (u, v) with probability prob(k, u, v). With
// undirected, the draw is made for u <= v and the mirror entry follows it.
func dropEdges(a *CSR, prob func(k, u, v int) float64, undirected bool, rng *rand.Rand) *CSR {
	keep := make([]bool, a.NNZ())
	for u := 0; u < a.Rows; u++ {
		for k := a.Indptr[u]; k < a.Indptr[u+1]; k++ {
			v := int(a.Indices[k])
			if undirected && v < u {
				continue
			}
			keep[k] = rng.Float64() >= prob(k, u, v)
		}
	}
	if undirected {
		for u := 0; u < a.Rows; u++ {
			for k := a.Indptr[u]; k < a.Indptr[u+1]; k++ {
				v := int(a.Indices[k])
				if v >= u {
					continue
				}
				cols, _ := a.Row(v)
				if m, ok := slices.BinarySearch(cols, int32(u)); ok {
					keep[k] = keep[a.Indptr[v]+m]
				} else {
					keep[k] = rng.Float64() >= prob(k, u, v) // no mirror entry
				}
			}
		}
	}
	return filterEntries(a, keep)
}

func filterEntries(a *CSR, keep []bool) *CSR {
	out := &CSR{Rows: a.Rows, Cols: a.Cols, Indptr: make([]int, a.Rows+1), norm: a.norm}
	for u := 0; u < a.Rows; u++ {
		for k := a.Indptr[u]; k < a.Indptr[u+1]; k++ {
			if !keep[k] {
				continue
			}
			out.Indices = append(out.Indices, a.Indices[k])
			if a.Values != nil {
				out.Values = append(out.Values, a.Values[k])
			}
		}
		out.Indptr[u+1] = len(out.Indices)
	}
	if out.Indices == nil {
		out.Indices = []int32{}
	}
	return out
}

// EdgeAdding adds ⌊Ratio·E⌋ new edges between distinct, not yet adjacent
// nodes drawn uniformly (PyG's add_random_edge), where E counts stored
// entries, or unordered pairs with Undirected (which adds both directions).
// New edges get weight 1.
type EdgeAdding struct {
	Ratio      float64
	Undirected bool
}

func (EdgeAdding) Name() string { return "EdgeAdding" }

func (e EdgeAdding) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if !(e.Ratio >= 0) {
		return nil, fmt.Errorf("ratio %g, want a value >= 0", e.Ratio)
	}
	a := g.Adj
	n := a.Rows
	count := a.NNZ()
	if e.Undirected {
		count = (count + a.CountSelfLoops()) / 2
	}
	want := int(e.Ratio * float64(count))
	free := n*(n-1) - a.NNZ() + a.CountSelfLoops()
	if e.Undirected {
		free /= 2
	}
	if want > free {
		return nil, fmt.Errorf("cannot add %d edges, only %d node pairs are free", want, free)
	}
	edges := a.Edges()
	added := map[[2]int]bool{}
	for len(added) < want {
		u, v := rng.IntN(n), rng.IntN(n)
		if u == v {
			continue
		}
		if e.Undirected && u > v {
			u, v = v, u
		}
		cols, _ := a.Row(u)
		if _, exists := slices.BinarySearch(cols, int32(v)); exists || added[[2]int{u, v}] {
			continue
		}
		added[[2]int{u, v}] = true
		edges = append(edges, Edge{u, v, 1})
		if e.Undirected {
			edges = append(edges, Edge{v, u, 1})
		}
	}
	adj, err := FromEdges(n, n, edges, a.Values != nil)
	if err != nil {
		return nil, err
	}
	adj.norm = a.norm
	return g.WithAdj(adj), nil
}

// NodeDropping removes ⌊P·N⌋ nodes drawn without replacement together with
// their edges, returning the subgraph induced by the others in their
// original order (GraphCL's node dropping).
type NodeDropping struct{ P float64 }

func (NodeDropping) Name() string { return "NodeDropping" }

func (d NodeDropping) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("p", d.P); err != nil {
		return nil, err
	}
	n := g.N()
	drop := int(d.P * float64(n))
	perm := rng.Perm(n)
	keep := slices.Clone(perm[drop:])
	slices.Sort(keep)
	return g.Subgraph(keep)
}

// RWSampling keeps the nodes visited by a random walk with restart and
// returns the subgraph they induce (GraphCL's "subgraph" augmentation,
// sampled by walking). The walk starts at a random node, returns to the
// start with probability Restart at each step, and jumps to a new random
// start after 100·target steps without reaching the target, which is
// ⌈Ratio·N⌉ nodes.
type RWSampling struct {
	Ratio   float64
	Restart float64
}

func (RWSampling) Name() string { return "RWSampling" }

func (s RWSampling) Apply(g *Graph, rng *rand.Rand) (*Graph, error) {
	if err := checkProb("ratio", s.Ratio); err != nil {
		return nil, err
	}
	if err := checkProb("restart", s.Restart); err != nil {
		return nil, err
	}
	n := g.N()
	target := min(n, int(float64(n)*s.Ratio+0.999999))
	visited := make([]bool, n)
	var keep []int
	visit := func(v int) {
		if !visited[v] {
			visited[v] = true
			keep = append(keep, v)
		}
	}
	for len(keep) < target {
		start := rng.IntN(n)
		visit(start)
		cur := start
		for steps := 0; steps < 100*target && len(keep) < target; steps++ {
			cols, _ := g.Adj.Row(cur)
			if len(cols) == 0 || rng.Float64() < s.Restart {
				cur = start
				continue
			}
			cur = int(cols[rng.IntN(len(cols))])
			visit(cur)
		}
	}
	slices.Sort(keep)
	return g.Subgraph(keep)
}
