// Package tokenizer turns text into token ids and back for the language
// models of pare/ops/llm: SentencePiece-style vocabularies with scores
// (llama2.c tokenizer.bin, GGUF) and Hugging Face tokenizer.json BPE
// (byte-level and byte-fallback).
package tokenizer

import (
	"container/heap"
	"fmt"
)

// Tokenizer encodes text to ids and decodes ids to text.
type Tokenizer interface {
	// Encode returns the ids of text, with BOS and EOS added on request.
	Encode(text string, bos, eos bool) []int
	// Decode returns the text of ids. Control tokens (BOS, EOS) produce
	// no text. An id outside the vocabulary is an error.
	Decode(ids []int) (string, error)
	VocabSize() int
	BOS() int
	EOS() int
	// Kind names the format: "llama2c", "sentencepiece" or "hf-bpe".
	Kind() string
}

// mergeFunc returns the id of the token made by joining a and b, and its
// priority (higher merges first); ok is false when no such token exists.
type mergeFunc func(a, b int) (merged int, priority float64, ok bool)

type symbol struct {
	id         int
	prev, next int
	alive      bool
}

type candidate struct {
	priority    float64
	left, right int
	leftID      int
	rightID     int
	merged      int
}

type candidateHeap []candidate

func (h candidateHeap) Len() int { return len(h) }
func (h candidateHeap) Less(i, j int) bool {
	if h[i].priority != h[j].priority {
		return h[i].priority > h[j].priority
	}
	return h[i].left < h[j].left
}
func (h candidateHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *candidateHeap) Push(x any)   { *h = append(*h, x.(candidate)) }
func (h *candidateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeBPE repeatedly joins the adjacent pair with the highest priority,
// the leftmost on ties, until no pair joins. This is the result of the
// quadratic scan in llama2.c's encoder, computed with a heap in
// O(n log n).
func mergeBPE(ids []int, merge mergeFunc) []int {
	if len(ids) < 2 {
		return ids
	}
	syms := make([]symbol, len(ids))
	for i, id := range ids {
		syms[i] = symbol{id: id, prev: i - 1, next: i + 1, alive: true}
	}
	syms[len(syms)-1].next = -1
	h := &candidateHeap{}
	push := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		if m, p, ok := merge(syms[l].id, syms[r].id); ok {
			*h = append(*h, candidate{priority: p, left: l, right: r, leftID: syms[l].id, rightID: syms[r].id, merged: m})
		}
	}
	for i := 0; i+1 < len(syms); i++ {
		push(i, i+1)
	}
	heap.Init(h)
	for h.Len() > 0 {
		c := heap.Pop(h).(candidate)
		l, r := &syms[c.left], &syms[c.right]
		if !l.alive || !r.alive || l.next != c.right || l.id != c.leftID || r.id != c.rightID {
			continue
		}
		l.id = c.merged
		l.next = r.next
		r.alive = false
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		if l.prev >= 0 {
			if m, p, ok := merge(syms[l.prev].id, l.id); ok {
				heap.Push(h, candidate{priority: p, left: l.prev, right: c.left, leftID: syms[l.prev].id, rightID: l.id, merged: m})
			}
		}
		if l.next >= 0 {
			if m, p, ok := merge(l.id, syms[l.next].id); ok {
				heap.Push(h, candidate{priority: p, left: c.left, right: l.next, leftID: l.id, rightID: syms[l.next].id, merged: m})
			}
		}
	}
	out := ids[:0]
	for i := 0; i >= 0; i = syms[i].next {
		out = append(out, syms[i].id)
	}
	return out
}

// checkIDs returns an error for the first id outside [0, n).
func checkIDs(ids []int, n int) error {
	for i, id := range ids {
		if id < 0 || id >= n {
			return fmt.Errorf("tokenizer: id %d at position %d is outside the vocabulary of %d tokens", id, i, n)
		}
	}
	return nil
}
