package graph

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func dataRoot(t *testing.T) string {
	t.Helper()
	root := os.Getenv("PARE_DATA")
	if root == "" {
		t.Skip("PARE_DATA is not set; set it to the shared data folder to read graph files")
	}
	return root
}

func TestFromEdgesMergesAndValidates(t *testing.T) {
	m, err := FromEdges(3, 3, []Edge{{2, 0, 1}, {0, 1, 2}, {0, 1, 3}, {1, 2, 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Indptr, []int{0, 1, 2, 3}) || !reflect.DeepEqual(m.Indices, []int32{1, 2, 0}) || !reflect.DeepEqual(m.Values, []float32{5, 1, 1}) {
		t.Errorf("got indptr %v indices %v values %v, want [0 1 2 3] [1 2 0] [5 1 1]", m.Indptr, m.Indices, m.Values)
	}
	if _, err := FromEdges(3, 3, []Edge{{0, 3, 1}}, false); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("edge to node 3 of 3: got %v, want an out-of-range error", err)
	}
}

func TestSymmetrizeAndTranspose(t *testing.T) {
	m, _ := FromEdges(3, 3, []Edge{{0, 1, 1}, {1, 2, 1}}, false)
	if m.IsSymmetric() {
		t.Error("directed path: IsSymmetric got true, want false")
	}
	s, err := m.Symmetrize()
	if err != nil {
		t.Fatal(err)
	}
	if !s.IsSymmetric() || s.NNZ() != 4 {
		t.Errorf("symmetrized path: symmetric=%v nnz=%d, want true and 4", s.IsSymmetric(), s.NNZ())
	}
	tt := m.Transpose().Transpose()
	if !reflect.DeepEqual(tt.Indices, m.Indices) || !reflect.DeepEqual(tt.Indptr, m.Indptr) {
		t.Error("transpose twice: got a different matrix")
	}
}

func TestGCNNormMatchesFormula(t *testing.T) {
	// Path 0-1-2 with a self loop already on node 2.
	a, _ := FromEdges(3, 3, []Edge{{0, 1, 1}, {1, 0, 1}, {1, 2, 1}, {2, 1, 1}, {2, 2, 1}}, false)
	n, err := GCNNorm(a)
	if err != nil {
		t.Fatal(err)
	}
	got := n.Dense()
	// A + I (self loop on 2 kept once) has degrees 2, 3, 2.
	d := []float64{2, 3, 2}
	pattern := [9]float64{1, 1, 0, 1, 1, 1, 0, 1, 1}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want := pattern[i*3+j] / math.Sqrt(d[i]*d[j])
			if math.Abs(float64(got[i*3+j])-want) > 1e-6 {
				t.Errorf("Â[%d,%d]: got %g, want %g", i, j, got[i*3+j], want)
			}
		}
	}
	if n.Normalization() != "sym" {
		t.Errorf("normalization mark: got %q, want sym", n.Normalization())
	}
}

func TestGCNNormRejectsSecondPass(t *testing.T) {
	a, _ := FromEdges(2, 2, []Edge{{0, 1, 1}, {1, 0, 1}}, false)
	n, _ := GCNNorm(a)
	if _, err := GCNNorm(n); err == nil || !strings.Contains(err.Error(), "already normalized") {
		t.Errorf("GCNNorm twice: got %v, want an already-normalized error", err)
	}
	if _, err := GCNNorm(n.Clone()); err == nil {
		t.Error("GCNNorm of a clone of a normalized matrix: got no error")
	}
	if _, err := RowNormalize(n); err == nil {
		t.Error("RowNormalize of a GCN-normalized matrix: got no error")
	}
}

func randomCSR(rng *rand.Rand, rows, cols, nnz int, weighted bool) *CSR {
	edges := make([]Edge, nnz)
	for k := range edges {
		edges[k] = Edge{rng.IntN(rows), rng.IntN(cols), rng.Float32()*2 - 1}
	}
	m, _ := FromEdges(rows, cols, edges, weighted)
	return m
}

func TestSpMMMatchesDense(t *testing.T) {
	defer func(saved bool) { useAsm = saved }(useAsm)
	paths := []bool{false}
	if haveAVX2FMA {
		paths = append(paths, true)
	}
	const guard = 16
	for _, asm := range paths {
		useAsm = asm
		rng := rand.New(rand.NewPCG(1, 2))
		for _, c := range []struct {
			rows, cols, inner, nnz int
			weighted               bool
		}{{1, 1, 1, 1, true}, {7, 13, 5, 20, false}, {300, 37, 200, 2000, true}, {50, 8, 50, 0, true}, {40, 135, 60, 300, false}, {9, 64, 9, 30, true}} {
			a := randomCSR(rng, c.rows, c.inner, c.nnz, c.weighted)
			x := make([]float32, c.inner*c.cols)
			for i := range x {
				x[i] = rng.Float32()
			}
			// out sits between guard regions that SpMM must not touch.
			buf := make([]float32, c.rows*c.cols+2*guard)
			for i := range buf {
				buf[i] = float32(math.NaN())
			}
			out := buf[guard : guard+c.rows*c.cols]
			if err := SpMM(a, x, c.cols, out); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < guard; i++ {
				if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[len(buf)-1-i])) {
					t.Fatalf("asm=%v case %+v: guard region written", asm, c)
				}
			}
			dense := a.Dense()
			for i := 0; i < c.rows; i++ {
				for j := 0; j < c.cols; j++ {
					var want float64
					for k := 0; k < c.inner; k++ {
						want += float64(dense[i*c.inner+k]) * float64(x[k*c.cols+j])
					}
					if math.Abs(float64(out[i*c.cols+j])-want) > 1e-4 {
						t.Fatalf("asm=%v case %+v: out[%d,%d] got %g, want %g", asm, c, i, j, out[i*c.cols+j], want)
					}
				}
			}
		}
	}
	if err := SpMM(randomCSR(rand.New(rand.NewPCG(1, 1)), 2, 3, 2, false), make([]float32, 5), 2, make([]float32, 4)); err == nil {
		t.Error("SpMM with a short X: got no error")
	}
}

func TestLoadPlanetoidCora(t *testing.T) {
	g, err := LoadNPZ(filepath.Join(dataRoot(t), "graph/planetoid-cora.npz"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"nodes", g.N(), 2708},
		{"stored edges", g.NumEdges(), 10556},
		{"feature columns", g.X.Cols, 1433},
		{"feature nonzeros", g.X.Sparse.NNZ(), 49216},
		{"classes", g.NumClasses, 7},
		{"train", len(g.Split.Train), 140},
		{"val", len(g.Split.Val), 500},
		{"test", len(g.Split.Test), 1000},
		{"self loops", g.Adj.CountSelfLoops(), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("planetoid-cora %s: got %d, want %d", c.what, c.got, c.want)
		}
	}
	if !g.Adj.IsSymmetric() {
		t.Error("planetoid-cora adjacency: got asymmetric, want symmetric")
	}
	perClass := make([]int, 7)
	for _, v := range g.Split.Train {
		perClass[g.Y[v]]++
	}
	if !reflect.DeepEqual(perClass, []int{20, 20, 20, 20, 20, 20, 20}) {
		t.Errorf("train nodes per class: got %v, want 20 each", perClass)
	}
}

func TestLoadGnnBenchmarkCora(t *testing.T) {
	g, err := LoadNPZ(filepath.Join(dataRoot(t), "graph/cora.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if g.N() != 2708 || g.NumEdges() != 5429 || g.Split != nil || len(g.NodeNames) != 2708 || g.ClassNames[2] != "Neural_Networks" {
		t.Errorf("cora.npz: got N=%d E=%d split=%v names=%d class 2=%q; want 2708, 5429, nil, 2708, Neural_Networks", g.N(), g.NumEdges(), g.Split, len(g.NodeNames), g.ClassNames[2])
	}
	s, _ := g.Adj.Symmetrize()
	if s.NNZ() != 2*5278 {
		t.Errorf("cora.npz symmetrized: got %d entries, want %d", s.NNZ(), 2*5278)
	}
}

func TestLoadMUTAG(t *testing.T) {
	b, classes, err := LoadTU(filepath.Join(dataRoot(t), "graph/MUTAG"))
	if err != nil {
		t.Fatal(err)
	}
	count1 := 0
	for _, l := range b.Labels {
		count1 += l
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"graphs", b.NumGraphs(), 188},
		{"nodes", b.Union.N(), 3371},
		{"stored edges", b.Union.NumEdges(), 7442},
		{"feature columns", b.Union.X.Cols, 7},
		{"classes", b.NumClasses, 2},
		{"graphs with label 1", count1, 125},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("MUTAG %s: got %d, want %d", c.what, c.got, c.want)
		}
	}
	if !reflect.DeepEqual(classes, []int{-1, 1}) {
		t.Errorf("MUTAG class values: got %v, want [-1 1]", classes)
	}
	g0, err := b.Graph(0)
	if err != nil {
		t.Fatal(err)
	}
	if g0.N() != b.Ptr[1] || g0.Validate() != nil {
		t.Errorf("MUTAG graph 0: got %d nodes (%v), want %d", g0.N(), g0.Validate(), b.Ptr[1])
	}
	sub, err := b.Select([]int{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	if sub.NumGraphs() != 2 || sub.Labels[0] != b.Labels[3] || sub.Union.N() != (b.Ptr[4]-b.Ptr[3])+(b.Ptr[2]-b.Ptr[1]) {
		t.Errorf("Select([3 1]): got %d graphs, labels %v, %d nodes", sub.NumGraphs(), sub.Labels, sub.Union.N())
	}
}

// writeTU writes a TU folder named DS with the given file contents.
func writeTU(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "DS")
	os.Mkdir(dir, 0o755)
	for suffix, text := range files {
		os.WriteFile(filepath.Join(dir, "DS_"+suffix+".txt"), []byte(text), 0o644)
	}
	return dir
}

func TestLoadTUBadInput(t *testing.T) {
	good := map[string]string{"A": "1, 2\n2, 1\n3, 3\n", "graph_indicator": "1\n1\n2\n", "graph_labels": "0\n1\n"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	if _, _, err := LoadTU(writeTU(t, good)); err != nil {
		t.Fatalf("good folder: %v", err)
	}
	cases := []struct {
		name   string
		files  map[string]string
		substr string
	}{
		{"missing A", with("A", ""), "not a TU dataset folder"},
		{"label count", with("graph_labels", "0\n"), "has 1 labels, but"},
		{"node outside", with("A", "1, 4\n"), "outside 1..3"},
		{"edge across graphs", with("A", "1, 3\n"), "joins graphs"},
		{"indicator gap", with("graph_indicator", "1\n3\n3\n"), "contiguous"},
		{"bad line", with("A", "1 2 3\n"), "want \"row, col\""},
		{"node labels count", with("node_labels", "0\n1\n"), "2 lines for 3 nodes"},
		{"edge labels count", with("edge_labels", "0\n"), "has 3 edges"},
		{"not a number", with("graph_indicator", "1\nx\n2\n"), "invalid integer"},
	}
	for _, c := range cases {
		_, _, err := LoadTU(writeTU(t, c.files))
		if err == nil || !strings.Contains(err.Error(), c.substr) || !strings.Contains(err.Error(), "DS") {
			t.Errorf("%s: got %v, want an error naming the file and containing %q", c.name, err, c.substr)
		}
	}
}

func TestLoadNPZBadInput(t *testing.T) {
	dir := t.TempDir()
	writeNPZ := func(name string, arrays map[string][]int64) string {
		t.Helper()
		return writeIntNPZ(t, filepath.Join(dir, name), arrays)
	}
	cases := []struct {
		name   string
		arrays map[string][]int64
		substr string
	}{
		{"no adjacency", map[string][]int64{"labels": {0, 1}}, "no adjacency arrays (found labels)"},
		{"edge outside", map[string][]int64{"adj_data": {1}, "adj_indices": {5}, "adj_indptr": {0, 1, 1}, "adj_shape": {2, 2}}, "outside [0, 2)"},
		{"indptr length", map[string][]int64{"adj_data": {1}, "adj_indices": {1}, "adj_indptr": {0, 1}, "adj_shape": {2, 2}}, "want rows+1 = 3"},
		{"unlabeled split node", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, -1}, "train_idx": {1}, "val_idx": {}, "test_idx": {0}}, "train split has node 1, which has no label"},
		{"split without labels", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "train_idx": {1}, "val_idx": {}, "test_idx": {0}}, "has no label"},
		{"overlapping split", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, 1}, "train_idx": {1}, "val_idx": {}, "test_idx": {0, 1}}, "node 1 is in both train_idx and test_idx"},
		{"repeated split node", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, 1}, "train_idx": {1}, "val_idx": {}, "test_idx": {0, 0}}, "node 0 appears twice in test_idx"},
		{"partial split", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "train_idx": {1}}, "split is incomplete"},
		{"adj indptr decreases", map[string][]int64{"adj_data": {1, 1}, "adj_indices": {1, 0}, "adj_indptr": {0, 5, 2}, "adj_shape": {2, 2}}, "array adj_indptr decreases at row 1 (5 then 2)"},
		{"adj indptr negative", map[string][]int64{"adj_data": {1, 1}, "adj_indices": {1, 0}, "adj_indptr": {0, -1, 2}, "adj_shape": {2, 2}}, "array adj_indptr decreases at row 0 (0 then -1)"},
		{"adj index negative", map[string][]int64{"adj_data": {1}, "adj_indices": {-1}, "adj_indptr": {0, 1, 1}, "adj_shape": {2, 2}}, "array adj_indices entry 0 (row 0): column -1 is outside [0, 2)"},
		{"attr indptr decreases", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2},
			"attr_data": {1, 1}, "attr_indices": {0, 1}, "attr_indptr": {0, 5, 2}, "attr_shape": {2, 2}}, "array attr_indptr decreases at row 1 (5 then 2)"},
		{"attr indptr end", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2},
			"attr_data": {1, 1}, "attr_indices": {0, 1}, "attr_indptr": {0, 1, 3}, "attr_shape": {2, 2}}, "array attr_indptr runs from 0 to 3, want 0 to 2"},
		{"attr index outside", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2},
			"attr_data": {1, 1}, "attr_indices": {0, 7}, "attr_indptr": {0, 1, 2}, "attr_shape": {2, 2}}, "array attr_indices entry 1 (row 1): column 7 is outside [0, 2)"},
		{"label below -1", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, -2}}, "node 1 has label -2"},
		{"label far beyond nodes", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, 100000000}}, "node 1 has label 100000000, want a class id below 2"},
		{"label equal to node count", map[string][]int64{"adj_data": {}, "adj_indices": {}, "adj_indptr": {0, 0, 0}, "adj_shape": {2, 2}, "labels": {0, 2}}, "node 1 has label 2, want a class id below 2"},
	}
	for _, c := range cases {
		path := writeNPZ(strings.ReplaceAll(c.name, " ", "_")+".npz", c.arrays)
		_, err := LoadNPZ(path)
		if err == nil || !strings.Contains(err.Error(), c.substr) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want an error naming %s and containing %q", c.name, err, path, c.substr)
		}
	}
}

func TestEdgeListParsing(t *testing.T) {
	g, err := ParseEdgeList(strings.NewReader("# comment\na b 2\nb,c\n\nc a 0.5\n"), "names.txt", EdgeListOptions{Undirected: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.N() != 3 || g.NumEdges() != 6 || !reflect.DeepEqual(g.NodeNames, []string{"a", "b", "c"}) || !g.Adj.IsSymmetric() {
		t.Errorf("names: got N=%d E=%d names=%v symmetric=%v", g.N(), g.NumEdges(), g.NodeNames, g.Adj.IsSymmetric())
	}
	bad := []struct{ text, substr string }{
		{"0 1 2 3\n", "names.txt:1"},
		{"0 1\n1 x2 y\n", "invalid weight"},
		{"0 9\n", "outside the node range"},
	}
	for _, c := range bad {
		_, err := ParseEdgeList(strings.NewReader(c.text), "names.txt", EdgeListOptions{NumNodes: 3})
		if err == nil || !strings.Contains(err.Error(), c.substr) {
			t.Errorf("%q: got %v, want an error containing %q", c.text, err, c.substr)
		}
	}
}

func TestGMLParsing(t *testing.T) {
	src := `Creator "x" graph [ directed 0 node [ id 10 label "a" ] node [ id 20 label "b" ] node [ id 30 label "c" ]
	edge [ source 10 target 20 value 2.5 ] edge [ source 20 target 30 ] ]`
	g, err := ParseGML(strings.NewReader(src), "t.gml")
	if err != nil {
		t.Fatal(err)
	}
	if g.N() != 3 || g.NumEdges() != 4 || g.Adj.Values == nil || g.Adj.Values[0] != 2.5 || g.NodeNames[2] != "c" {
		t.Errorf("got N=%d E=%d values=%v names=%v", g.N(), g.NumEdges(), g.Adj.Values, g.NodeNames)
	}
	bad := []struct{ text, substr string }{
		{"graph [ node [ id 1 ] edge [ source 1 target 2 ] ]", "no node declares"},
		{"graph [ node [ id 1 ] node [ id 1 ] ]", "appears twice"},
		{"graph [ node [ id 1 ]", "missing ']'"},
		{"graph [ node [ label \"x ] ]", "unterminated"},
		{"nothing 1", "no \"graph"},
	}
	for _, c := range bad {
		_, err := ParseGML(strings.NewReader(c.text), "t.gml")
		if err == nil || !strings.Contains(err.Error(), c.substr) || !strings.Contains(err.Error(), "t.gml") {
			t.Errorf("%q: got %v, want an error naming t.gml containing %q", c.text, err, c.substr)
		}
	}
}

func TestKarateEmbedded(t *testing.T) {
	g := Karate()
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if g.N() != 34 || g.NumEdges() != 156 || !g.Adj.IsSymmetric() {
		t.Errorf("karate: got N=%d stored edges=%d symmetric=%v, want 34, 156, true", g.N(), g.NumEdges(), g.Adj.IsSymmetric())
	}
	deg := g.Adj.Degrees()
	if deg[0] != 16 || deg[33] != 17 {
		t.Errorf("karate degrees of the instructor and administrator: got %d and %d, want 16 and 17", deg[0], deg[33])
	}
}

// TestKarateMatchesGML compares the embedded graph with igraph's copy; set
// KARATE_GML to the path of karate.gml from Debian's libigraph-doc.
func TestKarateMatchesGML(t *testing.T) {
	path := os.Getenv("KARATE_GML")
	if path == "" {
		t.Skip("KARATE_GML is not set; point it at karate.gml from libigraph-doc to compare")
	}
	ref, err := LoadGML(path)
	if err != nil {
		t.Fatal(err)
	}
	g := Karate()
	if !reflect.DeepEqual(ref.Adj.Indptr, g.Adj.Indptr) || !reflect.DeepEqual(ref.Adj.Indices, g.Adj.Indices) {
		t.Error("embedded karate graph differs from karate.gml")
	}
}

func TestNormalizationMarkSurvivesDerivedGraphs(t *testing.T) {
	g := ringGraph(40, 2)
	adj, _ := GCNNorm(g.Adj)
	n := g.WithAdj(adj)
	rng := rand.New(rand.NewPCG(1, 1))
	derived := map[string]func() (*Graph, error){
		"edge removing": func() (*Graph, error) { return EdgeRemoving{P: 0.2}.Apply(n, rng) },
		"edge adding":   func() (*Graph, error) { return EdgeAdding{Ratio: 0.1}.Apply(n, rng) },
		"node dropping": func() (*Graph, error) { return NodeDropping{P: 0.2}.Apply(n, rng) },
		"subgraph":      func() (*Graph, error) { return n.Subgraph([]int{0, 1, 2}) },
	}
	for name, make := range derived {
		v, err := make()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := GCNNorm(v.Adj); err == nil {
			t.Errorf("%s of a normalized graph: GCNNorm accepted it, want an already-normalized error", name)
		}
	}
	if _, err := adj.Symmetrize(); err == nil {
		t.Error("Symmetrize of a normalized adjacency: got no error")
	}
}
