package llm

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// randomCheckpoint writes a random f32 checkpoint of cfg drawn with seed
// and loads it back in memory.
func randomCheckpoint(t *testing.T, cfg Config, seed uint64) (string, *Model) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "random")
	if err := WriteRandomCheckpoint(context.Background(), dir, cfg, seed, "f32"); err != nil {
		t.Fatal(err)
	}
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestStreamGradientsMatchInMemory(t *testing.T) {
	cfg := tinyConfig()
	dir, m := randomCheckpoint(t, cfg, 3)
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

func TestStreamPerplexityMatchesInMemory(t *testing.T) {
	cfg := tinyConfig()
	cfg.TiedEmbeddings = true
	dir, m := randomCheckpoint(t, cfg, 4)
	ids := randomIDs(50, cfg.VocabSize, 41)
	want, err := m.Perplexity(context.Background(), ids, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStreamed(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Perplexity(context.Background(), ids, 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tokens != want.Tokens || got.Windows != want.Windows || math.Abs(got.NLL-want.NLL) > 1e-6*want.NLL {
		t.Errorf("streamed perplexity %+v, in-memory %+v", got, want)
	}
}

// Set PARE_STREAM_1B to a folder to write the synthetic 1B-parameter
// checkpoint there (bf16, about 2.2 GB) with TestWriteSynthetic1B, then time
// TestStreamSaliency1B on it in a separate process, which reports the peak
// resident memory. bench/llm_stream.sh runs both.
func synthetic1B() Config {
	return Config{Dim: 2048, NLayers: 16, NHeads: 32, NKVHeads: 8, HiddenDim: 8192, VocabSize: 32000, MaxSeqLen: 2048}
}

func TestWriteSynthetic1B(t *testing.T) {
	dir := os.Getenv("PARE_STREAM_1B")
	if dir == "" {
		t.Skip("PARE_STREAM_1B is not set")
	}
	start := time.Now()
	if err := WriteRandomCheckpoint(context.Background(), dir, synthetic1B(), 1, "bf16"); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s in %s; peak resident memory %s", dir, time.Since(start).Round(time.Second), peakRSS(t))
}

func TestStreamSaliency1B(t *testing.T) {
	dir := os.Getenv("PARE_STREAM_1B")
	if dir == "" {
		t.Skip("PARE_STREAM_1B is not set")
	}
	B, _ := strconv.Atoi(os.Getenv("PARE_STREAM_BATCH"))
	if B <= 0 {
		B = 4
	}
	const T = 128
	s, err := OpenStreamed(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := randomIDs(B*T, s.Config.VocabSize, 50)
	start := time.Now()
	var kvGroups, channels int
	f, err := s.StreamGradients(context.Background(), ids, B, T, 2,
		func([]int, int) Objective { return MaxOverPositions },
		func(l int, w, g *LayerWeights) error {
			// NIRVANA's per-weight saliency |w · ∂f/∂w|, summed per MLP
			// channel (gate row, up row, down column) and per KV group.
			h := w.WGate.Dim(0)
			scores := make([]float64, h)
			d := s.Config.Dim
			for j := 0; j < h; j++ {
				for c := 0; c < d; c++ {
					scores[j] += math.Abs(float64(w.WGate.Data()[j*d+c]*g.WGate.Data()[j*d+c])) +
						math.Abs(float64(w.WUp.Data()[j*d+c]*g.WUp.Data()[j*d+c])) +
						math.Abs(float64(w.WDown.Data()[c*h+j]*g.WDown.Data()[c*h+j]))
				}
			}
			channels += len(scores)
			kvGroups += w.WK.Dim(0) / s.Config.HeadDim
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1B-shaped model, calibration batch %d x %d: f = %.6g, %d KV groups and %d MLP channels scored in %s; peak resident memory %s",
		B, T, f, kvGroups, channels, time.Since(start).Round(time.Second), peakRSS(t))
}

// peakRSS returns the VmHWM line of /proc/self/status.
func peakRSS(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
