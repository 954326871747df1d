package llm

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

func TestStreamGradientsMatchInMemory(t *testing.T) {
	cfg := tinyConfig()
	dir := filepath.Join(t.TempDir(), "random")
	if err := WriteRandomCheckpoint(dir, cfg, 3, "f32"); err != nil {
		t.Fatal(err)
	}
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 4, 6
	ids := randomIDs(B*T, cfg.VocabSize, 40)
	want, grads, err := m.Gradient(ids, B, T, nil, MaxOverPositions, nil)
	if err != nil {
		t.Fatal(err)
	}

	s, err := OpenStreamed(dir)
	if err != nil {
		t.Fatal(err)
	}
	var visited []int
	got, err := s.StreamGradients(context.Background(), ids, B, T, 3,
		func([]int, int) Objective { return MaxOverPositions },
		func(l int, w, g *LayerWeights) error {
			visited = append(visited, l)
			wantW, gotW := layerParams(l, &m.Layers[l]), layerParams(l, w)
			wantG, gotG := layerParams(l, &grads.Layers[l]), layerParams(l, g)
			for i := range wantG {
				if gotW[i].Tensor.Data()[0] != wantW[i].Tensor.Data()[0] {
					t.Errorf("layer %d %s: streamed weight differs", l, wantW[i].Name)
				}
				a, b := gotG[i].Tensor.Data(), wantG[i].Tensor.Data()
				for j := range b {
					if math.Abs(float64(a[j]-b[j])) > 1e-5*(1+math.Abs(float64(b[j]))) {
						t.Fatalf("layer %d %s[%d]: streamed gradient %g, in-memory %g", l, wantG[i].Name, j, a[j], b[j])
					}
				}
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-6*math.Abs(want) {
		t.Errorf("objective: streamed %g, in-memory %g", got, want)
	}
	if len(visited) != cfg.NLayers || visited[0] != cfg.NLayers-1 {
		t.Errorf("visited layers %v, want %d layers from the last", visited, cfg.NLayers)
	}
}
