package prune

import (
	"math"
	"testing"

	"pare/ops/llm"
)

// shapeConfig returns a dense config with the given shapes and no weights.
func shapeConfig(d, heads, kv, hd, hidden, layers, vocab int, tied bool) llm.Config {
	c := llm.Config{Arch: "llama", Dim: d, NLayers: layers, NHeads: heads, NKVHeads: kv, HeadDim: hd,
		HiddenDim: hidden, VocabSize: vocab, MaxSeqLen: 2048, NormEps: 1e-5, RopeTheta: 10000, TiedEmbeddings: tied}
	c.LayerHeads = make([]int, layers)
	c.LayerHidden = make([]int, layers)
	for l := range c.LayerHeads {
		c.LayerHeads[l], c.LayerHidden[l] = heads, hidden
	}
	return c
}

// The worked allocation table of NIRVANA's method notes, computed from
// shapes alone: counts exactly, fractions as printed (3 decimals).
func TestBudgetWorkedTable(t *testing.T) {
	llama8B := shapeConfig(4096, 32, 8, 128, 14336, 32, 128256, false)
	llama3B := shapeConfig(3072, 24, 8, 128, 8192, 28, 128256, true)
	stories := shapeConfig(64, 8, 4, 8, 172, 5, 512, true)
	cases := []struct {
		name                   string
		cfg                    llm.Config
		s, gamma               float64
		nAttn, attnUnits       int
		nMLP, mlpUnits         int
		attnFrac, mlpFrac      float64
		decoderShare, allShare float64
	}{
		{"8B s0.2", llama8B, 0.2, 3.36, 17, 256, 106078, 458752, 0.066, 0.231, 0.200, 0.173},
		{"8B s0.4", llama8B, 0.4, 3.36, 35, 256, 212157, 458752, 0.137, 0.462, 0.400, 0.348},
		{"8B s0.5", llama8B, 0.5, 3.36, 44, 256, 265197, 458752, 0.172, 0.578, 0.500, 0.435},
		{"3B s0.5", llama3B, 0.5, 3.0, 44, 224, 137625, 229376, 0.196, 0.600, 0.499, 0.438},
		{"8B gamma1", llama8B, 0.5, 1.0, 128, 256, 229376, 458752, 0.500, 0.500, 0.500, 0.435},
		{"stories260K", stories, 0.5, 3.0, 4, 20, 524, 860, 0.200, 0.609, 0.498, 0.434},
	}
	for _, tc := range cases {
		b, err := NewBudget(&tc.cfg, tc.s, tc.gamma)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.NAttn != tc.nAttn || b.AttnUnits != tc.attnUnits {
			t.Errorf("%s: KV groups pruned %d / %d, want %d / %d", tc.name, b.NAttn, b.AttnUnits, tc.nAttn, tc.attnUnits)
		}
		if b.NMLP != tc.nMLP || b.MLPUnits != tc.mlpUnits {
			t.Errorf("%s: MLP channels pruned %d / %d, want %d / %d", tc.name, b.NMLP, b.MLPUnits, tc.nMLP, tc.mlpUnits)
		}
		removed := float64(b.RemovedWeights(b.NAttn, b.NMLP))
		decoder, total := ParamCounts(&tc.cfg)
		if decoder != b.DecoderWeights {
			t.Errorf("%s: ParamCounts decoder %d, budget base %d", tc.name, decoder, b.DecoderWeights)
		}
		got := []float64{float64(b.NAttn) / float64(b.AttnUnits), float64(b.NMLP) / float64(b.MLPUnits),
			removed / float64(decoder), removed / float64(total)}
		want := []float64{tc.attnFrac, tc.mlpFrac, tc.decoderShare, tc.allShare}
		names := []string{"attention fraction", "MLP fraction", "decoder share removed", "all-parameter share removed"}
		for i := range got {
			// The table prints 3 decimals; allow one unit of the last place.
			if math.Abs(got[i]-want[i]) > 1e-3 {
				t.Errorf("%s: %s %.4f, want %.3f", tc.name, names[i], got[i], want[i])
			}
		}
	}
}

func TestBudgetRejectsBadInput(t *testing.T) {
	stories := shapeConfig(64, 8, 4, 8, 172, 5, 512, true)
	cases := []struct {
		name     string
		s, gamma float64
		want     string
	}{
		{"sparsity 1", 1, 3, "sparsity: got 1, want a float in [0, 1)"},
		{"negative sparsity", -0.1, 3, "sparsity: got -0.1"},
		{"NaN sparsity", math.NaN(), 3, "sparsity: got NaN"},
		{"zero gamma", 0.5, 0, "gamma: got 0, want a positive float"},
		{"negative gamma", 0.5, -2, "gamma: got -2"},
		{"all MLP channels", 0.9, 3, "prunes all 860 MLP channels"},
		{"all KV groups", 0.95, 0.01, "prunes all 20 KV groups"},
	}
	for _, tc := range cases {
		_, err := NewBudget(&stories, tc.s, tc.gamma)
		if err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
