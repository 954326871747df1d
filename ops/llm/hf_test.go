package llm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pare/ops/store"
)

func logitsOf(t *testing.T, m *Model, ids []int) []float32 {
	t.Helper()
	lg, err := m.Forward(ids, 1, len(ids), nil)
	if err != nil {
		t.Fatal(err)
	}
	return lg.Data()
}

func TestSaveLoadStoriesF32(t *testing.T) {
	m := loadStories(t)
	dir := filepath.Join(t.TempDir(), "stories")
	if err := m.SaveHF(dir, "f32"); err != nil {
		t.Fatal(err)
	}
	back, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := m.Encode("Once upon a time, there was a dog.", true)
	if got, want := logitsOf(t, back, ids), logitsOf(t, m, ids); !slices.Equal(got, want) {
		t.Error("logits after f32 save and load differ from the original")
	}
	if got, _ := back.Encode("Once upon a time, there was a dog.", true); !slices.Equal(got, ids) {
		t.Errorf("tokenizer after save and load: got %v, want %v", got, ids)
	}
	if back.Config.TiedEmbeddings != true || back.Head != back.Embed {
		t.Error("the shared classifier was not saved as tied embeddings")
	}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.bin", "tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("saved folder lacks %s: %v", name, err)
		}
	}
}

func TestSaveLoadBF16(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := m.SaveHF(dir, "bf16"); err != nil {
		t.Fatal(err)
	}
	back, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	rounded := m.Clone()
	for _, p := range rounded.Params() {
		for i, v := range p.Tensor.Data() {
			p.Tensor.Data()[i] = store.BFloat16ToFloat32(store.Float32ToBFloat16(v))
		}
	}
	ids := randomIDs(8, m.Config.VocabSize, 21)
	if got, want := logitsOf(t, back, ids), logitsOf(t, rounded, ids); !slices.Equal(got, want) {
		t.Error("logits after bf16 save and load differ from the model with bf16-rounded weights")
	}
}

func TestSavePrunedConfig(t *testing.T) {
	cfg := tinyConfig()
	cfg.Arch = "qwen2"
	m := tinyModel(t, cfg)
	dir := filepath.Join(t.TempDir(), "pruned")
	if err := m.SaveHF(dir, "f32"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h hfConfig
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.ModifiedHeadNum, []int{4, 2}) || !slices.Equal(h.ModifiedIntermediate, []int{24, 16}) || !h.Pruned {
		t.Errorf("config.json per-layer widths: heads %v, MLP %v, pruned %v; want [4 2], [24 16], true", h.ModifiedHeadNum, h.ModifiedIntermediate, h.Pruned)
	}
	if h.NumAttentionHeads != 4 || h.IntermediateSize != 24 {
		t.Errorf("config.json dense sizes: heads %d, MLP %d; want 4 and 24", h.NumAttentionHeads, h.IntermediateSize)
	}
	back, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := randomIDs(8, m.Config.VocabSize, 22)
	if got, want := logitsOf(t, back, ids), logitsOf(t, m, ids); !slices.Equal(got, want) {
		t.Error("logits of the pruned qwen2 model after save and load differ")
	}
}

func TestLoadHFRejectsBadFolders(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	base := filepath.Join(t.TempDir(), "good")
	if err := m.SaveHF(base, "f32"); err != nil {
		t.Fatal(err)
	}
	cfgRaw, _ := os.ReadFile(filepath.Join(base, "config.json"))
	weights, _ := os.ReadFile(filepath.Join(base, "model.safetensors"))
	cases := []struct {
		name    string
		config  string
		weights []byte
		want    string
	}{
		{"shape-mismatch", strings.Replace(string(cfgRaw), `"hidden_size": 16`, `"hidden_size": 20`, 1), weights, "model.embed_tokens.weight"},
		{"unknown-type", strings.Replace(string(cfgRaw), `"model_type": "llama"`, `"model_type": "gpt2"`, 1), weights, "model_type"},
		{"truncated-weights", string(cfgRaw), weights[:len(weights)-100], "model.safetensors"},
		{"bad-json", "{", weights, "config.json"},
	}
	for _, tc := range cases {
		dir := filepath.Join(t.TempDir(), tc.name)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o644)
		os.WriteFile(filepath.Join(dir, "model.safetensors"), tc.weights, 0o644)
		_, err := LoadHF(dir)
		if err == nil {
			t.Errorf("%s: got no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.want)
		}
	}
}

func TestConfigRopeScaling(t *testing.T) {
	raw := `{"model_type": "llama", "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 1,
	  "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 10, "rope_theta": 500000,
	  "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
	  "original_max_position_embeddings": 8192}, "eos_token_id": [5, 6]}`
	var h hfConfig
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	c, err := configFromHF(&h)
	if err != nil {
		t.Fatal(err)
	}
	if c.RopeScaling.Type != "llama3" || c.RopeScaling.Factor != 8 || c.EOS != 5 || c.HeadDim != 8 {
		t.Errorf("config: rope scaling %+v, eos %d, head_dim %d", c.RopeScaling, c.EOS, c.HeadDim)
	}
	inv := c.ropeInvFreq()
	// The highest frequency (wavelength 2π < 8192/4) is kept and the
	// lowest (wavelength > 8192) is divided by the factor.
	if inv[0] != 1 {
		t.Errorf("inv_freq[0]: got %g, want 1", inv[0])
	}
	plain := Config{HeadDim: 8, RopeTheta: 500000}
	if got, want := inv[3], plain.ropeInvFreq()[3]/8; got != want {
		t.Errorf("inv_freq[3]: got %g, want %g", got, want)
	}
}
