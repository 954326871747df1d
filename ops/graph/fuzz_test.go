package graph

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz targets for the text parsers: they must return an error or a graph
// that passes Validate, never panic. Run one with, for example,
// go test -fuzz FuzzParseGML -fuzztime 60s ./ops/graph

func FuzzParseEdgeList(f *testing.F) {
	f.Add([]byte("0 1\n1 2 0.5\n# c\n"), false)
	f.Add([]byte("a,b\nb,c\n"), true)
	f.Add([]byte("3 3\n-1 2\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, undirected bool) {
		g, err := ParseEdgeList(bytes.NewReader(data), "fuzz.txt", EdgeListOptions{Undirected: undirected, NumNodes: 0})
		if err != nil {
			return
		}
		if g.N() > 1<<20 {
			return // huge ids are accepted; validating them is slow
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted an invalid graph: %v", err)
		}
	})
}

func FuzzParseGML(f *testing.F) {
	f.Add([]byte(`graph [ directed 1 node [ id 1 label "a" ] node [ id 2 ] edge [ source 1 target 2 value 3 ] ]`))
	f.Add([]byte("graph [ node [ id 1 ] node [ id 2 ] edge [ source 2 target 1 ] ]"))
	if b, err := os.ReadFile(os.Getenv("KARATE_GML")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGML(bytes.NewReader(data), "fuzz.gml")
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted an invalid graph: %v", err)
		}
	})
}

func FuzzLoadTU(f *testing.F) {
	f.Add([]byte("1, 2\n2, 1\n3, 3\n"), []byte("1\n1\n2\n"), []byte("0\n1\n"), []byte("0\n1\n0\n"))
	f.Add([]byte("1, 2\n"), []byte("1\n1\n"), []byte("-1\n"), []byte(""))
	f.Fuzz(func(t *testing.T, a, indicator, labels, nodeLabels []byte) {
		dir := filepath.Join(t.TempDir(), "DS")
		os.Mkdir(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "DS_A.txt"), a, 0o644)
		os.WriteFile(filepath.Join(dir, "DS_graph_indicator.txt"), indicator, 0o644)
		os.WriteFile(filepath.Join(dir, "DS_graph_labels.txt"), labels, 0o644)
		if len(nodeLabels) > 0 {
			os.WriteFile(filepath.Join(dir, "DS_node_labels.txt"), nodeLabels, 0o644)
		}
		b, _, err := LoadTU(dir)
		if err != nil {
			return
		}
		if err := b.Union.Validate(); err != nil {
			t.Fatalf("accepted an invalid graph: %v", err)
		}
		if len(b.Labels) != b.NumGraphs() || b.Ptr[b.NumGraphs()] != b.Union.N() {
			t.Fatalf("inconsistent batch: %d labels, %d graphs, ptr end %d, %d nodes", len(b.Labels), b.NumGraphs(), b.Ptr[b.NumGraphs()], b.Union.N())
		}
	})
}

// FuzzLoadNPZ feeds the gnn-benchmark / Planetoid layout arbitrary integer
// arrays (the container itself is fuzzed in ops/store): LoadNPZ must return
// an error or a graph that passes Validate. An empty attrIndptr leaves out
// the CSR feature arrays.
func FuzzLoadNPZ(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2}, []byte{1, 0}, []byte{0, 1}, uint8(2), []byte{0, 1}, []byte{0}, []byte{}, []byte{1}, []byte{}, []byte{})
	f.Add([]byte{0, 0, 0}, []byte{}, []byte{}, uint8(2), []byte{0, 255}, []byte{1}, []byte{}, []byte{0, 1}, []byte{}, []byte{})
	f.Add([]byte{0, 5, 2}, []byte{1, 0}, []byte{}, uint8(2), []byte{1, 1}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{})
	f.Add([]byte{0, 0, 0}, []byte{}, []byte{}, uint8(2), []byte{}, []byte{}, []byte{}, []byte{}, []byte{0, 5, 2}, []byte{0, 1})
	f.Add([]byte{0, 0, 0}, []byte{}, []byte{0, 100}, uint8(2), []byte{}, []byte{}, []byte{}, []byte{}, []byte{0, 1, 2}, []byte{0, 1})
	f.Fuzz(func(t *testing.T, indptr, indices, labels []byte, n uint8, data, train, val, test, attrIndptr, attrIndices []byte) {
		widen := func(b []byte) []int64 {
			out := make([]int64, len(b))
			for i, v := range b {
				out[i] = int64(int8(v)) // negative values too
			}
			return out
		}
		arrays := map[string][]int64{
			"adj_indptr": widen(indptr), "adj_indices": widen(indices), "adj_data": widen(data),
			"adj_shape": {int64(n), int64(n)}, "labels": widen(labels),
			"train_idx": widen(train), "val_idx": widen(val), "test_idx": widen(test),
		}
		if len(attrIndptr) > 0 {
			arrays["attr_indptr"], arrays["attr_indices"] = widen(attrIndptr), widen(attrIndices)
			arrays["attr_data"] = make([]int64, len(attrIndices))
			arrays["attr_shape"] = []int64{int64(n), 3}
		}
		path := writeIntNPZ(t, filepath.Join(t.TempDir(), "fuzz.npz"), arrays)
		g, err := LoadNPZ(path)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted an invalid graph: %v", err)
		}
	})
}
