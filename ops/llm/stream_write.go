package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"pare/ops/store"
	"pare/ops/tensor"
)

// LayerTransform returns the weights to write for decoder layer l given
// the layer's source weights src, which it may reuse or modify.
type LayerTransform func(l int, src *LayerWeights) (*LayerWeights, error)

// tokenizerFiles are the tokenizer files a streamed rewrite copies from the
// source folder, the ones LoadHF reads.
var tokenizerFiles = []string{"tokenizer.bin", "tokenizer.json"}

// StoredDType returns the safetensors dtype ("F32", "BF16", "F16", ...) of
// the query projection of layer 0, which is the dtype a rewrite keeps by
// default.
func (s *Streamed) StoredDType() (string, error) {
	name := "model.layers.0.self_attn.q_proj.weight"
	f, ok := s.shard[name]
	if !ok {
		return "", fmt.Errorf("llm: %s: tensor %s is missing", s.dir, name)
	}
	st, err := store.OpenSafetensors(f)
	if err != nil {
		return "", err
	}
	defer st.Close()
	info, err := st.Info(name)
	if err != nil {
		return "", fmt.Errorf("llm: %s: %w", f, err)
	}
	return info.DType, nil
}

// TokenizerFiles returns the paths of the tokenizer files in the model's
// folder that WriteHF copies (tokenizer.bin and tokenizer.json, where
// present).
func (s *Streamed) TokenizerFiles() []string {
	var out []string
	for _, name := range tokenizerFiles {
		if p := filepath.Join(s.dir, name); fileExists(p) {
			out = append(out, p)
		}
	}
	return out
}

// WriteHF writes the model as a Hugging Face folder at dir with config cfg,
// holding one decoder layer in memory at a time. Each layer is read from
// the source files, passed through transform, checked against the shapes
// cfg implies and written as its own safetensors shard, with the zero
// biases SaveHF adds to Llama checkpoints (see hfZeroBiases). The embedding,
// final norm and output head are copied unchanged, one [vocab, dim] table
// at a time, and so are the tokenizer files. cfg must match the source in everything
// but the per-layer widths. dtype is "f32", "bf16" or "f16", or "" for the
// source's dtype (StoredDType). extra, when not nil, writes more files into
// the folder before it is renamed into place. ctx is checked before every
// shard.
//
// The folder appears complete or not at all (store.WriteDirAtomic): an
// error from transform, extra or a write, or a cancelled ctx, removes the
// temporary folder and leaves dir absent. An existing non-empty dir is an
// error.
func (s *Streamed) WriteHF(ctx context.Context, dir string, cfg Config, dtype string, transform LayerTransform, extra func(tmp string) error) error {
	st, err := s.outputDType(dtype)
	if err != nil {
		return err
	}
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := s.checkRewriteConfig(&cfg); err != nil {
		return err
	}
	cfgJSON, err := json.MarshalIndent(hfConfigOf(&cfg, st), "", "  ")
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return store.WriteDirAtomic(dir, func(tmp string) error {
		if err := os.WriteFile(filepath.Join(tmp, "config.json"), append(cfgJSON, '\n'), 0o644); err != nil {
			return err
		}
		w := &shardWriter{dir: tmp, dtype: st, weightMap: map[string]string{}}
		total := cfg.NLayers + 1
		if !cfg.TiedEmbeddings {
			total++
		}
		for l := 0; l < cfg.NLayers; l++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			params, err := s.transformedLayer(&cfg, l, transform)
			if err != nil {
				return err
			}
			if err := w.write(shardName(l+1, total), params); err != nil {
				return err
			}
			runtime.GC()
		}
		if err := s.copyOuter(ctx, &cfg, w, total); err != nil {
			return err
		}
		if err := w.writeIndex(); err != nil {
			return err
		}
		for _, src := range s.TokenizerFiles() {
			if err := copyFile(src, filepath.Join(tmp, filepath.Base(src))); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tmp)
		}
		return nil
	})
}

// outputDType resolves WriteHF's dtype argument to a safetensors dtype.
func (s *Streamed) outputDType(dtype string) (string, error) {
	if dtype != "" {
		return safetensorsDType(dtype)
	}
	stored, err := s.StoredDType()
	if err != nil {
		return "", err
	}
	switch stored {
	case "F32", "BF16", "F16":
		return stored, nil
	}
	return "", fmt.Errorf("llm: %s stores weights as %s; pass dtype f32, bf16 or f16 to convert them", s.dir, stored)
}

// checkRewriteConfig rejects a rewrite config that differs from the source
// in anything but the per-layer widths.
func (s *Streamed) checkRewriteConfig(cfg *Config) error {
	src := &s.Config
	if cfg.Arch != src.Arch || cfg.Dim != src.Dim || cfg.NLayers != src.NLayers || cfg.NHeads != src.NHeads ||
		cfg.NKVHeads != src.NKVHeads || cfg.HeadDim != src.HeadDim || cfg.HiddenDim != src.HiddenDim ||
		cfg.VocabSize != src.VocabSize || cfg.TiedEmbeddings != src.TiedEmbeddings || cfg.QKVBias != src.QKVBias ||
		cfg.OProjBias != src.OProjBias || cfg.DownProjBias != src.DownProjBias {
		return fmt.Errorf("llm: rewrite of %s: the new config changes more than the per-layer widths", s.dir)
	}
	return nil
}

// transformedLayer reads layer l, applies transform and checks the result
// against the tensor names and shapes cfg implies for the layer.
func (s *Streamed) transformedLayer(cfg *Config, l int, transform LayerTransform) ([]Named, error) {
	src, err := s.Layer(l)
	if err != nil {
		return nil, err
	}
	out := src
	if transform != nil {
		if out, err = transform(l, src); err != nil {
			return nil, err
		}
	}
	want := layerParams(l, newLayerWeights(cfg, l))
	got := layerParams(l, out)
	if len(got) != len(want) {
		return nil, fmt.Errorf("llm: rewrite: layer %d has %d tensors, the config implies %d", l, len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Tensor == nil || !sameShape(got[i].Tensor.Shape(), want[i].Tensor.Shape()) {
			return nil, fmt.Errorf("llm: rewrite: layer %d: tensor %s does not have the shape %v the config implies", l, want[i].Name, want[i].Tensor.Shape())
		}
	}
	return append(got, hfZeroBiases(cfg, l, out)...), nil
}

// hfZeroBiases returns the zero biases that SaveHF writes next to layer l's
// own in a Llama checkpoint (see Model.zeroBiasesForHF), named for layer l.
func hfZeroBiases(cfg *Config, l int, lw *LayerWeights) []Named {
	single := &Model{Config: *cfg, Weights: Weights{Layers: []LayerWeights{*lw}}}
	out := single.zeroBiasesForHF()
	prefix := fmt.Sprintf("model.layers.%d.", l)
	for i := range out {
		out[i].Name = prefix + strings.TrimPrefix(out[i].Name, "model.layers.0.")
	}
	return out
}

// copyOuter copies the embedding and final norm into one shard and the
// untied head into the last, converting one table at a time so that at
// most one [vocab, dim] table is in memory.
func (s *Streamed) copyOuter(ctx context.Context, cfg *Config, w *shardWriter, total int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	outer := []Named{{"model.embed_tokens.weight", tensor.New(cfg.VocabSize, cfg.Dim)}, {"model.norm.weight", tensor.New(cfg.Dim)}}
	if err := s.readTensors(outer); err != nil {
		return err
	}
	if err := w.write(shardName(cfg.NLayers+1, total), outer); err != nil {
		return err
	}
	if cfg.TiedEmbeddings {
		return nil
	}
	runtime.GC()
	if err := ctx.Err(); err != nil {
		return err
	}
	head := []Named{{"lm_head.weight", tensor.New(cfg.VocabSize, cfg.Dim)}}
	if err := s.readTensors(head); err != nil {
		return err
	}
	return w.write(shardName(total, total), head)
}

func shardName(i, total int) string {
	return fmt.Sprintf("model-%05d-of-%05d.safetensors", i, total)
}

// shardWriter writes safetensors shards into a folder and collects the
// index's weight map and total size.
type shardWriter struct {
	dir, dtype string
	weightMap  map[string]string
	totalBytes int64
}

func (w *shardWriter) write(name string, params []Named) error {
	item := int64(2)
	if w.dtype == "F32" {
		item = 4
	}
	tensors := make([]store.NamedTensor, len(params))
	for i, p := range params {
		tensors[i] = store.NamedTensor{Name: p.Name, DType: w.dtype, Shape: p.Tensor.Shape(), Data: p.Tensor.Data()}
		w.weightMap[p.Name] = name
		w.totalBytes += item * int64(len(p.Tensor.Data()))
	}
	return store.WriteSafetensors(filepath.Join(w.dir, name), tensors, map[string]string{"format": "pt"})
}

func (w *shardWriter) writeIndex() error {
	idx, err := json.MarshalIndent(map[string]any{"metadata": map[string]any{"total_size": w.totalBytes}, "weight_map": w.weightMap}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.dir, "model.safetensors.index.json"), append(idx, '\n'), 0o644)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("llm: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("llm: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("llm: copy %s: %w", src, err)
	}
	return out.Close()
}
