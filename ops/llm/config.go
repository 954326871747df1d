// Package llm is pare's runtime for Llama-family decoder language models
// (Llama, Mistral, Qwen2): the model with per-layer widths, a hand-written
// forward and backward pass, generation with a KV cache, loaders and savers
// for llama2.c, GGUF and Hugging Face folders, evaluation and fine-tuning.
//
// Weights are float32 matrices in the nn.Linear layout W[out, in], row-major.
// Rotary embeddings use the Hugging Face "rotate half" pairing (element j of
// a head is paired with element j + head_dim/2); loaders of formats that
// store the interleaved pairing (llama2.c, GGUF) permute the query and key
// rows on load, so one layout serves every format.
package llm

import (
	"fmt"
	"math"
)

// RopeScaling is the rotary-embedding frequency scaling of a config.
// Type is "" (none), "linear" (positions divided by Factor) or "llama3"
// (the wavelength-dependent scaling of Llama 3.1).
type RopeScaling struct {
	Type                          string
	Factor                        float64
	LowFreqFactor, HighFreqFactor float64
	OriginalMaxPositions          int
}

// Config describes a decoder. NHeads, NKVHeads and HiddenDim are the dense
// (unpruned) sizes; LayerHeads and LayerHidden give each layer's query-head
// count and MLP width, which structured pruning lowers. Every layer keeps
// the group size NHeads/NKVHeads, so layer l has LayerHeads[l]/GroupSize()
// KV heads.
type Config struct {
	Arch      string // "llama", "mistral" or "qwen2"
	Dim       int
	NLayers   int
	NHeads    int
	NKVHeads  int
	HeadDim   int
	HiddenDim int
	VocabSize int
	// MaxSeqLen is the context length the model was trained for; the
	// forward pass accepts longer inputs.
	MaxSeqLen   int
	NormEps     float64
	RopeTheta   float64
	RopeScaling RopeScaling
	// TiedEmbeddings shares the token embedding with the output head.
	TiedEmbeddings bool
	// QKVBias adds biases to the query, key and value projections (Qwen2).
	QKVBias bool
	// OProjBias and DownProjBias add biases of length Dim to o_proj and
	// down_proj in every layer. Llama checkpoints with attention_bias or
	// mlp_bias have them, and FLAP's bias compensation adds them to a
	// pruned model.
	OProjBias    bool
	DownProjBias bool
	LayerHeads   []int
	LayerHidden  []int
	BOS, EOS     int
}

// GroupSize returns the number of query heads that share one KV head.
func (c *Config) GroupSize() int { return c.NHeads / c.NKVHeads }

// LayerKVHeads returns the KV-head count of layer l.
func (c *Config) LayerKVHeads(l int) int { return c.LayerHeads[l] / c.GroupSize() }

// Pruned reports whether any layer is narrower than the dense sizes.
func (c *Config) Pruned() bool {
	for l := 0; l < c.NLayers; l++ {
		if c.LayerHeads[l] != c.NHeads || c.LayerHidden[l] != c.HiddenDim {
			return true
		}
	}
	return false
}

// Limits that Validate applies to every config, whatever its source.
// MaxLayers is the bound the llama2.c loader applies to its header sizes.
// MaxSize bounds every other size (dim, heads, head_dim, hidden_dim,
// vocab_size). MaxParams, about 1.1e12 parameters, is more than twice the
// largest Llama release (405e9) and keeps the element count of every weight
// matrix far below the int range.
const (
	MaxLayers = 1 << 20
	MaxSize   = 1 << 24
	MaxParams = 1 << 40
)

// fillDefaults sets per-layer widths to the dense sizes where missing and
// the usual defaults for zero epsilon and theta. It leaves the per-layer
// widths nil when NLayers is outside [0, MaxLayers], so that Validate
// reports the layer count instead of the allocation failing.
func (c *Config) fillDefaults() {
	if c.Arch == "" {
		c.Arch = "llama"
	}
	if c.HeadDim == 0 && c.NHeads > 0 {
		c.HeadDim = c.Dim / c.NHeads
	}
	if c.NKVHeads == 0 {
		c.NKVHeads = c.NHeads
	}
	if c.NormEps == 0 {
		c.NormEps = 1e-5
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 10000
	}
	if c.LayerHeads == nil && c.NLayers >= 0 && c.NLayers <= MaxLayers {
		c.LayerHeads = make([]int, c.NLayers)
		for i := range c.LayerHeads {
			c.LayerHeads[i] = c.NHeads
		}
	}
	if c.LayerHidden == nil && c.NLayers >= 0 && c.NLayers <= MaxLayers {
		c.LayerHidden = make([]int, c.NLayers)
		for i := range c.LayerHidden {
			c.LayerHidden[i] = c.HiddenDim
		}
	}
}

// Validate checks that the sizes are positive and consistent.
func (c *Config) Validate() error {
	pos := []struct {
		name string
		v    int
		max  int
	}{{"dim", c.Dim, MaxSize}, {"n_layers", c.NLayers, MaxLayers}, {"n_heads", c.NHeads, MaxSize}, {"n_kv_heads", c.NKVHeads, MaxSize},
		{"head_dim", c.HeadDim, MaxSize}, {"hidden_dim", c.HiddenDim, MaxSize}, {"vocab_size", c.VocabSize, MaxSize}}
	for _, p := range pos {
		if p.v <= 0 || p.v > p.max {
			return fmt.Errorf("llm: config: %s is %d, want a size in 1..%d", p.name, p.v, p.max)
		}
	}
	if c.NHeads%c.NKVHeads != 0 {
		return fmt.Errorf("llm: config: n_heads %d is not a multiple of n_kv_heads %d", c.NHeads, c.NKVHeads)
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("llm: config: head_dim %d is odd; rotary embeddings need pairs", c.HeadDim)
	}
	if len(c.LayerHeads) != c.NLayers || len(c.LayerHidden) != c.NLayers {
		return fmt.Errorf("llm: config: %d per-layer head counts and %d MLP widths for %d layers", len(c.LayerHeads), len(c.LayerHidden), c.NLayers)
	}
	g := c.GroupSize()
	for l := 0; l < c.NLayers; l++ {
		if h := c.LayerHeads[l]; h <= 0 || h%g != 0 || h > c.NHeads {
			return fmt.Errorf("llm: config: layer %d has %d query heads, want a positive multiple of the group size %d, at most %d", l, h, g, c.NHeads)
		}
		if w := c.LayerHidden[l]; w <= 0 || w > c.HiddenDim {
			return fmt.Errorf("llm: config: layer %d has MLP width %d, want 1..%d", l, w, c.HiddenDim)
		}
	}
	if c.NormEps <= 0 || math.IsNaN(c.NormEps) {
		return fmt.Errorf("llm: config: rms_norm_eps is %g, want a positive number", c.NormEps)
	}
	if c.RopeTheta <= 0 || math.IsNaN(c.RopeTheta) {
		return fmt.Errorf("llm: config: rope_theta is %g, want a positive number", c.RopeTheta)
	}
	switch c.RopeScaling.Type {
	case "":
	case "linear":
		if c.RopeScaling.Factor <= 0 {
			return fmt.Errorf("llm: config: rope_scaling factor is %g, want a positive number", c.RopeScaling.Factor)
		}
	case "llama3":
		s := c.RopeScaling
		if s.Factor <= 0 || s.LowFreqFactor <= 0 || s.HighFreqFactor <= s.LowFreqFactor || s.OriginalMaxPositions <= 0 {
			return fmt.Errorf("llm: config: llama3 rope_scaling %+v is invalid; want factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0", s)
		}
	default:
		return fmt.Errorf("llm: config: rope_scaling type %q is not supported; want linear or llama3", c.RopeScaling.Type)
	}
	if n := c.ParamCount(); n > MaxParams {
		return fmt.Errorf("llm: config: the sizes imply %.4g parameters, more than the limit of %.4g", n, float64(MaxParams))
	}
	return nil
}

// ropeInvFreq returns the inverse frequency of each of the head_dim/2
// rotary pairs, after scaling.
func (c *Config) ropeInvFreq() []float64 {
	half := c.HeadDim / 2
	inv := make([]float64, half)
	for j := range inv {
		inv[j] = 1 / math.Pow(c.RopeTheta, float64(2*j)/float64(c.HeadDim))
	}
	s := c.RopeScaling
	switch s.Type {
	case "linear":
		for j := range inv {
			inv[j] /= s.Factor
		}
	case "llama3":
		// Llama 3.1: long wavelengths are divided by factor, short ones
		// kept, and the band between interpolated smoothly.
		lowWave := float64(s.OriginalMaxPositions) / s.LowFreqFactor
		highWave := float64(s.OriginalMaxPositions) / s.HighFreqFactor
		for j, f := range inv {
			wave := 2 * math.Pi / f
			switch {
			case wave < highWave:
			case wave > lowWave:
				inv[j] = f / s.Factor
			default:
				smooth := (float64(s.OriginalMaxPositions)/wave - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
				inv[j] = (1-smooth)*f/s.Factor + smooth*f
			}
		}
	}
	return inv
}

// ParamCount returns the number of parameters cfg implies, in float64 so
// that absurd configs cannot overflow. Loaders compare it with the size of
// the file before allocating.
func (c *Config) ParamCount() float64 {
	d, hd := float64(c.Dim), float64(c.HeadDim)
	n := float64(c.VocabSize) * d
	if !c.TiedEmbeddings {
		n *= 2
	}
	n += d
	g := float64(c.GroupSize())
	for l := 0; l < c.NLayers && l < len(c.LayerHeads) && l < len(c.LayerHidden); l++ {
		q := float64(c.LayerHeads[l]) * hd
		kv := q / g
		n += 2*d + 2*q*d + 2*kv*d + 3*float64(c.LayerHidden[l])*d
		if c.QKVBias {
			n += q + 2*kv
		}
		if c.OProjBias {
			n += d
		}
		if c.DownProjBias {
			n += d
		}
	}
	return n
}
