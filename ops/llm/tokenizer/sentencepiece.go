package tokenizer

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// SentencePiece is a vocabulary of pieces with merge scores, as stored in
// llama2.c's tokenizer.bin and in GGUF metadata. Encoding follows llama2.c:
// BOS, a dummy-prefix space before non-empty text, one piece per UTF-8
// character (or its bytes as <0xXX> tokens when the character has no
// piece), then merges of the adjacent pair whose joined piece scores best.
type SentencePiece struct {
	Pieces []string
	Scores []float32
	// MaxTokenLength is the longest piece in bytes, as the file states it.
	MaxTokenLength int
	BOSID, EOSID   int
	UnknownID      int
	kind           string
	lookup         map[string]int
	byteID         [256]int
}

// NewSentencePiece builds a tokenizer from pieces and scores. Byte tokens
// are the pieces "<0x00>" to "<0xFF>"; a byte without one encodes as
// unknownID.
func NewSentencePiece(pieces []string, scores []float32, bos, eos, unknownID int, kind string) (*SentencePiece, error) {
	if len(pieces) != len(scores) {
		return nil, fmt.Errorf("tokenizer: %d pieces but %d scores", len(pieces), len(scores))
	}
	n := len(pieces)
	for _, id := range []int{bos, eos, unknownID} {
		if id < 0 || id >= n {
			return nil, fmt.Errorf("tokenizer: special id %d is outside the vocabulary of %d tokens", id, n)
		}
	}
	t := &SentencePiece{Pieces: pieces, Scores: scores, BOSID: bos, EOSID: eos, UnknownID: unknownID, kind: kind, lookup: make(map[string]int, n)}
	for i, p := range pieces {
		// The first occurrence wins, as in llama2.c's sorted lookup of
		// unique pieces.
		if _, dup := t.lookup[p]; !dup {
			t.lookup[p] = i
		}
		if len(p) > t.MaxTokenLength {
			t.MaxTokenLength = len(p)
		}
	}
	for b := range t.byteID {
		id, ok := t.lookup[fmt.Sprintf("<0x%02X>", b)]
		if !ok {
			id = unknownID
		}
		t.byteID[b] = id
	}
	return t, nil
}

// LoadLlama2C reads a llama2.c tokenizer.bin: int32 max_token_length, then
// per token a float32 score, an int32 length and the piece's bytes, until
// the end of the file. vocabSize > 0 requires exactly that many tokens.
// BOS is id 1, EOS id 2 and unknown id 0, as in llama2.c.
func LoadLlama2C(path string, vocabSize int) (*SentencePiece, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := ParseLlama2C(data, vocabSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseLlama2C parses the bytes of a llama2.c tokenizer.bin (see
// LoadLlama2C). Errors give the byte offset of the bad field.
func ParseLlama2C(data []byte, vocabSize int) (*SentencePiece, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("tokenizer: file of %d bytes is too short for the 4-byte header", len(data))
	}
	maxLen := int(int32(binary.LittleEndian.Uint32(data)))
	if maxLen <= 0 || maxLen > 1<<16 {
		return nil, fmt.Errorf("tokenizer: offset 0: max_token_length %d is not in 1..65536", maxLen)
	}
	var pieces []string
	var scores []float32
	off := 4
	for off < len(data) {
		if vocabSize > 0 && len(pieces) == vocabSize {
			return nil, fmt.Errorf("tokenizer: offset %d: %d bytes follow the %d tokens the model expects", off, len(data)-off, vocabSize)
		}
		if len(data)-off < 8 {
			return nil, fmt.Errorf("tokenizer: offset %d: token %d is truncated (%d bytes left, want at least 8)", off, len(pieces), len(data)-off)
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		n := int(int32(binary.LittleEndian.Uint32(data[off+4:])))
		if n < 0 || n > maxLen || n > len(data)-off-8 {
			return nil, fmt.Errorf("tokenizer: offset %d: token %d has length %d, want 0..%d within the %d bytes left", off+4, len(pieces), n, maxLen, len(data)-off-8)
		}
		if math.IsNaN(float64(score)) {
			return nil, fmt.Errorf("tokenizer: offset %d: token %d has a NaN score", off, len(pieces))
		}
		pieces = append(pieces, string(data[off+8:off+8+n]))
		scores = append(scores, score)
		off += 8 + n
	}
	if vocabSize > 0 && len(pieces) != vocabSize {
		return nil, fmt.Errorf("tokenizer: file holds %d tokens, the model expects %d", len(pieces), vocabSize)
	}
	if len(pieces) < 3 {
		return nil, fmt.Errorf("tokenizer: file holds %d tokens, want at least 3 (unknown, BOS, EOS)", len(pieces))
	}
	t, err := NewSentencePiece(pieces, scores, 1, 2, 0, "llama2c")
	if err != nil {
		return nil, err
	}
	t.MaxTokenLength = maxLen
	return t, nil
}

// Kind names the format.
func (t *SentencePiece) Kind() string { return t.kind }

// VocabSize returns the number of tokens.
func (t *SentencePiece) VocabSize() int { return len(t.Pieces) }

// BOS returns the beginning-of-sequence id.
func (t *SentencePiece) BOS() int { return t.BOSID }

// EOS returns the end-of-sequence id.
func (t *SentencePiece) EOS() int { return t.EOSID }

// Lookup returns the id of a piece.
func (t *SentencePiece) Lookup(piece string) (int, bool) {
	id, ok := t.lookup[piece]
	return id, ok
}

// Encode returns the ids of text. See SentencePiece for the algorithm.
func (t *SentencePiece) Encode(text string, bos, eos bool) []int {
	ids := make([]int, 0, len(text)+3)
	if text != "" {
		if id, ok := t.lookup[" "]; ok {
			ids = append(ids, id)
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 {
			size = 1
		}
		if id, ok := t.lookup[text[i:i+size]]; ok {
			ids = append(ids, id)
		} else {
			for j := i; j < i+size; j++ {
				ids = append(ids, t.byteID[text[j]])
			}
		}
		i += size
	}
	ids = mergeBPE(ids, t.merge)
	if bos {
		ids = append([]int{t.BOSID}, ids...)
	}
	if eos {
		ids = append(ids, t.EOSID)
	}
	return ids
}

func (t *SentencePiece) merge(a, b int) (int, float64, bool) {
	id, ok := t.lookup[t.Pieces[a]+t.Pieces[b]]
	if !ok {
		return 0, 0, false
	}
	return id, float64(t.Scores[id]), true
}

// Decode returns the text of ids: byte tokens become their bytes, BOS and
// EOS produce nothing, and the leading space of the piece after BOS (the
// dummy prefix) is dropped.
func (t *SentencePiece) Decode(ids []int) (string, error) {
	if err := checkIDs(ids, len(t.Pieces)); err != nil {
		return "", err
	}
	var sb strings.Builder
	prev := t.BOSID
	for _, id := range ids {
		sb.WriteString(t.piece(prev, id))
		prev = id
	}
	return sb.String(), nil
}

// piece returns the text of id after prev.
func (t *SentencePiece) piece(prev, id int) string {
	if id == t.BOSID || id == t.EOSID {
		return ""
	}
	p := t.Pieces[id]
	if prev == t.BOSID && strings.HasPrefix(p, " ") {
		p = p[1:]
	}
	if len(p) == 6 && strings.HasPrefix(p, "<0x") && p[5] == '>' {
		var b byte
		if _, err := fmt.Sscanf(p, "<0x%02X>", &b); err == nil {
			return string([]byte{b})
		}
	}
	return p
}

// WriteLlama2C writes the vocabulary in llama2.c's tokenizer.bin format.
func (t *SentencePiece) WriteLlama2C(w io.Writer) error {
	var buf [8]byte
	binary.LittleEndian.PutUint32(buf[:4], uint32(t.MaxTokenLength))
	if _, err := w.Write(buf[:4]); err != nil {
		return err
	}
	for i, p := range t.Pieces {
		binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(t.Scores[i]))
		binary.LittleEndian.PutUint32(buf[4:], uint32(len(p)))
		if _, err := w.Write(buf[:]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, p); err != nil {
			return err
		}
	}
	return nil
}

// ToBPE converts the vocabulary to an equivalent Hugging Face byte-fallback
// BPE: spaces become "▁", and a merge (a, b) exists for every split of a
// piece into two pieces, ranked by the joined piece's score (best first).
// NOTE: when two splits of one piece compete at equal score, SentencePiece
// merges the leftmost pair while the BPE prefers the lower rank, so rare
// inputs may tokenize differently.
func (t *SentencePiece) ToBPE() *BPE {
	meta := func(p string) string { return strings.ReplaceAll(p, " ", "▁") }
	b := &BPE{Vocab: map[string]int{}, Pieces: make([]string, len(t.Pieces)), ByteFallback: true, Metaspace: true,
		PrependMeta: true, BOSID: t.BOSID, EOSID: t.EOSID, UnknownID: t.UnknownID,
		merges: map[[2]int]int{}, special: map[int]bool{}, byteID: t.byteID}
	names := map[int]string{t.UnknownID: "<unk>", t.BOSID: "<s>", t.EOSID: "</s>"}
	for id, p := range t.Pieces {
		if n, ok := names[id]; ok {
			p = n
			b.special[id] = true
			b.added = append(b.added, n)
		} else {
			p = meta(p)
		}
		if _, dup := b.Vocab[p]; !dup {
			b.Vocab[p] = id
		}
		b.Pieces[id] = p
	}
	order := make([]int, len(t.Pieces))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return t.Scores[order[i]] > t.Scores[order[j]] })
	rank := 0
	for _, id := range order {
		if b.special[id] {
			continue
		}
		p := b.Pieces[id]
		for i := 1; i < len(p); i++ {
			if !utf8.RuneStart(p[i]) {
				continue
			}
			l, okL := b.Vocab[p[:i]]
			r, okR := b.Vocab[p[i:]]
			if okL && okR && !b.special[l] && !b.special[r] {
				b.merges[[2]int{l, r}] = rank
				rank++
			}
		}
	}
	return b
}

// WriteHFJSON writes the vocabulary as a Hugging Face tokenizer.json (see
// ToBPE).
func (t *SentencePiece) WriteHFJSON(w io.Writer) error { return t.ToBPE().WriteJSON(w) }
