package llm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"

	"pare/ops/kernels"
	"pare/ops/tensor"
)

// Encode tokenizes text with the model's tokenizer.
func (m *Model) Encode(text string, bos bool) ([]int, error) {
	if m.Tokenizer == nil {
		return nil, fmt.Errorf("llm: the model has no tokenizer; load one with the model")
	}
	return m.Tokenizer.Encode(text, bos, false), nil
}

// Perplexity is the result of a perplexity evaluation. NLL is the mean
// negative log-likelihood in nats per predicted token and PPL = exp(NLL).
// Window and Stride give the segmentation: windows of Window tokens that
// start every Stride tokens (Stride == Window: non-overlapping).
type Perplexity struct {
	NLL     float64
	PPL     float64
	Tokens  int
	Windows int
	Window  int
	Stride  int
}

// evalBatch is the number of windows scored per forward pass.
const evalBatch = 4

// Perplexity scores ids (one tokenized text) with windows of window tokens.
// With stride 0 or equal to window the windows do not overlap, every window
// predicts its tokens 1..window-1 from the preceding ones, and a final
// partial window is dropped, as NIRVANA's reference evaluation does (a text
// shorter than one window is scored as one window). With 0 < stride <
// window, windows start every stride tokens and each scores only the tokens
// that no earlier window scored, as in Hugging Face's sliding-window
// perplexity.
func (m *Model) Perplexity(ctx context.Context, ids []int, window, stride int) (Perplexity, error) {
	if window < 2 {
		return Perplexity{}, fmt.Errorf("llm: perplexity: window is %d, want at least 2", window)
	}
	if stride == 0 {
		stride = window
	}
	if stride < 0 || stride > window {
		return Perplexity{}, fmt.Errorf("llm: perplexity: stride is %d, want 1..window (%d)", stride, window)
	}
	if len(ids) < 2 {
		return Perplexity{}, fmt.Errorf("llm: perplexity: %d tokens, want at least 2", len(ids))
	}
	type span struct{ begin, end, firstTarget int }
	var spans []span
	if stride == window {
		n := len(ids) / window
		if n == 0 {
			spans = append(spans, span{0, len(ids), 1})
		}
		for i := 0; i < n; i++ {
			spans = append(spans, span{i * window, (i + 1) * window, i*window + 1})
		}
	} else {
		prevEnd := 0
		for begin := 0; ; begin += stride {
			end := begin + min(window, len(ids)-begin) // begin+window can overflow
			first := max(prevEnd, begin+1)
			spans = append(spans, span{begin, end, first})
			prevEnd = end
			if end == len(ids) {
				break
			}
		}
	}

	res := Perplexity{Window: window, Stride: stride, Windows: len(spans)}
	var sum float64
	for i := 0; i < len(spans); {
		if err := ctx.Err(); err != nil {
			return Perplexity{}, err
		}
		// Batch windows of equal length.
		T := spans[i].end - spans[i].begin
		j := i
		for j < len(spans) && j-i < evalBatch && spans[j].end-spans[j].begin == T {
			j++
		}
		B := j - i
		batch := make([]int, 0, B*T)
		targets := make([]int, B*T)
		for b, s := range spans[i:j] {
			batch = append(batch, ids[s.begin:s.end]...)
			for t := 0; t < T; t++ {
				targets[b*T+t] = -1
				if pos := s.begin + t + 1; pos < s.end && pos >= s.firstTarget {
					targets[b*T+t] = ids[pos]
				}
			}
		}
		logits, err := m.ForwardContext(ctx, batch, B, T, nil)
		if err != nil {
			return Perplexity{}, err
		}
		nll, count, _, err := crossEntropy(logits, targets, false)
		if err != nil {
			return Perplexity{}, err
		}
		sum += nll
		res.Tokens += count
		i = j
	}
	res.NLL = sum / float64(res.Tokens)
	res.PPL = math.Exp(res.NLL)
	return res, nil
}

// KL returns KL(P‖Q) = Σ_v p_v (log p_v − log q_v) between the next-token
// distributions of models p and q, in nats, averaged over every position of
// the [B, T] batch ids (NIRVANA's calibration probe uses p = dense model,
// q = pruned model).
func KL(ctx context.Context, p, q *Model, ids []int, B, T int) (float64, error) {
	if p.Config.VocabSize != q.Config.VocabSize {
		return 0, fmt.Errorf("llm: kl: vocabularies differ: %d and %d tokens", p.Config.VocabSize, q.Config.VocabSize)
	}
	var total float64
	for b := 0; b < B; b += evalBatch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		nb := min(evalBatch, B-b)
		chunk := ids[b*T : (b+nb)*T]
		lp, err := p.ForwardContext(ctx, chunk, nb, T, nil)
		if err != nil {
			return 0, err
		}
		lq, err := q.ForwardContext(ctx, chunk, nb, T, nil)
		if err != nil {
			return 0, err
		}
		total += klSum(lp, lq)
	}
	return total / float64(B*T), nil
}

// klSum returns Σ over positions of KL(softmax(lp) ‖ softmax(lq)).
func klSum(lp, lq *tensor.Tensor) float64 {
	V := lp.Dim(-1)
	n := lp.Size() / V
	zp, zq := lp.Data(), lq.Data()
	per := make([]float64, n)
	kernels.ParallelFor(n, 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rp, rq := zp[i*V:(i+1)*V], zq[i*V:(i+1)*V]
			lsp, lsq := logSumExp(rp), logSumExp(rq)
			var s float64
			for v := range rp {
				logp := float64(rp[v]) - lsp
				logq := float64(rq[v]) - lsq
				s += math.Exp(logp) * (logp - logq)
			}
			per[i] = s
		}
	})
	var s float64
	for _, v := range per {
		s += v
	}
	return s
}

// sequenceLogProbs runs one sequence and returns, for each position p in
// [from, len(ids)), log P(ids[p] | ids[:p]) and whether ids[p] was the
// argmax.
func (m *Model) sequenceLogProbs(ids []int, from int) ([]float64, []bool, error) {
	logits, err := m.Forward(ids, 1, len(ids), nil)
	if err != nil {
		return nil, nil, err
	}
	V := m.Config.VocabSize
	z := logits.Data()
	var lp []float64
	var hit []bool
	for p := from; p < len(ids); p++ {
		row := z[(p-1)*V : p*V]
		lp = append(lp, float64(row[ids[p]])-logSumExp(row))
		hit = append(hit, argmax(row) == ids[p])
	}
	return lp, hit, nil
}

// continuation tokenizes context+cont and returns the ids and the index of
// the first token that belongs to the continuation: the length of the
// longest common prefix with the tokens of the context alone.
func (m *Model) continuation(context, cont string) ([]int, int, error) {
	ctxIDs, err := m.Encode(context, true)
	if err != nil {
		return nil, 0, err
	}
	full, _ := m.Encode(context+cont, true)
	k := 0
	for k < len(ctxIDs) && k < len(full) && ctxIDs[k] == full[k] {
		k++
	}
	if k < 1 {
		k = 1
	}
	if k >= len(full) {
		return nil, 0, fmt.Errorf("llm: continuation %q adds no tokens to its context", cont)
	}
	return full, k, nil
}

// truncateLeft keeps the last maxLen tokens of ids, adjusting from.
func truncateLeft(ids []int, from, maxLen int) ([]int, int) {
	if maxLen <= 0 || len(ids) <= maxLen {
		return ids, from
	}
	cut := len(ids) - maxLen
	if from-cut < 1 {
		return ids, from
	}
	return ids[cut:], from - cut
}

// LastWord is the result of LastWordAccuracy.
type LastWord struct {
	Accuracy float64
	Correct  int
	Passages int
}

// LastWordAccuracy splits text into passages at blank lines and, for each
// passage with at least two words, checks whether greedy teacher-forced
// prediction reproduces every token of its final word (trailing punctuation
// removed) given the rest of the passage, as LAMBADA scoring does. Passages
// longer than the model's context keep their last MaxSeqLen tokens.
// maxPassages > 0 stops after that many scored passages.
func (m *Model) LastWordAccuracy(ctx context.Context, text string, maxPassages int) (LastWord, error) {
	var res LastWord
	for _, passage := range splitPassages(text) {
		if maxPassages > 0 && res.Passages >= maxPassages {
			break
		}
		if err := ctx.Err(); err != nil {
			return LastWord{}, err
		}
		context, word, ok := splitLastWord(passage)
		if !ok {
			continue
		}
		ids, from, err := m.continuation(context, " "+word)
		if err != nil {
			continue
		}
		ids, from = truncateLeft(ids, from, m.Config.MaxSeqLen)
		_, hit, err := m.sequenceLogProbs(ids, from)
		if err != nil {
			return LastWord{}, err
		}
		ok = true
		for _, h := range hit {
			ok = ok && h
		}
		res.Passages++
		if ok {
			res.Correct++
		}
	}
	if res.Passages == 0 {
		return res, fmt.Errorf("llm: lastword_accuracy: no passage with at least two words")
	}
	res.Accuracy = float64(res.Correct) / float64(res.Passages)
	return res, nil
}

// splitPassages returns the non-empty blocks of text separated by blank
// lines.
func splitPassages(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// splitLastWord returns the passage before its last word and the last word
// without trailing punctuation.
func splitLastWord(passage string) (context, word string, ok bool) {
	passage = strings.TrimRightFunc(passage, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	i := strings.LastIndexFunc(passage, unicode.IsSpace)
	if i < 0 {
		return "", "", false
	}
	context = strings.TrimRightFunc(passage[:i], unicode.IsSpace)
	word = strings.TrimLeftFunc(passage[i:], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	if context == "" || word == "" {
		return "", "", false
	}
	return context, word, true
}

// ChoiceItem is one multiple-choice question: a context, the candidate
// continuations (usually starting with a space) and the index of the right
// one.
type ChoiceItem struct {
	Context string   `json:"context"`
	Choices []string `json:"choices"`
	Label   int      `json:"label"`
}

// ReadChoiceItems parses JSONL records {"context", "choices", "label"}.
// name is used in errors.
func ReadChoiceItems(r io.Reader, name string) ([]ChoiceItem, error) {
	var items []ChoiceItem
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		// Extra fields (an id, a source) are common in real data sets and
		// are ignored; the three used ones must be present.
		var raw struct {
			Context *string  `json:"context"`
			Choices []string `json:"choices"`
			Label   *int     `json:"label"`
		}
		if err := json.Unmarshal([]byte(s), &raw); err != nil {
			return nil, fmt.Errorf("%s: line %d: invalid record: %v; want {\"context\": string, \"choices\": [strings], \"label\": int}", name, line, err)
		}
		switch {
		case raw.Context == nil:
			return nil, fmt.Errorf("%s: line %d: missing \"context\"", name, line)
		case raw.Label == nil:
			return nil, fmt.Errorf("%s: line %d: missing \"label\"", name, line)
		}
		it := ChoiceItem{Context: *raw.Context, Choices: raw.Choices, Label: *raw.Label}
		if len(it.Choices) < 2 {
			return nil, fmt.Errorf("%s: line %d: %d choices, want at least 2", name, line, len(it.Choices))
		}
		if it.Label < 0 || it.Label >= len(it.Choices) {
			return nil, fmt.Errorf("%s: line %d: label %d is not a choice index 0..%d", name, line, it.Label, len(it.Choices)-1)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no records", name)
	}
	return items, nil
}

// MultipleChoice is the result of MultipleChoiceScores. Accuracy picks the
// choice with the largest summed log-likelihood; AccuracyNorm divides each
// sum by the choice's length in bytes first (lm-evaluation-harness's
// acc_norm). Scores holds the summed log-likelihoods in nats, per item and
// choice.
type MultipleChoice struct {
	Accuracy     float64
	AccuracyNorm float64
	Items        int
	Scores       [][]float64
}

// MultipleChoiceScores scores every choice of every item by the
// log-likelihood of its tokens given the context.
func (m *Model) MultipleChoiceScores(ctx context.Context, items []ChoiceItem) (MultipleChoice, error) {
	res := MultipleChoice{Items: len(items)}
	var right, rightNorm int
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return MultipleChoice{}, err
		}
		scores := make([]float64, len(it.Choices))
		best, bestNorm := 0, 0
		for c, choice := range it.Choices {
			ids, from, err := m.continuation(it.Context, choice)
			if err != nil {
				return MultipleChoice{}, fmt.Errorf("llm: multiple_choice: item %d choice %d: %w", i, c, err)
			}
			ids, from = truncateLeft(ids, from, m.Config.MaxSeqLen)
			lp, _, err := m.sequenceLogProbs(ids, from)
			if err != nil {
				return MultipleChoice{}, err
			}
			for _, v := range lp {
				scores[c] += v
			}
			if scores[c] > scores[best] {
				best = c
			}
			if scores[c]/float64(len(choice)) > scores[bestNorm]/float64(len(it.Choices[bestNorm])) {
				bestNorm = c
			}
		}
		if best == it.Label {
			right++
		}
		if bestNorm == it.Label {
			rightNorm++
		}
		res.Scores = append(res.Scores, scores)
	}
	res.Accuracy = float64(right) / float64(len(items))
	res.AccuracyNorm = float64(rightNorm) / float64(len(items))
	return res, nil
}

// MaxSampleTokens bounds n × length in SampleWindows. The windows become
// Starlark lists of ints, estimated at 32 bytes a token, so the limit keeps
// one call near 128 MiB.
const MaxSampleTokens = 1 << 22

// SampleWindows draws n windows of length tokens from ids at start offsets
// uniform in [0, len(ids) − length], with a PCG generator seeded by seed.
// The windows are copies.
func SampleWindows(ids []int, n, length int, seed uint64) ([][]int, error) {
	if n <= 0 || length <= 0 {
		return nil, fmt.Errorf("llm: sample_windows: n %d and length %d, want positive values", n, length)
	}
	if len(ids) < length {
		return nil, fmt.Errorf("llm: sample_windows: the text has %d tokens, fewer than the window length %d", len(ids), length)
	}
	if n > MaxSampleTokens/length {
		return nil, fmt.Errorf("llm: sample_windows: n %d × length %d is more than the limit of %d tokens; ask for fewer or shorter windows", n, length, MaxSampleTokens)
	}
	rng := rand.New(rand.NewPCG(seed, 0xda3e39cb94b95bdb))
	out := make([][]int, n)
	for i := range out {
		start := rng.IntN(len(ids) - length + 1)
		out[i] = append([]int(nil), ids[start:start+length]...)
	}
	return out, nil
}
