package llm

import (
	"encoding/json"
	"strings"
	"testing"
)

// validHFConfig returns a small config.json that configFromHF accepts.
func validHFConfig() map[string]any {
	return map[string]any{"model_type": "llama", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
		"num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 64, "max_position_embeddings": 64}
}

func parseHFConfig(raw []byte) (Config, error) {
	var h hfConfig
	if err := json.Unmarshal(raw, &h); err != nil {
		return Config{}, err
	}
	return configFromHF(&h)
}

func TestConfigFromHFRejectsHugeSizes(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]any
		want    string
	}{
		{"layers 2^40", map[string]any{"num_hidden_layers": 1 << 40}, "n_layers is 1099511627776, want a size in 1..1048576"},
		{"layers 2^20+1", map[string]any{"num_hidden_layers": MaxLayers + 1}, "n_layers is 1048577"},
		{"hidden size 2^40", map[string]any{"hidden_size": 1 << 40}, "dim is 1099511627776"},
		{"heads 2^40", map[string]any{"num_attention_heads": 1 << 40, "num_key_value_heads": 1 << 40, "head_dim": 8}, "n_heads is 1099511627776"},
		{"kv heads 2^40", map[string]any{"num_key_value_heads": 1 << 40}, "n_kv_heads is 1099511627776"},
		{"head dim 2^40", map[string]any{"head_dim": 1 << 40}, "head_dim is 1099511627776"},
		{"vocab 2^40", map[string]any{"vocab_size": 1 << 40}, "vocab_size is 1099511627776"},
		{"intermediate 2^40", map[string]any{"intermediate_size": 1 << 40}, "hidden_dim is 1099511627776"},
		{"params over limit", map[string]any{"hidden_size": MaxSize, "vocab_size": MaxSize}, "more than the limit"},
		{"per-layer width 2^40", map[string]any{"modified_intermediate_dimension": []int{1 << 40, 32}}, "MLP width 1099511627776"},
	}
	for _, tc := range cases {
		h := validHFConfig()
		for k, v := range tc.changes {
			h[k] = v
		}
		raw, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parseHFConfig(raw)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	raw, _ := json.Marshal(validHFConfig())
	if _, err := parseHFConfig(raw); err != nil {
		t.Errorf("valid config: got error %v, want none", err)
	}
}

// FuzzConfigFromHF checks that no config.json makes configFromHF panic or
// allocate without bound.
func FuzzConfigFromHF(f *testing.F) {
	valid, _ := json.Marshal(validHFConfig())
	f.Add(valid)
	for _, huge := range []string{"num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads", "vocab_size", "head_dim"} {
		h := validHFConfig()
		h[huge] = 1 << 40
		raw, _ := json.Marshal(h)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := parseHFConfig(raw)
		if err != nil {
			return
		}
		if n := c.ParamCount(); n > MaxParams {
			t.Errorf("accepted a config with %g parameters, over MaxParams", n)
		}
	})
}
