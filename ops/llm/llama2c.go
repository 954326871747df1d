package llm

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"pare/ops/tensor"
)

// LoadLlama2C reads a llama2.c checkpoint (legacy version 0): a header of
// seven little-endian int32 (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size, seq_len; a negative vocab_size means a separate
// classifier), then float32 arrays: token embedding, attention norms,
// wq, wk, wv, wo, MLP norms, w1, w2, w3, final norm, the RoPE tables
// (skipped), and the classifier when it is not shared. The query and key
// rows are permuted from llama2.c's interleaved rotary pairs to the
// rotate-half layout. The tokenizer is left nil.
func LoadLlama2C(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	m, err := ParseLlama2C(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

const llama2cHeaderBytes = 28

// ParseLlama2C parses the bytes of a llama2.c checkpoint (see LoadLlama2C).
// Errors name the array and its byte offset.
func ParseLlama2C(data []byte) (*Model, error) {
	if len(data) < llama2cHeaderBytes {
		return nil, fmt.Errorf("llm: llama2.c checkpoint of %d bytes is shorter than its %d-byte header", len(data), llama2cHeaderBytes)
	}
	var h [7]int
	for i := range h {
		h[i] = int(int32(binary.LittleEndian.Uint32(data[4*i:])))
	}
	dim, hidden, layers, heads, kvHeads, vocab, seqLen := h[0], h[1], h[2], h[3], h[4], h[5], h[6]
	shared := vocab > 0
	if vocab < 0 {
		vocab = -vocab
	}
	for i, name := range []string{"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"} {
		v := h[i]
		if i == 5 {
			v = vocab
		}
		if v <= 0 || v > 1<<20 {
			return nil, fmt.Errorf("llm: llama2.c header offset %d: %s is %d, want 1..%d", 4*i, name, h[i], 1<<20)
		}
	}
	if dim%heads != 0 || heads%kvHeads != 0 || (dim/heads)%2 != 0 {
		return nil, fmt.Errorf("llm: llama2.c header: dim %d, n_heads %d, n_kv_heads %d do not give an even head size and whole KV groups", dim, heads, kvHeads)
	}
	hs := dim / heads
	kv := hs * kvHeads
	cfg := Config{Arch: "llama", Dim: dim, NLayers: layers, NHeads: heads, NKVHeads: kvHeads, HeadDim: hs,
		HiddenDim: hidden, VocabSize: vocab, MaxSeqLen: seqLen, NormEps: 1e-5, RopeTheta: 10000,
		TiedEmbeddings: shared, BOS: 1, EOS: 2}
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}

	r := &floatReader{data: data, off: llama2cHeaderBytes}
	m := &Model{Config: cfg}
	var err error
	read := func(name string, shape ...int) *tensor.Tensor {
		if err != nil {
			return nil
		}
		var t *tensor.Tensor
		t, err = r.tensor(name, shape...)
		return t
	}
	embed := read("token_embedding_table", vocab, dim)
	attnNorm := read("rms_att_weight", layers, dim)
	wq := read("wq", layers, dim, dim)
	wk := read("wk", layers, kv, dim)
	wv := read("wv", layers, kv, dim)
	wo := read("wo", layers, dim, dim)
	mlpNorm := read("rms_ffn_weight", layers, dim)
	w1 := read("w1", layers, hidden, dim)
	w2 := read("w2", layers, dim, hidden)
	w3 := read("w3", layers, hidden, dim)
	final := read("rms_final_weight", dim)
	if err == nil {
		err = r.skip("freq_cis_real and freq_cis_imag", 2*seqLen*hs/2)
	}
	head := embed
	if !shared {
		head = read("wcls", vocab, dim)
	}
	if err != nil {
		return nil, err
	}
	if r.off != len(data) {
		return nil, fmt.Errorf("llm: llama2.c checkpoint: %d unexpected bytes after the last array at offset %d", len(data)-r.off, r.off)
	}

	m.Embed, m.Head, m.FinalNorm = embed, head, final
	m.Layers = make([]LayerWeights, layers)
	for l := range m.Layers {
		m.Layers[l] = LayerWeights{
			AttnNorm: layerSlice(attnNorm, l),
			WQ:       interleavedToHalf(layerSlice(wq, l), hs),
			WK:       interleavedToHalf(layerSlice(wk, l), hs),
			WV:       layerSlice(wv, l),
			WO:       layerSlice(wo, l),
			MLPNorm:  layerSlice(mlpNorm, l),
			WGate:    layerSlice(w1, l),
			WDown:    layerSlice(w2, l),
			WUp:      layerSlice(w3, l),
		}
	}
	return m, m.Validate()
}

// floatReader reads little-endian float32 arrays with bounds checks.
type floatReader struct {
	data []byte
	off  int
}

func (r *floatReader) tensor(name string, shape ...int) (*tensor.Tensor, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n > (len(r.data)-r.off)/4 {
		return nil, fmt.Errorf("llm: llama2.c checkpoint is truncated: array %s %v at offset %d needs %d bytes, %d remain", name, shape, r.off, 4*n, len(r.data)-r.off)
	}
	t := tensor.New(shape...)
	dst := t.Data()
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.data[r.off+4*i:]))
	}
	r.off += 4 * n
	return t, nil
}

func (r *floatReader) skip(name string, n int) error {
	if n > (len(r.data)-r.off)/4 {
		return fmt.Errorf("llm: llama2.c checkpoint is truncated: %s at offset %d needs %d bytes, %d remain", name, r.off, 4*n, len(r.data)-r.off)
	}
	r.off += 4 * n
	return nil
}

// layerSlice returns a contiguous copy of t[l].
func layerSlice(t *tensor.Tensor, l int) *tensor.Tensor {
	shape := t.Shape()[1:]
	size := 1
	for _, d := range shape {
		size *= d
	}
	out := tensor.New(shape...)
	copy(out.Data(), t.Data()[l*size:(l+1)*size])
	return out
}

// interleavedToHalf reorders the rows of each head of a query or key
// projection from interleaved rotary pairs (2i, 2i+1) to rotate-half pairs
// (i, i + hs/2): new row p·hs/2 + i is old row 2i + p. This is the
// permutation Hugging Face's Llama conversion applies.
func interleavedToHalf(w *tensor.Tensor, hs int) *tensor.Tensor {
	return permuteHeadRows(w, hs, func(newRow int) int {
		p, i := newRow/(hs/2), newRow%(hs/2)
		return 2*i + p
	})
}

// halfToInterleaved is the inverse of interleavedToHalf.
func halfToInterleaved(w *tensor.Tensor, hs int) *tensor.Tensor {
	return permuteHeadRows(w, hs, func(newRow int) int {
		i, p := newRow/2, newRow%2
		return p*(hs/2) + i
	})
}

// permuteHeadRows returns a copy of w (rank 1 or 2) whose row r within each
// head of hs rows is row src(r) of the same head.
func permuteHeadRows(w *tensor.Tensor, hs int, src func(int) int) *tensor.Tensor {
	cols := 1
	if w.Ndim() == 2 {
		cols = w.Dim(1)
	}
	rows := w.Dim(0)
	out := tensor.New(w.Shape()...)
	in, dst := w.Data(), out.Data()
	for h := 0; h < rows/hs; h++ {
		for r := 0; r < hs; r++ {
			from := (h*hs + src(r)) * cols
			to := (h*hs + r) * cols
			copy(dst[to:to+cols], in[from:from+cols])
		}
	}
	return out
}
