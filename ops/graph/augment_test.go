package graph

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// ringGraph is an undirected ring of n nodes with chords i—i+5 and dense
// random features.
func ringGraph(n, f int) *Graph {
	var edges []Edge
	for i := 0; i < n; i++ {
		for _, d := range []int{1, 5} {
			j := (i + d) % n
			edges = append(edges, Edge{i, j, 1}, Edge{j, i, 1})
		}
	}
	adj, _ := FromEdges(n, n, edges, false)
	rng := rand.New(rand.NewPCG(7, 7))
	x := make([]float32, n*f)
	for i := range x {
		x[i] = rng.Float32() + 0.1
	}
	return &Graph{Name: "ring", Adj: adj, X: &Features{Rows: n, Cols: f, Dense: x}}
}

func sameGraph(a, b *Graph) bool {
	return reflect.DeepEqual(a.Adj.Indptr, b.Adj.Indptr) && reflect.DeepEqual(a.Adj.Indices, b.Adj.Indices) &&
		reflect.DeepEqual(a.X.ToDense(), b.X.ToDense())
}

func TestAugmentorResamplesAndReproduces(t *testing.T) {
	g := ringGraph(60, 8)
	augs := []Augmentation{EdgeRemoving{P: 0.3, Undirected: true}, FeatureMasking{P: 0.3}}
	a1 := NewAugmentor(42, augs...)
	a2 := NewAugmentor(42, augs...)
	var views1, views2 []*Graph
	for step := 0; step < 3; step++ {
		v1, err := a1.View(g)
		if err != nil {
			t.Fatal(err)
		}
		v2, _ := a2.View(g)
		views1, views2 = append(views1, v1), append(views2, v2)
	}
	for step := range views1 {
		if !sameGraph(views1[step], views2[step]) {
			t.Errorf("step %d: two augmentors with seed 42 gave different views", step)
		}
	}
	if sameGraph(views1[0], views1[1]) || sameGraph(views1[1], views1[2]) {
		t.Error("consecutive steps of one augmentor gave identical views, want resampling")
	}
	a1.Freeze()
	f1, _ := a1.View(g)
	f2, _ := a1.View(g)
	if !sameGraph(f1, f2) {
		t.Error("frozen augmentor: two calls gave different views")
	}
	if g.Adj.NNZ() != 240 {
		t.Errorf("input graph changed: %d entries, want 240", g.Adj.NNZ())
	}
}

// withinBinomial reports whether count is within 5 standard deviations of
// the mean of Binomial(n, p).
func withinBinomial(count, n int, p float64) bool {
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	return math.Abs(float64(count)-mean) <= 5*sd+1
}

func TestEdgeRemovingKeepsSymmetry(t *testing.T) {
	g := ringGraph(500, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	v, err := EdgeRemoving{P: 0.4, Undirected: true}.Apply(g, rng)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Adj.IsSymmetric() {
		t.Error("undirected edge removing: result is not symmetric")
	}
	removed := (g.Adj.NNZ() - v.Adj.NNZ()) / 2
	if !withinBinomial(removed, g.Adj.NNZ()/2, 0.4) {
		t.Errorf("removed %d of %d pairs, want about %g", removed, g.Adj.NNZ()/2, 0.4*float64(g.Adj.NNZ()/2))
	}
	all, _ := EdgeRemoving{P: 1}.Apply(g, rng)
	none, _ := EdgeRemoving{P: 0}.Apply(g, rng)
	if all.Adj.NNZ() != 0 || none.Adj.NNZ() != g.Adj.NNZ() {
		t.Errorf("p=1 kept %d entries, p=0 kept %d; want 0 and %d", all.Adj.NNZ(), none.Adj.NNZ(), g.Adj.NNZ())
	}
	if _, err := (EdgeRemoving{P: 1.5}).Apply(g, rng); err == nil {
		t.Error("p=1.5: got no error")
	}
}

func TestEdgeAddingAddsNewPairs(t *testing.T) {
	g := ringGraph(100, 2)
	v, err := EdgeAdding{Ratio: 0.25, Undirected: true}.Apply(g, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Adj.NNZ()-g.Adj.NNZ(), 2*int(0.25*float64(g.Adj.NNZ()/2)); got != want {
		t.Errorf("added %d entries, want %d", got, want)
	}
	if !v.Adj.IsSymmetric() || v.Adj.CountSelfLoops() != 0 || v.Adj.Validate() != nil {
		t.Error("added edges break symmetry, add self loops or duplicate entries")
	}
}

func TestFeatureAugmentations(t *testing.T) {
	g := ringGraph(200, 400)
	rng := rand.New(rand.NewPCG(5, 5))

	v, _ := FeatureMasking{P: 0.3}.Apply(g, rng)
	x := v.X.Dense
	zeroCols := 0
	for j := 0; j < 400; j++ {
		zeros := 0
		for i := 0; i < 200; i++ {
			if x[i*400+j] == 0 {
				zeros++
			}
		}
		if zeros != 0 && zeros != 200 {
			t.Fatalf("column masking: column %d has %d zeros, want 0 or 200", j, zeros)
		}
		if zeros == 200 {
			zeroCols++
		}
	}
	if !withinBinomial(zeroCols, 400, 0.3) {
		t.Errorf("column masking: %d of 400 columns masked, want about 120", zeroCols)
	}

	v, _ = NodeRowMasking{P: 0.2}.Apply(g, rng)
	zeroRows := 0
	for i := 0; i < 200; i++ {
		if slices.Max(v.X.Dense[i*400:(i+1)*400]) == 0 {
			zeroRows++
		}
	}
	if zeroRows != 40 {
		t.Errorf("row masking: %d rows zeroed, want exactly 40", zeroRows)
	}

	v, _ = FeatureDropout{P: 0.5}.Apply(g, rng)
	dropped := 0
	for k, val := range v.X.Dense {
		if val == 0 {
			dropped++
		} else if math.Abs(float64(val-2*g.X.Dense[k])) > 1e-6 {
			t.Fatalf("dropout: kept element %d is %g, want 2·%g", k, val, g.X.Dense[k])
		}
	}
	if !withinBinomial(dropped, 80000, 0.5) {
		t.Errorf("dropout: %d of 80000 dropped, want about 40000", dropped)
	}

	v, _ = NodeShuffling{}.Apply(g, rng)
	if v.Adj != g.Adj || reflect.DeepEqual(v.X.Dense, g.X.Dense) {
		t.Error("node shuffling: want the same adjacency and permuted features")
	}
}

func TestNodeDroppingAndRWSampling(t *testing.T) {
	g := ringGraph(100, 3)
	rng := rand.New(rand.NewPCG(9, 9))
	v, err := NodeDropping{P: 0.2}.Apply(g, rng)
	if err != nil {
		t.Fatal(err)
	}
	if v.N() != 80 || v.X.Rows != 80 || v.Validate() != nil {
		t.Errorf("node dropping: %d nodes, %d feature rows; want 80", v.N(), v.X.Rows)
	}
	w, err := RWSampling{Ratio: 0.3, Restart: 0.2}.Apply(g, rng)
	if err != nil {
		t.Fatal(err)
	}
	if w.N() != 30 || w.Validate() != nil {
		t.Errorf("random-walk subgraph: %d nodes, want 30", w.N())
	}
}

func TestGCAProbabilities(t *testing.T) {
	// Star: center 0 with degree 4, leaves with degree 1.
	var edges []Edge
	for i := 1; i <= 4; i++ {
		edges = append(edges, Edge{0, i, 1}, Edge{i, 0, 1})
	}
	a, _ := FromEdges(5, 5, edges, false)
	probs, err := GCAEdgeDropProbs(a, 0.3, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	// s is the log degree of the receiving node, the row: log 4 for the
	// center's entries (0, leaf), log 1 for the leaves' entries (leaf, 0),
	// half of each. So the center keeps its incoming edges and each leaf
	// loses its only one with probability 0.3·2 = 0.6.
	hi, mean := math.Log(4), math.Log(4)/2
	for u := 0; u < a.Rows; u++ {
		s := 0.0
		if u == 0 {
			s = math.Log(4)
		}
		want := math.Min(0.3*(hi-s)/(hi-mean), 0.7)
		for k := a.Indptr[u]; k < a.Indptr[u+1]; k++ {
			if math.Abs(probs[k]-want) > 1e-12 {
				t.Errorf("entry (%d, %d): got %g, want %g", u, a.Indices[k], probs[k], want)
			}
		}
	}
	if want := 0.6; math.Abs(probs[a.Indptr[1]]-want) > 1e-12 {
		t.Errorf("entry (1, 0), the leaf's incoming edge: got %g, want %g", probs[a.Indptr[1]], want)
	}
	capped, _ := GCAEdgeDropProbs(a, 0.9, 0.7)
	if slices.Max(capped) != 0.7 {
		t.Errorf("cap: largest probability %g, want 0.7", slices.Max(capped))
	}
}

// denseT returns Â of a as a gonum matrix.
func denseT(t *testing.T, a *CSR) *mat.Dense {
	norm, err := GCNNorm(a)
	if err != nil {
		t.Fatal(err)
	}
	n := a.Rows
	d := norm.Dense()
	out := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out.Set(i, j, float64(d[i*n+j]))
		}
	}
	return out
}

func TestDiffusionMatchesClosedForm(t *testing.T) {
	g := ringGraph(30, 1)
	n := 30
	tm := denseT(t, g.Adj)
	eye := mat.NewDiagDense(n, nil)
	for i := 0; i < n; i++ {
		eye.SetDiag(i, 1)
	}

	var ppr mat.Dense // α (I − (1−α) T)^-1
	var m mat.Dense
	m.Scale(-(1 - 0.15), tm)
	m.Add(&m, eye)
	if err := ppr.Inverse(&m); err != nil {
		t.Fatal(err)
	}
	ppr.Scale(0.15, &ppr)

	var heat mat.Dense // exp(−t (I − T))
	m.Sub(eye, tm)
	m.Scale(-3, &m)
	heat.Exp(&m)

	for _, c := range []struct {
		opt  DiffusionOptions
		want *mat.Dense
	}{
		{DiffusionOptions{Kernel: "ppr", Alpha: 0.15, Tol: 1e-9}, &ppr},
		{DiffusionOptions{Kernel: "heat", T: 3, Tol: 1e-9}, &heat},
	} {
		s, err := Diffusion(context.Background(), g.Adj, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		got := s.Dense()
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if d := math.Abs(float64(got[i*n+j]) - c.want.At(i, j)); d > 1e-5 {
					t.Fatalf("%s: S[%d,%d] got %g, want %g", c.opt.Kernel, i, j, got[i*n+j], c.want.At(i, j))
				}
			}
		}
	}

	top, _ := Diffusion(context.Background(), g.Adj, DiffusionOptions{Kernel: "ppr", Alpha: 0.15, TopK: 4})
	if top.NNZ() != 4*n {
		t.Errorf("top-4: %d entries, want %d", top.NNZ(), 4*n)
	}
	eps, _ := Diffusion(context.Background(), g.Adj, DiffusionOptions{Kernel: "ppr", Alpha: 0.15, Eps: 0.01})
	for k, v := range eps.Values {
		if v < 0.01 {
			t.Fatalf("eps=0.01: entry %d is %g", k, v)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Diffusion(ctx, g.Adj, DiffusionOptions{Kernel: "heat", T: 5}); err != context.Canceled {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := Diffusion(context.Background(), g.Adj, DiffusionOptions{Kernel: "ppr", Alpha: 0.15, TopK: 3, Eps: 0.1}); err == nil {
		t.Error("top_k and eps together: got no error")
	}
}

func TestViewBatchAugmentsEachGraph(t *testing.T) {
	var graphs []*Graph
	for i := 0; i < 5; i++ {
		graphs = append(graphs, ringGraph(20+i, 3))
	}
	b, err := NewBatch(graphs, []int{0, 1, 0, 1, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	a1 := NewAugmentor(3, NodeDropping{P: 0.2})
	a2 := NewAugmentor(3, NodeDropping{P: 0.2})
	v1, err := a1.ViewBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := a2.ViewBatch(b)
	for i := 0; i < 5; i++ {
		want := (20 + i) - int(0.2*float64(20+i))
		if got := v1.Ptr[i+1] - v1.Ptr[i]; got != want {
			t.Errorf("graph %d: %d nodes after dropping, want %d", i, got, want)
		}
	}
	if !reflect.DeepEqual(v1.Union.Adj.Indices, v2.Union.Adj.Indices) || !reflect.DeepEqual(v1.Labels, b.Labels) {
		t.Error("same seed: batch views differ, or labels changed")
	}
	v3, _ := a1.ViewBatch(b)
	if reflect.DeepEqual(v1.Union.Adj.Indices, v3.Union.Adj.Indices) {
		t.Error("next step: batch view repeated, want resampling")
	}
}

func TestGCAFeatureMaskingUsesCleanGraph(t *testing.T) {
	// Star with center 0 and leaves 1-4. Column 0 is set only at the
	// center (weight log 4), column 1 only at leaf 1 (log 1) and column 2
	// at leaves 1 and 2 (log 2), so with P = 0.5 the drop probabilities are
	// 0, 1 and 0.5.
	var edges []Edge
	for i := 1; i <= 4; i++ {
		edges = append(edges, Edge{0, i, 1}, Edge{i, 0, 1})
	}
	a, _ := FromEdges(5, 5, edges, false)
	x := []float32{
		1, 0, 0,
		0, 1, 1,
		0, 0, 1,
		0, 0, 0,
		0, 0, 0,
	}
	g := &Graph{Name: "star", Adj: a, X: &Features{Rows: 5, Cols: 3, Dense: x}}
	masking, err := NewGCAFeatureMasking(g, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 1, 0.5}
	for j, p := range masking.Probs {
		if math.Abs(p-want[j]) > 1e-12 {
			t.Errorf("column %d: probability got %g, want %g", j, p, want[j])
		}
	}

	// Removing every edge first must not change the column probabilities:
	// GCA computes them once from the clean graph.
	aug := NewAugmentor(3, EdgeRemoving{P: 1}, masking)
	dropped := make([]int, 3)
	const views = 40
	for v := 0; v < views; v++ {
		view, err := aug.View(g)
		if err != nil {
			t.Fatal(err)
		}
		if view.Adj.NNZ() != 0 {
			t.Fatalf("view %d: %d edges left, want 0", v, view.Adj.NNZ())
		}
		d := view.X.ToDense()
		for j, u := range []int{0, 1, 1} {
			if d[u*3+j] == 0 {
				dropped[j]++
			}
		}
	}
	if dropped[0] != 0 {
		t.Errorf("column 0 (probability 0): dropped in %d of %d views, want 0", dropped[0], views)
	}
	if dropped[1] != views {
		t.Errorf("column 1 (probability 1): dropped in %d of %d views, want %d", dropped[1], views, views)
	}
	if dropped[2] == 0 || dropped[2] == views {
		t.Errorf("column 2 (probability 0.5): dropped in %d of %d views, want some but not all", dropped[2], views)
	}
}

func TestGCAPrecomputedProbsCheckShape(t *testing.T) {
	g := ringGraph(10, 4)
	edgesAug, err := NewGCAEdgeRemoving(g, 0.3, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	featAug, err := NewGCAFeatureMasking(g, 0.3, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	other := ringGraph(12, 5)
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := edgesAug.Apply(other, rng); err == nil {
		t.Error("edge probabilities of a 10-node graph applied to a 12-node graph: got no error, want one")
	}
	if _, err := featAug.Apply(other, rng); err == nil {
		t.Error("column probabilities of 4 columns applied to 5 columns: got no error, want one")
	}
	if _, err := edgesAug.Apply(g, rng); err != nil {
		t.Errorf("edge probabilities on their own graph: %v", err)
	}
}
