package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"

	"pare/ops/store"
	"pare/ops/tensor"
)

// Streamed is a Hugging Face model whose weights stay in its safetensors
// files: only the tensors of the step at hand (one decoder layer, or the
// embedding or head) are converted to float32, and each file is mapped only
// while a tensor is read from it, so resident memory stays near one layer
// plus activations. Models larger than memory are scored this way.
type Streamed struct {
	Config Config
	dir    string
	// shard maps each tensor name to its safetensors file.
	shard map[string]string
}

// OpenStreamed reads config.json and the weight map of a Hugging Face
// folder (model.safetensors or a sharded index) without loading weights.
func OpenStreamed(dir string) (*Streamed, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	var h hfConfig
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", filepath.Join(dir, "config.json"), err)
	}
	cfg, err := configFromHF(&h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	s := &Streamed{Config: cfg, dir: dir, shard: map[string]string{}}
	single := filepath.Join(dir, "model.safetensors")
	if fileExists(single) {
		st, err := store.OpenSafetensors(single)
		if err != nil {
			return nil, err
		}
		for _, n := range st.Names() {
			s.shard[n] = single
		}
		st.Close()
		return s, s.checkBiases(single)
	}
	index := filepath.Join(dir, "model.safetensors.index.json")
	rawIdx, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("llm: the folder has neither model.safetensors nor a readable index: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(rawIdx, &idx); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", index, err)
	}
	for n, f := range idx.WeightMap {
		if filepath.Base(f) != f {
			return nil, fmt.Errorf("llm: %s: shard %q of tensor %s is not a file name in the folder", index, f, n)
		}
		s.shard[n] = filepath.Join(dir, f)
	}
	return s, s.checkBiases(index)
}

// checkBiases settles the optional biases as ReadHFWeights does. A Llama
// folder with attention_bias but no o_proj bias has none (pare wrote such
// folders for q/k/v biases alone). The gate_proj and up_proj biases that
// mlp_bias implies must be zero, because pare has no such biases. weights
// is the single file or the index.
func (s *Streamed) checkBiases(weights string) error {
	c := &s.Config
	if c.OProjBias && c.NLayers > 0 {
		if _, ok := s.shard["model.layers.0.self_attn.o_proj.bias"]; !ok {
			c.OProjBias = false
		}
	}
	if !c.DownProjBias {
		return nil
	}
	r, err := store.OpenCheckpoint(weights)
	if err != nil {
		return err
	}
	defer r.Close()
	return checkZeroMLPInputBiases(r, c, weights)
}

// readTensors fills each named tensor from its file, opening every file
// once and unmapping it afterwards.
func (s *Streamed) readTensors(params []Named) error {
	byFile := map[string][]Named{}
	var order []string
	for _, p := range params {
		f, ok := s.shard[p.Name]
		if !ok {
			return fmt.Errorf("llm: %s: tensor %s is missing", s.dir, p.Name)
		}
		if _, seen := byFile[f]; !seen {
			order = append(order, f)
		}
		byFile[f] = append(byFile[f], p)
	}
	for _, f := range order {
		st, err := store.OpenSafetensors(f)
		if err != nil {
			return err
		}
		for _, p := range byFile[f] {
			if err := readInto(st, p, f); err != nil {
				st.Close()
				return err
			}
		}
		if err := st.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Layer converts the weights of decoder layer l to float32.
func (s *Streamed) Layer(l int) (*LayerWeights, error) {
	w := newLayerWeights(&s.Config, l)
	if err := s.readTensors(layerParams(l, w)); err != nil {
		return nil, err
	}
	return w, nil
}

// newLayerWeights allocates zero weights for layer l of cfg.
func newLayerWeights(cfg *Config, l int) *LayerWeights {
	d, hd := cfg.Dim, cfg.HeadDim
	q, kv, h := cfg.LayerHeads[l]*hd, cfg.LayerKVHeads(l)*hd, cfg.LayerHidden[l]
	lw := &LayerWeights{AttnNorm: tensor.New(d), WQ: tensor.New(q, d), WK: tensor.New(kv, d), WV: tensor.New(kv, d),
		WO: tensor.New(d, q), MLPNorm: tensor.New(d), WGate: tensor.New(h, d), WUp: tensor.New(h, d), WDown: tensor.New(d, h)}
	if cfg.QKVBias {
		lw.BQ, lw.BK, lw.BV = tensor.New(q), tensor.New(kv), tensor.New(kv)
	}
	if cfg.OProjBias {
		lw.BO = tensor.New(d)
	}
	if cfg.DownProjBias {
		lw.BDown = tensor.New(d)
	}
	return lw
}

// layerParams lists the tensors of one layer with their Hugging Face names.
func layerParams(l int, lw *LayerWeights) []Named {
	w := &Weights{Layers: make([]LayerWeights, l+1)}
	w.Layers[l] = *lw
	var out []Named
	prefix := fmt.Sprintf("model.layers.%d.", l)
	for _, p := range w.Params() {
		if len(p.Name) > len(prefix) && p.Name[:len(prefix)] == prefix {
			out = append(out, p)
		}
	}
	return out
}

// embedRows returns the embedding rows of ids, [len(ids), dim], reading
// the whole table once.
func (s *Streamed) embedRows(ids []int) ([]float32, error) {
	c := &s.Config
	table := tensor.New(c.VocabSize, c.Dim)
	if err := s.readTensors([]Named{{"model.embed_tokens.weight", table}}); err != nil {
		return nil, err
	}
	d := c.Dim
	x := tensor.Alloc(len(ids)*d, len(ids), d)
	e := table.Data()
	for i, id := range ids {
		copy(x[i*d:(i+1)*d], e[id*d:(id+1)*d])
	}
	return x, nil
}

// StreamGradients runs f over the [B, T] batch ids with one layer resident
// at a time and calls visit(l, weights, gradients) for every decoder layer,
// last layer first, with the gradient of f for each of the layer's
// weights. The forward pass keeps each layer's input ([B·T, dim] floats per
// layer); the backward pass recomputes the layer's activations. chunk
// sequences are processed at a time (0: all), which bounds activation
// memory. f must be a mean over sequences, so that the value of the batch
// is the mean of the values of its sequences. MaxOverPositions,
// MaxOverVocab and CrossEntropy are. f is called on chunks of whole
// sequences, and each chunk is weighted by its share of the batch. It
// returns f of the whole batch.
func (s *Streamed) StreamGradients(ctx context.Context, ids []int, B, T, chunk int, f func(chunkIDs []int, nb int) Objective, visit func(l int, w, grad *LayerWeights) error) (float64, error) {
	c := &s.Config
	probe := &Model{Config: *c}
	if err := probe.checkBatch(ids, B, T, nil); err != nil {
		return 0, err
	}
	if chunk <= 0 || chunk > B {
		chunk = B
	}
	n, d := B*T, c.Dim
	cos, sin := ropeTables(c, T)

	inputs, err := s.forwardLayers(ctx, ids, B, T, chunk, true)
	if err != nil {
		return 0, err
	}

	// Head: the objective and the gradient of the last hidden states.
	head, final, err := s.headWeights()
	if err != nil {
		return 0, err
	}
	dx := tensor.Alloc(n*d, n, d)
	var value float64
	for b0 := 0; b0 < B; b0 += chunk {
		nb := min(chunk, B-b0)
		xs := inputs[c.NLayers][b0*T*d : (b0+nb)*T*d]
		xn, rstd := rmsNorm(xs, nb*T, d, final, c.NormEps)
		logits := linear(xn, nb*T, head, nil)
		lt, _ := tensor.FromSlice(logits, nb, T, c.VocabSize)
		v, dl, err := f(ids[b0*T:(b0+nb)*T], nb)(lt)
		if err != nil {
			return 0, err
		}
		share := float64(nb) / float64(B)
		value += v * share
		g := dl.Data()
		for i := range g {
			g[i] *= float32(share)
		}
		dxn := linearBackward(g, xn, nb*T, head, nil, nil, nil)
		rmsNormBackward(dxn, xs, rstd, nb*T, d, final, nil, dx[b0*T*d:(b0+nb)*T*d])
		collectChunk()
	}
	head = nil
	inputs[c.NLayers] = nil
	runtime.GC()

	// Backward, one layer at a time, recomputing its activations.
	for l := c.NLayers - 1; l >= 0; l-- {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		lw, err := s.Layer(l)
		if err != nil {
			return 0, err
		}
		grad := newLayerWeights(c, l)
		dPrev := tensor.Alloc(n*d, n, d)
		for b0 := 0; b0 < B; b0 += chunk {
			nb := min(chunk, B-b0)
			cc := &Cache{B: nb, T: T, cos: cos, sin: sin}
			var lc layerCache
			probe.blockForward(l, lw, inputs[l][b0*T*d:(b0+nb)*T*d], cc, &lc)
			dIn := probe.blockBackward(l, lw, grad, &lc, cc, dx[b0*T*d:(b0+nb)*T*d])
			copy(dPrev[b0*T*d:], dIn)
			lc = layerCache{}
			collectChunk()
		}
		if err := visit(l, lw, grad); err != nil {
			return 0, err
		}
		dx = dPrev
		inputs[l] = nil
		runtime.GC()
	}
	return value, nil
}

// forwardLayers runs the decoder layers one at a time over the [B, T] batch
// and returns the input of every layer plus the final hidden states
// (index NLayers). With keep false only the final hidden states are
// returned, at index 0.
func (s *Streamed) forwardLayers(ctx context.Context, ids []int, B, T, chunk int, keep bool) ([][]float32, error) {
	c := &s.Config
	probe := &Model{Config: *c}
	n, d := B*T, c.Dim
	cos, sin := ropeTables(c, T)
	x, err := s.embedRows(ids)
	if err != nil {
		return nil, err
	}
	var inputs [][]float32
	for l := 0; l < c.NLayers; l++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lw, err := s.Layer(l)
		if err != nil {
			return nil, err
		}
		next := tensor.Alloc(n*d, n, d)
		for b0 := 0; b0 < B; b0 += chunk {
			nb := min(chunk, B-b0)
			cc := &Cache{B: nb, T: T, cos: cos, sin: sin}
			out := probe.blockForward(l, lw, x[b0*T*d:(b0+nb)*T*d], cc, nil)
			copy(next[b0*T*d:], out)
			collectChunk()
		}
		if keep {
			inputs = append(inputs, x)
		}
		x = next
		runtime.GC()
	}
	return append(inputs, x), nil
}

// Perplexity scores ids with non-overlapping windows of window tokens
// (a final partial window is dropped, as Model.Perplexity does) with one
// layer resident at a time, chunk windows per forward pass (0: all). Like
// Model.Perplexity, it scores a text shorter than window as one window of
// the whole text.
func (s *Streamed) Perplexity(ctx context.Context, ids []int, window, chunk int) (Perplexity, error) {
	c := &s.Config
	if window < 2 {
		return Perplexity{}, fmt.Errorf("llm: perplexity: window is %d, want at least 2", window)
	}
	if len(ids) < 2 {
		return Perplexity{}, fmt.Errorf("llm: perplexity: %d tokens, want at least 2", len(ids))
	}
	requested := window
	B := len(ids) / window
	if B == 0 {
		B, window = 1, len(ids)
	}
	ids = ids[:B*window]
	probe := &Model{Config: *c}
	if err := probe.checkBatch(ids, B, window, nil); err != nil {
		return Perplexity{}, err
	}
	if chunk <= 0 || chunk > B {
		chunk = B
	}
	hidden, err := s.forwardLayers(ctx, ids, B, window, chunk, false)
	if err != nil {
		return Perplexity{}, err
	}
	x := hidden[0]
	d := c.Dim
	head, final, err := s.headWeights()
	if err != nil {
		return Perplexity{}, err
	}
	targets := NextTokenTargets(ids, B, window, nil)
	res := Perplexity{Window: requested, Stride: requested, Windows: B}
	var sum float64
	for b0 := 0; b0 < B; b0 += chunk {
		nb := min(chunk, B-b0)
		xn, _ := rmsNorm(x[b0*window*d:(b0+nb)*window*d], nb*window, d, final, c.NormEps)
		lt, _ := tensor.FromSlice(linear(xn, nb*window, head, nil), nb, window, c.VocabSize)
		nll, count, _, err := crossEntropy(lt, targets[b0*window:(b0+nb)*window], false)
		if err != nil {
			return Perplexity{}, err
		}
		sum += nll
		res.Tokens += count
	}
	res.NLL = sum / float64(res.Tokens)
	res.PPL = math.Exp(res.NLL)
	return res, nil
}

// headWeights reads the output head (the embedding when tied) and the
// final norm.
func (s *Streamed) headWeights() (head, final *tensor.Tensor, err error) {
	c := &s.Config
	head = tensor.New(c.VocabSize, c.Dim)
	final = tensor.New(c.Dim)
	name := "lm_head.weight"
	if c.TiedEmbeddings {
		name = "model.embed_tokens.weight"
	}
	if err := s.readTensors([]Named{{name, head}, {"model.norm.weight", final}}); err != nil {
		return nil, nil, err
	}
	return head, final, nil
}

// collectChunk runs the garbage collector after a chunk of sequences. The
// chunk's activations are garbage by then, and without a collection the
// heap grows to twice the live data (the default GOGC) before the next one,
// which would double resident memory. The activations are float slices
// without pointers, so a collection costs little.
func collectChunk() { runtime.GC() }

// WriteRandomCheckpoint writes a Hugging Face folder with seeded random
// weights of shape cfg (see NewRandom for the distributions), one
// safetensors shard per decoder layer plus one for the embedding, head and
// final norm, and the index. Only one shard is in memory at a time, so
// checkpoints larger than memory can be made. dtype is "f32", "bf16" or
// "f16". A cancelled ctx stops the writing between layers and leaves dir
// absent.
func WriteRandomCheckpoint(ctx context.Context, dir string, cfg Config, seed uint64, dtype string) error {
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := safetensorsDType(dtype)
	if err != nil {
		return err
	}
	cfgJSON, err := json.MarshalIndent(hfConfigOf(&cfg, st), "", "  ")
	if err != nil {
		return err
	}
	return store.WriteDirAtomic(dir, func(tmp string) error {
		if err := os.WriteFile(filepath.Join(tmp, "config.json"), append(cfgJSON, '\n'), 0o644); err != nil {
			return err
		}
		weightMap := map[string]string{}
		writeShard := func(name string, params []Named, rng *rand.Rand) error {
			var tensors []store.NamedTensor
			for _, p := range params {
				fillRandom(p, rng)
				tensors = append(tensors, store.NamedTensor{Name: p.Name, DType: st, Shape: p.Tensor.Shape(), Data: p.Tensor.Data()})
				weightMap[p.Name] = name
			}
			return store.WriteSafetensors(filepath.Join(tmp, name), tensors, map[string]string{"format": "pt"})
		}
		total := cfg.NLayers + 1
		for l := 0; l < cfg.NLayers; l++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			rng := rand.New(rand.NewPCG(seed, uint64(l)+1))
			name := fmt.Sprintf("model-%05d-of-%05d.safetensors", l+1, total)
			if err := writeShard(name, layerParams(l, newLayerWeights(&cfg, l)), rng); err != nil {
				return err
			}
			runtime.GC()
		}
		outer := []Named{{"model.embed_tokens.weight", tensor.New(cfg.VocabSize, cfg.Dim)}, {"model.norm.weight", tensor.New(cfg.Dim)}}
		if !cfg.TiedEmbeddings {
			outer = append(outer, Named{"lm_head.weight", tensor.New(cfg.VocabSize, cfg.Dim)})
		}
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", total, total)
		if err := writeShard(name, outer, rand.New(rand.NewPCG(seed, 0))); err != nil {
			return err
		}
		idx, err := json.MarshalIndent(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap}, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, "model.safetensors.index.json"), append(idx, '\n'), 0o644)
	})
}
