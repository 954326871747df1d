package llm

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pare/ops/ot"
	"pare/ops/tensor"
)

// maxRelDiff returns max|a−b| / max|b|.
func maxRelDiff(a, b []float32) float64 {
	var diff, scale float64
	for i := range a {
		diff = max(diff, math.Abs(float64(a[i]-b[i])))
		scale = max(scale, math.Abs(float64(b[i])))
	}
	return diff / scale
}

func TestMoEfyAllExpertsMatchesDense(t *testing.T) {
	cases := []struct {
		name    string
		experts int
		width   int
		split   int
	}{
		{"4-divides-24", 4, 6, 0},
		{"5-pads-24-to-25", 5, 5, 1},
		{"7-pads-24-to-28", 7, 4, 4},
	}
	cfg := tinyConfig()
	cfg.LayerHeads, cfg.LayerHidden = nil, nil
	dense := tinyModel(t, cfg)
	ids := randomIDs(2*9, dense.Config.VocabSize, 5)
	want, err := dense.Forward(ids, 2, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		m, reps, err := MoEfy(context.Background(), dense, MoEfyOptions{Experts: tc.experts, Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, r := range reps {
			if r.Width != tc.width || len(r.Split) != tc.split || !r.Converged {
				t.Errorf("%s: layer %d: width %d, %d split neurons, converged %v; want %d, %d, true", tc.name, r.Layer, r.Width, len(r.Split), r.Converged, tc.width, tc.split)
			}
			seen := map[int]int{}
			for _, c := range r.Clusters {
				if len(c) != tc.width {
					t.Errorf("%s: layer %d: cluster of %d neurons, want %d", tc.name, r.Layer, len(c), tc.width)
				}
				for _, j := range c {
					seen[j]++
				}
			}
			if len(seen) != cfg.HiddenDim {
				t.Errorf("%s: layer %d: clusters cover %d neurons, want all %d", tc.name, r.Layer, len(seen), cfg.HiddenDim)
			}
		}
		got, err := m.Forward(ids, 2, 9, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d := maxRelDiff(got.Data(), want.Data()); d > 1e-5 {
			t.Errorf("%s: top-k = N logits differ from the dense model by %.3g relative, want <= 1e-5", tc.name, d)
		}
	}
}

func TestMoEfyTopKChangesOutput(t *testing.T) {
	cfg := tinyConfig()
	cfg.LayerHeads, cfg.LayerHidden = nil, nil
	dense := tinyModel(t, cfg)
	ids := randomIDs(9, dense.Config.VocabSize, 5)
	m, _, err := MoEfy(context.Background(), dense, MoEfyOptions{Experts: 4, TopK: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(logitsOf(t, m, ids), logitsOf(t, dense, ids)); d == 0 {
		t.Error("top-1 routing gave exactly the dense logits; the router selects nothing")
	}
	// Step (decoding with a KV cache) must agree with Forward.
	kv := m.NewKVCache(len(ids))
	full := logitsOf(t, m, ids)
	V := m.Config.VocabSize
	for i, id := range ids {
		step, err := m.Step(kv, id)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxRelDiff(step, full[i*V:(i+1)*V]); d > 1e-5 {
			t.Errorf("position %d: Step logits differ from Forward by %.3g relative", i, d)
		}
	}
}

func TestMoEfyBadInput(t *testing.T) {
	cfg := tinyConfig()
	cfg.LayerHeads, cfg.LayerHidden = nil, nil
	dense := tinyModel(t, cfg)
	cases := []struct {
		name string
		opt  MoEfyOptions
	}{
		{"no-experts", MoEfyOptions{Experts: 0}},
		{"more-experts-than-neurons", MoEfyOptions{Experts: 25}},
		{"top-k-too-large", MoEfyOptions{Experts: 4, TopK: 5}},
		{"missing-layer", MoEfyOptions{Experts: 4, Layers: []int{2}}},
	}
	for _, tc := range cases {
		if _, _, err := MoEfy(context.Background(), dense, tc.opt); err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
	m, _, err := MoEfy(context.Background(), dense, MoEfyOptions{Experts: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.ForwardCache(randomIDs(4, cfg.VocabSize, 1), 1, 4, nil); err == nil {
		t.Error("ForwardCache on a MoE model: got no error, want the backward pass to be rejected")
	}
	if _, err := m.Finetune(context.Background(), randomIDs(64, cfg.VocabSize, 2), FinetuneOptions{Steps: 1, SeqLen: 8}); err == nil || !strings.Contains(err.Error(), "MoE layers") {
		t.Errorf("Finetune on a MoE model: got error %v, want one about MoE layers", err)
	}
	m.Layers[1].MoE.Experts[2].WGate = tensor.New(5, cfg.Dim)
	if err := m.Validate(); err == nil {
		t.Error("Validate with an expert of a different width: got no error")
	}
}

func TestMixtralSaveLoad(t *testing.T) {
	cfg := tinyConfig()
	cfg.LayerHeads, cfg.LayerHidden, cfg.QKVBias = nil, nil, false
	dense := tinyModel(t, cfg)
	ids := randomIDs(9, dense.Config.VocabSize, 5)
	for _, top := range []int{2, 4} {
		m, _, err := MoEfy(context.Background(), dense, MoEfyOptions{Experts: 4, TopK: top})
		if err != nil {
			t.Fatal(err)
		}
		m.Layers[0].MoE.Gating = GatingSoftmax
		m.Layers[1].MoE.Gating = GatingSoftmax
		dir := filepath.Join(t.TempDir(), "mixtral")
		if err := m.SaveHF(dir, "f32"); err != nil {
			t.Fatalf("top_k %d: %v", top, err)
		}
		back, err := LoadHF(dir)
		if err != nil {
			t.Fatalf("top_k %d: %v", top, err)
		}
		if back.Config.Arch != "mixtral" || back.Layers[0].MoE == nil || back.Layers[0].MoE.TopK != top || back.Layers[0].MoE.Gating != GatingSoftmax {
			t.Errorf("top_k %d: loaded arch %q, layer 0 block %+v", top, back.Config.Arch, back.Layers[0].MoE)
		}
		if got, want := logitsOf(t, back, ids), logitsOf(t, m, ids); !slices.Equal(got, want) {
			t.Errorf("top_k %d: logits after Mixtral save and load differ", top)
		}
		if back.NumParams() != m.NumParams() {
			t.Errorf("top_k %d: %d parameters after load, want %d", top, back.NumParams(), m.NumParams())
		}

		// Keys that Hugging Face writes for Mixtral but pare does not use
		// must not stop loading; a missing expert tensor must.
		cfgPath := filepath.Join(dir, "config.json")
		raw, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		fields["sliding_window"] = nil
		fields["router_aux_loss_coef"] = 0.02
		fields["output_router_logits"] = false
		raw, _ = json.Marshal(fields)
		if err := os.WriteFile(cfgPath, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadHF(dir); err != nil {
			t.Errorf("top_k %d: config with extra Mixtral keys: %v", top, err)
		}
		fields["num_local_experts"] = 5
		raw, _ = json.Marshal(fields)
		os.WriteFile(cfgPath, raw, 0o644)
		if _, err := LoadHF(dir); err == nil || !strings.Contains(err.Error(), "block_sparse_moe.gate.weight") {
			t.Errorf("top_k %d: num_local_experts 5 with 4 stored experts: got error %v, want one naming the router shape", top, err)
		}
	}
}

func TestStoriesMoEfyMatchesDense(t *testing.T) {
	dense := loadStories(t)
	ids, err := dense.Encode("Once upon a time, there was a little dog named Max. He liked to run in the park.", true)
	if err != nil {
		t.Fatal(err)
	}
	want := logitsOf(t, dense, ids)
	for _, n := range []int{4, 8} {
		m, reps, err := MoEfy(context.Background(), dense, MoEfyOptions{Experts: n})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxRelDiff(logitsOf(t, m, ids), want); d > 1e-5 {
			t.Errorf("%d experts derived from stories260K: logits differ from dense by %.3g relative, want <= 1e-5", n, d)
		}
		if w := reps[0].Width; w*n < 172 || (w-1)*n >= 172 {
			t.Errorf("%d experts: width %d, want ceil(172/%d)", n, w, n)
		}
	}
}

func TestBalancedKMeansStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	points := ot.NewMatrix(8, 2)
	for i := range points.Data {
		points.Data[i] = float64(i % 5)
	}
	if _, _, _, _, err := balancedKMeans(ctx, points, 2, 0, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("balancedKMeans with a cancelled context: %v, want context.Canceled", err)
	}
}
