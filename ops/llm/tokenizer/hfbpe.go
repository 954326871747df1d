package tokenizer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// BPE is a Hugging Face tokenizer.json BPE model in one of two variants:
// byte-level (GPT-2, Llama 3, Qwen2: text split by a pre-tokenizer regex,
// bytes mapped to printable characters) or byte-fallback (Llama 2,
// Mistral: spaces replaced by "▁", a "▁" prepended, unknown characters
// spelled as <0xXX> byte tokens). Merges apply by rank, lowest first.
type BPE struct {
	Vocab        map[string]int
	Pieces       []string
	ByteLevel    bool
	ByteFallback bool
	// Metaspace replaces spaces with "▁"; PrependMeta adds one at the start.
	Metaspace, PrependMeta bool
	// Split is the byte-level pre-tokenizer: "gpt2", "llama3" or "qwen2".
	Split        string
	IgnoreMerges bool
	BOSID, EOSID int
	UnknownID    int
	merges       map[[2]int]int
	added        []string // added tokens, longest first
	special      map[int]bool
	byteID       [256]int
	raw          map[string]any
}

type hfTokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    map[string]any `json:"normalizer"`
	PreTokenizer  map[string]any `json:"pre_tokenizer"`
	PostProcessor map[string]any `json:"post_processor"`
	Model         struct {
		Type         string          `json:"type"`
		Vocab        map[string]int  `json:"vocab"`
		Merges       json.RawMessage `json:"merges"`
		UnkToken     *string         `json:"unk_token"`
		ByteFallback bool            `json:"byte_fallback"`
		IgnoreMerges bool            `json:"ignore_merges"`
	} `json:"model"`
}

// maxTokenizerJSONBytes bounds tokenizer.json; real files are a few MB.
const maxTokenizerJSONBytes = 256 << 20

// LoadHF reads a Hugging Face tokenizer.json with a BPE model.
func LoadHF(path string) (*BPE, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if fi.Size() > maxTokenizerJSONBytes {
		return nil, fmt.Errorf("tokenizer: %s: %d bytes exceeds the limit of %d", path, fi.Size(), maxTokenizerJSONBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := ParseHF(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseHF parses the bytes of a tokenizer.json (see LoadHF).
func ParseHF(data []byte) (*BPE, error) {
	var j hfTokenizerJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("tokenizer: invalid tokenizer.json: %w", err)
	}
	if j.Model.Type != "BPE" {
		return nil, fmt.Errorf("tokenizer: model type %q is not supported; want BPE", j.Model.Type)
	}
	t := &BPE{Vocab: map[string]int{}, ByteFallback: j.Model.ByteFallback, IgnoreMerges: j.Model.IgnoreMerges,
		BOSID: -1, EOSID: -1, UnknownID: -1, merges: map[[2]int]int{}, special: map[int]bool{}}
	n := 0
	for tok, id := range j.Model.Vocab {
		if id < 0 || id >= 1<<24 {
			return nil, fmt.Errorf("tokenizer: vocab entry %q has id %d, want 0..%d", tok, id, 1<<24-1)
		}
		t.Vocab[tok] = id
		n = max(n, id+1)
	}
	for _, a := range j.AddedTokens {
		if a.ID < 0 || a.ID >= 1<<24 || a.Content == "" {
			return nil, fmt.Errorf("tokenizer: added token %q has id %d, want a non-empty token with id 0..%d", a.Content, a.ID, 1<<24-1)
		}
		t.Vocab[a.Content] = a.ID
		n = max(n, a.ID+1)
		t.added = append(t.added, a.Content)
		if a.Special {
			t.special[a.ID] = true
		}
	}
	sort.Slice(t.added, func(a, b int) bool { return len(t.added[a]) > len(t.added[b]) })
	t.Pieces = make([]string, n)
	for tok, id := range t.Vocab {
		t.Pieces[id] = tok
	}
	if err := t.parseMerges(j.Model.Merges); err != nil {
		return nil, err
	}
	if j.Model.UnkToken != nil {
		if id, ok := t.Vocab[*j.Model.UnkToken]; ok {
			t.UnknownID = id
		}
	}
	if err := t.configure(j.Normalizer, j.PreTokenizer); err != nil {
		return nil, err
	}
	t.findSpecials(j.PostProcessor)
	for b := range t.byteID {
		id, ok := t.Vocab[fmt.Sprintf("<0x%02X>", b)]
		if !ok {
			id = t.UnknownID
		}
		t.byteID[b] = id
	}
	return t, nil
}

func (t *BPE) parseMerges(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var pairs [][2]string
	var lines []string
	if err := json.Unmarshal(raw, &lines); err == nil {
		for i, l := range lines {
			a, b, ok := strings.Cut(l, " ")
			if !ok {
				return fmt.Errorf("tokenizer: merge %d %q is not two tokens separated by a space", i, l)
			}
			pairs = append(pairs, [2]string{a, b})
		}
	} else if err := json.Unmarshal(raw, &pairs); err != nil {
		return fmt.Errorf("tokenizer: merges are neither strings nor pairs: %w", err)
	}
	for rank, p := range pairs {
		a, okA := t.Vocab[p[0]]
		b, okB := t.Vocab[p[1]]
		if !okA || !okB {
			return fmt.Errorf("tokenizer: merge %d (%q, %q) uses a token missing from the vocabulary", rank, p[0], p[1])
		}
		if _, ok := t.Vocab[p[0]+p[1]]; !ok {
			return fmt.Errorf("tokenizer: merge %d (%q, %q) makes a token missing from the vocabulary", rank, p[0], p[1])
		}
		if _, dup := t.merges[[2]int{a, b}]; !dup {
			t.merges[[2]int{a, b}] = rank
		}
	}
	return nil
}

// configure reads the normalizer and pre-tokenizer settings of the two
// supported variants. A component pare does not implement is an error,
// because ignoring it would encode text differently from the tokenizer the
// model was trained with.
func (t *BPE) configure(norm, pre map[string]any) error {
	var firstErr error
	fail := func(format string, args ...any) {
		if firstErr == nil {
			firstErr = fmt.Errorf("tokenizer: "+format, args...)
		}
	}
	visit := func(m map[string]any, f func(map[string]any)) {
		if m == nil {
			return
		}
		f(m)
		for _, key := range []string{"normalizers", "pretokenizers"} {
			if list, ok := m[key].([]any); ok {
				for _, x := range list {
					if sub, ok := x.(map[string]any); ok {
						f(sub)
					}
				}
			}
		}
	}
	visit(norm, func(m map[string]any) {
		switch m["type"] {
		case "Sequence":
		case "Prepend":
			if m["prepend"] != "▁" {
				fail("normalizer Prepend of %q is not supported; pare supports prepending \"▁\"", m["prepend"])
				return
			}
			t.PrependMeta = true
		case "Replace":
			p, ok := m["pattern"].(map[string]any)
			if !ok || p["String"] != " " || m["content"] != "▁" {
				fail("normalizer Replace %v -> %v is not supported; pare supports replacing \" \" with \"▁\"", m["pattern"], m["content"])
				return
			}
			t.Metaspace = true
		default:
			fail("normalizer type %v is not supported; pare supports Sequence, Prepend and Replace (the Llama/Mistral byte-fallback layout)", m["type"])
		}
	})
	visit(pre, func(m map[string]any) {
		switch m["type"] {
		case "Sequence":
		case "Metaspace":
			t.Metaspace = true
			if s, _ := m["prepend_scheme"].(string); s != "never" {
				if ap, ok := m["add_prefix_space"].(bool); !ok || ap || s != "" {
					t.PrependMeta = true
				}
			}
		case "ByteLevel":
			t.ByteLevel = true
			if t.Split == "" {
				t.Split = "gpt2"
			}
		case "Split":
			p, _ := m["pattern"].(map[string]any)
			re, _ := p["Regex"].(string)
			switch {
			case strings.Contains(re, `\p{N}{1,3}`):
				t.Split = "llama3"
			case strings.Contains(re, `[^\r\n\p{L}\p{N}]?\p{L}+`):
				t.Split = "qwen2"
			default:
				fail("pre-tokenizer Split pattern %v is not supported; pare supports the GPT-2, Llama-3 and Qwen2 splitting rules", m["pattern"])
			}
		default:
			fail("pre-tokenizer type %v is not supported; pare supports Sequence, Metaspace, ByteLevel and the GPT-2, Llama-3 and Qwen2 Split rules", m["type"])
		}
	})
	return firstErr
}

// findSpecials takes BOS and EOS from a TemplateProcessing post-processor
// or from the usual special-token names.
func (t *BPE) findSpecials(post map[string]any) {
	if single, ok := post["single"].([]any); ok && len(single) > 0 {
		if first, ok := single[0].(map[string]any); ok {
			if st, ok := first["SpecialToken"].(map[string]any); ok {
				if id, ok := t.Vocab[fmt.Sprint(st["id"])]; ok {
					t.BOSID = id
				}
			}
		}
	}
	for _, name := range []string{"<s>", "<|begin_of_text|>"} {
		if id, ok := t.Vocab[name]; ok && t.BOSID < 0 {
			t.BOSID = id
		}
	}
	for _, name := range []string{"</s>", "<|end_of_text|>", "<|endoftext|>"} {
		if id, ok := t.Vocab[name]; ok && t.EOSID < 0 {
			t.EOSID = id
		}
	}
}

// SetSpecialIDs sets BOS and EOS, for example from a model's config.json.
// A negative id leaves the current one.
func (t *BPE) SetSpecialIDs(bos, eos int) {
	if bos >= 0 && bos < len(t.Pieces) {
		t.BOSID = bos
	}
	if eos >= 0 && eos < len(t.Pieces) {
		t.EOSID = eos
	}
}

// Kind names the format.
func (t *BPE) Kind() string { return "hf-bpe" }

// VocabSize returns one more than the largest id.
func (t *BPE) VocabSize() int { return len(t.Pieces) }

// BOS returns the beginning-of-sequence id, or -1.
func (t *BPE) BOS() int { return t.BOSID }

// EOS returns the end-of-sequence id, or -1.
func (t *BPE) EOS() int { return t.EOSID }

// Encode returns the ids of text. Added tokens (such as "<|endoftext|>")
// in the text are matched literally first.
func (t *BPE) Encode(text string, bos, eos bool) []int {
	var ids []int
	if bos && t.BOSID >= 0 {
		ids = append(ids, t.BOSID)
	}
	first := true
	for len(text) > 0 {
		cut, tok := len(text), ""
		for _, a := range t.added {
			if i := strings.Index(text, a); i >= 0 && i < cut {
				cut, tok = i, a
			}
		}
		if cut > 0 {
			ids = append(ids, t.encodeSegment(text[:cut], first)...)
		}
		first = false
		if tok == "" {
			break
		}
		ids = append(ids, t.Vocab[tok])
		text = text[cut+len(tok):]
	}
	if eos && t.EOSID >= 0 {
		ids = append(ids, t.EOSID)
	}
	return ids
}

func (t *BPE) encodeSegment(s string, first bool) []int {
	if t.ByteLevel {
		var parts []string
		switch t.Split {
		case "llama3":
			parts = splitLlama3(s, false)
		case "qwen2":
			parts = splitLlama3(s, true)
		default:
			parts = splitGPT2(s)
		}
		var ids []int
		for _, p := range parts {
			ids = append(ids, t.bpeWord(byteLevelString(p))...)
		}
		return ids
	}
	if t.Metaspace {
		s = strings.ReplaceAll(s, " ", "▁")
	}
	if t.PrependMeta && first {
		s = "▁" + s
	}
	return t.bpeWord(s)
}

// bpeWord merges the characters of word by rank.
func (t *BPE) bpeWord(word string) []int {
	if id, ok := t.Vocab[word]; ok && t.IgnoreMerges {
		return []int{id}
	}
	ids := make([]int, 0, len(word))
	for i := 0; i < len(word); {
		_, size := utf8.DecodeRuneInString(word[i:])
		if id, ok := t.Vocab[word[i:i+size]]; ok {
			ids = append(ids, id)
		} else if t.ByteFallback {
			for j := i; j < i+size; j++ {
				ids = append(ids, t.byteID[word[j]])
			}
		} else if t.UnknownID >= 0 {
			ids = append(ids, t.UnknownID)
		}
		i += size
	}
	return mergeBPE(ids, func(a, b int) (int, float64, bool) {
		rank, ok := t.merges[[2]int{a, b}]
		if !ok {
			return 0, 0, false
		}
		return t.Vocab[t.Pieces[a]+t.Pieces[b]], -float64(rank), true
	})
}

// Decode returns the text of ids, skipping special tokens.
func (t *BPE) Decode(ids []int) (string, error) {
	if err := checkIDs(ids, len(t.Pieces)); err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, id := range ids {
		if t.special[id] {
			continue
		}
		p := t.Pieces[id]
		if t.ByteLevel {
			for _, r := range p {
				if b, ok := runeToByte[r]; ok {
					sb.WriteByte(b)
				} else {
					sb.WriteRune(r)
				}
			}
			continue
		}
		if len(p) == 6 && strings.HasPrefix(p, "<0x") && p[5] == '>' {
			if v, err := strconv.ParseUint(p[3:5], 16, 8); err == nil {
				sb.WriteByte(byte(v))
				continue
			}
		}
		sb.WriteString(p)
	}
	out := sb.String()
	if t.Metaspace {
		out = strings.ReplaceAll(out, "▁", " ")
		if t.PrependMeta {
			out = strings.TrimPrefix(out, " ")
		}
	}
	return out, nil
}

// WriteJSON writes a tokenizer.json equivalent to t.
func (t *BPE) WriteJSON(w io.Writer) error {
	vocab := map[string]int{}
	for id, p := range t.Pieces {
		vocab[p] = id
	}
	type pair struct {
		a, b string
		rank int
	}
	var ps []pair
	for k, r := range t.merges {
		ps = append(ps, pair{t.Pieces[k[0]], t.Pieces[k[1]], r})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].rank < ps[j].rank })
	merges := make([][2]string, len(ps))
	for i, p := range ps {
		merges[i] = [2]string{p.a, p.b}
	}
	var added []map[string]any
	for _, a := range t.added {
		id := t.Vocab[a]
		added = append(added, map[string]any{"id": id, "content": a, "special": t.special[id], "single_word": false,
			"lstrip": false, "rstrip": false, "normalized": false})
	}
	sort.Slice(added, func(i, j int) bool { return added[i]["id"].(int) < added[j]["id"].(int) })
	doc := map[string]any{"version": "1.0", "added_tokens": added}
	model := map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "byte_fallback": t.ByteFallback,
		"ignore_merges": t.IgnoreMerges, "fuse_unk": t.ByteFallback}
	if t.UnknownID >= 0 {
		model["unk_token"] = t.Pieces[t.UnknownID]
	}
	doc["model"] = model
	if t.ByteLevel {
		var pre any = map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
		if t.Split == "llama3" || t.Split == "qwen2" {
			re := `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
			if t.Split == "qwen2" {
				re = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
			}
			pre = map[string]any{"type": "Sequence", "pretokenizers": []any{
				map[string]any{"type": "Split", "pattern": map[string]any{"Regex": re}, "behavior": "Isolated", "invert": false},
				map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
			}}
		}
		doc["pre_tokenizer"] = pre
		doc["decoder"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}
	} else {
		var norms []any
		if t.PrependMeta {
			norms = append(norms, map[string]any{"type": "Prepend", "prepend": "▁"})
		}
		if t.Metaspace {
			norms = append(norms, map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"})
		}
		doc["normalizer"] = map[string]any{"type": "Sequence", "normalizers": norms}
		// The decoder of Hugging Face's Llama tokenizer, for other tools;
		// Decode implements the same steps.
		decoders := []any{
			map[string]any{"type": "Replace", "pattern": map[string]any{"String": "▁"}, "content": " "},
			map[string]any{"type": "ByteFallback"},
			map[string]any{"type": "Fuse"},
		}
		if t.PrependMeta {
			decoders = append(decoders, map[string]any{"type": "Strip", "content": " ", "start": 1, "stop": 0})
		}
		doc["decoder"] = map[string]any{"type": "Sequence", "decoders": decoders}
	}
	if t.BOSID >= 0 {
		bos := t.Pieces[t.BOSID]
		doc["post_processor"] = map[string]any{"type": "TemplateProcessing",
			"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": bos, "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
			"pair":           []any{map[string]any{"SpecialToken": map[string]any{"id": bos, "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
			"special_tokens": map[string]any{bos: map[string]any{"id": bos, "ids": []int{t.BOSID}, "tokens": []string{bos}}}}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
