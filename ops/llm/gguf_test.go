package llm

import (
	"math"
	"slices"
	"testing"

	"pare/ops/llm/gguf"
)

// refFromGGUF reads the tiny GGUF directly into the float64 reference,
// keeping llama.cpp's interleaved rotary layout.
func refFromGGUF(t *testing.T, f *gguf.File, m *Model) *refModel {
	t.Helper()
	get := func(name string) []float64 {
		x, _, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		return f64(x)
	}
	c := &m.Config
	r := &refModel{d: c.Dim, hd: c.HeadDim, vocab: c.VocabSize, group: c.GroupSize(), eps: c.NormEps, theta: c.RopeTheta,
		interleaved: true, embed: get("token_embd.weight"), final: get("output_norm.weight"), head: get("output.weight")}
	r.layers = []refLayer{{attnNorm: get("blk.0.attn_norm.weight"), mlpNorm: get("blk.0.ffn_norm.weight"),
		wq: get("blk.0.attn_q.weight"), wk: get("blk.0.attn_k.weight"), wv: get("blk.0.attn_v.weight"), wo: get("blk.0.attn_output.weight"),
		w1: get("blk.0.ffn_gate.weight"), w3: get("blk.0.ffn_up.weight"), w2: get("blk.0.ffn_down.weight"),
		heads: c.NHeads, kvh: c.NKVHeads, hidden: c.HiddenDim}}
	return r
}

func TestLoadTinyGGUF(t *testing.T) {
	path := dataPath(t, "llm/llama-2-tiny-random.gguf")
	m, err := LoadGGUF(path)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.Dim != 8 || c.NLayers != 1 || c.NHeads != 2 || c.NKVHeads != 2 || c.HiddenDim != 32 || c.VocabSize != 32000 || c.TiedEmbeddings {
		t.Errorf("config: got %+v, want dim 8, 1 layer, 2 heads, 2 KV heads, MLP 32, vocab 32000, separate head", c)
	}
	if got, want := m.Tokenizer.Encode("Hello world", true, false), []int{1, 15043, 3186}; !slices.Equal(got, want) {
		t.Errorf("tokenizer: encode \"Hello world\": got %v, want %v", got, want)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ref := refFromGGUF(t, f, m)
	ids := []int{1, 15043, 3186, 29991, 13}
	logits := logitsOf(t, m, ids)
	want := ref.logits(ids)
	V := c.VocabSize
	for p := range ids {
		for v := 0; v < V; v += 97 {
			got := float64(logits[p*V+v])
			if math.Abs(got-want[p][v]) > 1e-4*(1+math.Abs(want[p][v])) {
				t.Fatalf("logit [%d, %d]: got %g, want %g", p, v, got, want[p][v])
			}
		}
	}
}

func TestParseGGUFRejectsCorruptInput(t *testing.T) {
	good := readData(t, "llm/llama-2-tiny-random.gguf")
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad-magic", append([]byte("GGUX"), good[4:]...)},
		{"truncated-metadata", good[:200]},
		{"truncated-data", good[:len(good)-10]},
	}
	for _, tc := range cases {
		f, err := gguf.Parse(tc.data, tc.name)
		if err == nil {
			_, err = modelFromGGUF(f)
		}
		if err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
}

func FuzzParseGGUF(f *testing.F) {
	f.Add([]byte("GGUF\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := gguf.Parse(data, "fuzz")
		if err != nil {
			return
		}
		modelFromGGUF(g)
	})
}

func FuzzParseLlama2C(f *testing.F) {
	hdr := []byte{8, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0}
	f.Add(hdr)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseLlama2C(data)
		if err != nil {
			return
		}
		if _, err := m.Forward([]int{0, 1}, 1, 2, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseLlama2CRejectsCorruptInput(t *testing.T) {
	good := readData(t, "llm/stories260K.bin")
	bigDim := append([]byte(nil), good...)
	bigDim[0] = 65
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"header-only", good[:28]},
		{"truncated", good[:len(good)-4]},
		{"trailing-bytes", append(append([]byte(nil), good...), 0, 0, 0, 0)},
		{"dim-disagrees", bigDim},
	}
	for _, tc := range cases {
		if _, err := ParseLlama2C(tc.data); err == nil {
			t.Errorf("%s: got no error", tc.name)
		}
	}
}
