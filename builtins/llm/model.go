package llm

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	tensorb "pare/builtins/tensor"
	"pare/ops/llm"
	"pare/ops/llm/tokenizer"
)

// Model is the Starlark value of a language model.
type Model struct {
	m *llm.Model
}

var _ starlark.HasAttrs = (*Model)(nil)

// WrapModel returns m as a Starlark value, for bindings (prune, moe) that
// produce models.
func WrapModel(m *llm.Model) starlark.Value { return &Model{m: m} }

// ModelOf returns the model inside a Starlark value, or an error that names
// the type it got.
func ModelOf(v starlark.Value) (*llm.Model, error) {
	if mv, ok := v.(*Model); ok {
		return mv.m, nil
	}
	return nil, fmt.Errorf("got %s, want a model from llm.load_model", v.Type())
}

func (v *Model) String() string {
	c := &v.m.Config
	widths := ""
	if c.Pruned() {
		widths = fmt.Sprintf(" query_heads_per_layer=%v mlp_widths=%v", c.LayerHeads, c.LayerHidden)
	}
	return fmt.Sprintf("<llm model %s: dim=%d layers=%d heads=%d kv_heads=%d hidden=%d vocab=%d params=%d%s>",
		c.Arch, c.Dim, c.NLayers, c.NHeads, c.NKVHeads, c.HiddenDim, c.VocabSize, v.m.NumParams(), widths)
}
func (v *Model) Type() string          { return "llm.model" }
func (v *Model) Freeze()               {}
func (v *Model) Truth() starlark.Bool  { return true }
func (v *Model) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: llm.model") }

var modelAttrs = []string{"config", "generate", "logits", "num_params", "save", "tokenizer"}

func (v *Model) AttrNames() []string { return modelAttrs }

func (v *Model) Attr(name string) (starlark.Value, error) {
	method := func(f host.Func) starlark.Value {
		return starlark.NewBuiltin("llm.model."+name, host.Recover(func(th *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			return f(th, fn, args, kw)
		}))
	}
	switch name {
	case "config":
		return configStruct(&v.m.Config), nil
	case "tokenizer":
		if v.m.Tokenizer == nil {
			return starlark.None, nil
		}
		return &Tokenizer{t: v.m.Tokenizer}, nil
	case "logits":
		return method(v.logits), nil
	case "generate":
		return method(v.generate), nil
	case "save":
		return method(v.save), nil
	case "num_params":
		return method(func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if err := host.UnpackArgs(fn.Name(), args, kw); err != nil {
				return nil, err
			}
			return starlark.MakeInt(v.m.NumParams()), nil
		}), nil
	}
	return nil, nil
}

func intList(xs []int) *starlark.List {
	vals := make([]starlark.Value, len(xs))
	for i, x := range xs {
		vals[i] = starlark.MakeInt(x)
	}
	return starlark.NewList(vals)
}

func configStruct(c *llm.Config) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String("llm.config"), starlark.StringDict{
		"arch":            starlark.String(c.Arch),
		"dim":             starlark.MakeInt(c.Dim),
		"n_layers":        starlark.MakeInt(c.NLayers),
		"n_heads":         starlark.MakeInt(c.NHeads),
		"n_kv_heads":      starlark.MakeInt(c.NKVHeads),
		"head_dim":        starlark.MakeInt(c.HeadDim),
		"hidden_dim":      starlark.MakeInt(c.HiddenDim),
		"vocab_size":      starlark.MakeInt(c.VocabSize),
		"max_seq_len":     starlark.MakeInt(c.MaxSeqLen),
		"layer_heads":     intList(c.LayerHeads),
		"layer_kv_heads":  intList(kvHeads(c)),
		"layer_hidden":    intList(c.LayerHidden),
		"tied_embeddings": starlark.Bool(c.TiedEmbeddings),
		"qkv_bias":        starlark.Bool(c.QKVBias),
		"rope_theta":      starlark.Float(c.RopeTheta),
		"norm_eps":        starlark.Float(c.NormEps),
		"bos_id":          starlark.MakeInt(c.BOS),
		"eos_id":          starlark.MakeInt(c.EOS),
	})
}

func kvHeads(c *llm.Config) []int {
	out := make([]int, c.NLayers)
	for l := range out {
		out[l] = c.LayerKVHeads(l)
	}
	return out
}

// logits(ids)
func (v *Model) logits(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var idsV starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "ids", &idsV); err != nil {
		return nil, err
	}
	ids, B, T, err := batchIDs(idsV)
	if err != nil {
		return nil, host.Errorf(fn, "ids: %v", err)
	}
	lg, err := v.m.ForwardContext(host.Context(thread), ids, B, T, nil)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if _, nested := idsV.(starlark.Indexable).Index(0).(starlark.Indexable); !nested {
		lg, _ = lg.Reshape(T, v.m.Config.VocabSize)
	}
	return tensorb.Wrap(lg), nil
}

// generate(prompt="", max_tokens=64, temperature=0.0, top_p=1.0, seed=0)
func (v *Model) generate(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	prompt := ""
	maxTokens := 64
	temperature, topP := 0.0, 1.0
	seed := 0
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "prompt?", &prompt, "max_tokens?", &maxTokens,
		"temperature?", &temperature, "top_p?", &topP, "seed?", &seed); err != nil {
		return nil, err
	}
	if maxTokens < 0 {
		return nil, host.Errorf(fn, "max_tokens: got %d, want an int >= 0", maxTokens)
	}
	if temperature < 0 {
		return nil, host.Errorf(fn, "temperature: got %g, want a float >= 0", temperature)
	}
	if topP <= 0 || topP > 1 {
		return nil, host.Errorf(fn, "top_p: got %g, want a float in (0, 1]", topP)
	}
	if seed < 0 {
		return nil, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	if v.m.Tokenizer == nil {
		return nil, host.Errorf(fn, "the model has no tokenizer; pass tokenizer= to llm.load_model")
	}
	ids := v.m.Tokenizer.Encode(prompt, true, false)
	out, err := v.m.Generate(host.Context(thread), ids, llm.SampleOptions{MaxTokens: maxTokens, Temperature: temperature, TopP: topP, Seed: uint64(seed)})
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	text, err := v.m.Tokenizer.Decode(append(ids, out...))
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(text), nil
}

// save(dir, dtype="bf16")
func (v *Model) save(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var dir string
	dtype := "bf16"
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "dir", &dir, "dtype?", &dtype); err != nil {
		return nil, err
	}
	if dtype != "f32" && dtype != "bf16" && dtype != "f16" {
		return nil, host.Errorf(fn, "dtype: got %q, want \"f32\", \"bf16\" or \"f16\"", dtype)
	}
	abs, err := host.Get(thread).WritePath(fn.Name(), dir)
	if err != nil {
		return nil, err
	}
	if err := v.m.SaveHF(abs, dtype); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(abs), nil
}

// Tokenizer is the Starlark value of a model's tokenizer.
type Tokenizer struct {
	t tokenizer.Tokenizer
}

var _ starlark.HasAttrs = (*Tokenizer)(nil)

func (v *Tokenizer) String() string {
	return fmt.Sprintf("<llm tokenizer %s: vocab=%d bos=%d eos=%d>", v.t.Kind(), v.t.VocabSize(), v.t.BOS(), v.t.EOS())
}
func (v *Tokenizer) Type() string          { return "llm.tokenizer" }
func (v *Tokenizer) Freeze()               {}
func (v *Tokenizer) Truth() starlark.Bool  { return true }
func (v *Tokenizer) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: llm.tokenizer") }
func (v *Tokenizer) AttrNames() []string {
	return []string{"bos_id", "decode", "encode", "eos_id", "kind", "vocab_size"}
}

func (v *Tokenizer) Attr(name string) (starlark.Value, error) {
	switch name {
	case "vocab_size":
		return starlark.MakeInt(v.t.VocabSize()), nil
	case "bos_id":
		return starlark.MakeInt(v.t.BOS()), nil
	case "eos_id":
		return starlark.MakeInt(v.t.EOS()), nil
	case "kind":
		return starlark.String(v.t.Kind()), nil
	case "encode":
		return starlark.NewBuiltin("llm.tokenizer.encode", host.Recover(func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var text string
			bos, eos := true, false
			if err := host.UnpackArgs(fn.Name(), args, kw, "text", &text, "bos?", &bos, "eos?", &eos); err != nil {
				return nil, err
			}
			return intList(v.t.Encode(text, bos, eos)), nil
		})), nil
	case "decode":
		return starlark.NewBuiltin("llm.tokenizer.decode", host.Recover(func(_ *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			var idsV starlark.Value
			if err := host.UnpackArgs(fn.Name(), args, kw, "ids", &idsV); err != nil {
				return nil, err
			}
			ids, err := intsOf(idsV)
			if err != nil {
				return nil, host.Errorf(fn, "ids: %v", err)
			}
			text, err := v.t.Decode(ids)
			if err != nil {
				return nil, host.Errorf(fn, "ids: %v", err)
			}
			return starlark.String(text), nil
		})), nil
	}
	return nil, nil
}

// intsOf reads a list or tuple of ints.
func intsOf(v starlark.Value) ([]int, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok {
		return nil, fmt.Errorf("got %s, want a list of ints", v.Type())
	}
	out := make([]int, seq.Len())
	for i := range out {
		x, err := starlark.AsInt32(seq.Index(i))
		if err != nil {
			return nil, fmt.Errorf("element %d: got %s, want an int", i, seq.Index(i).Type())
		}
		out[i] = x
	}
	return out, nil
}

// batchIDs reads a list of ints (one sequence) or a list of equal-length
// lists of ints (a batch) and returns the flattened ids with B and T.
func batchIDs(v starlark.Value) ([]int, int, int, error) {
	seq, ok := v.(starlark.Indexable)
	if !ok || seq.Len() == 0 {
		return nil, 0, 0, fmt.Errorf("got %s, want a non-empty list of ints or of lists of ints", v.Type())
	}
	if _, nested := seq.Index(0).(starlark.Indexable); !nested {
		ids, err := intsOf(v)
		return ids, 1, len(ids), err
	}
	var ids []int
	T := -1
	for b := 0; b < seq.Len(); b++ {
		row, err := intsOf(seq.Index(b))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("row %d: %v", b, err)
		}
		if T >= 0 && len(row) != T {
			return nil, 0, 0, fmt.Errorf("row %d has %d ids, row 0 has %d; want equal lengths", b, len(row), T)
		}
		T = len(row)
		ids = append(ids, row...)
	}
	if T == 0 {
		return nil, 0, 0, fmt.Errorf("the rows are empty")
	}
	return ids, seq.Len(), T, nil
}
