package prune

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/llm"
	"pare/ops/prune"
)

func selectCalibration(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mv starlark.Value
	var text string
	var seedsV starlark.Value = starlark.NewList([]starlark.Value{starlark.MakeInt(0), starlark.MakeInt(1), starlark.MakeInt(2),
		starlark.MakeInt(3), starlark.MakeInt(4), starlark.MakeInt(5), starlark.MakeInt(6), starlark.MakeInt(7)})
	var probeV, allocV, reductionV starlark.Value = starlark.None, starlark.None, starlark.None
	n, length, probeN, probeLength, probeSeed := 32, 128, 128, 64, 42
	documents, mergeTop := 0, 0
	separator := "\n\n"
	o := options{criterion: prune.Nirvana, keepGroup: prune.KeepBest, sparsity: 0.5, gamma: 3.0, align: 8, biasCompensation: true}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "m", &mv, "text", &text, "seeds?", &seedsV, "n?", &n,
		"length?", &length, "probe?", &probeV, "probe_n?", &probeN, "probe_length?", &probeLength, "probe_seed?", &probeSeed,
		"criterion?", &o.criterion, "allocation?", &allocV, "sparsity?", &o.sparsity, "gamma?", &o.gamma,
		"reduction?", &reductionV, "keep_group?", &o.keepGroup, "align?", &o.align,
		"documents?", &documents, "separator?", &separator, "merge_top?", &mergeTop); err != nil {
		return nil, err
	}
	m, err := modelArg(fn, "m", mv)
	if err != nil {
		return nil, err
	}
	if o.allocation, err = optionalString(fn, "allocation", allocV); err != nil {
		return nil, err
	}
	if o.reduction, err = optionalString(fn, "reduction", reductionV); err != nil {
		return nil, err
	}
	opt, err := o.check(fn)
	if err != nil {
		return nil, err
	}
	seeds, err := seedsArg(fn, "seeds", seedsV)
	if err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"n", n}, {"length", length}, {"probe_n", probeN}, {"probe_length", probeLength}} {
		if p.v <= 0 {
			return nil, host.Errorf(fn, "%s: got %d, want a positive int", p.name, p.v)
		}
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"probe_seed", probeSeed}, {"documents", documents}, {"merge_top", mergeTop}} {
		if p.v < 0 {
			return nil, host.Errorf(fn, "%s: got %d, want an int >= 0", p.name, p.v)
		}
	}
	if mergeTop > 0 && documents == 0 {
		return nil, host.Errorf(fn, "merge_top: got %d, want 0 unless documents > 0", mergeTop)
	}
	if mergeTop > documents {
		return nil, host.Errorf(fn, "merge_top: got %d, want at most documents (%d)", mergeTop, documents)
	}
	if documents > 0 && separator == "" {
		return nil, host.Errorf(fn, "separator: got \"\", want a non-empty string")
	}
	if ctxLen := m.Config.MaxSeqLen; ctxLen > 0 && (length > ctxLen || probeLength > ctxLen) {
		return nil, host.Errorf(fn, "length %d and probe_length %d: want at most the model's context of %d tokens", length, probeLength, ctxLen)
	}
	if text, err = textArg(thread, fn, text); err != nil {
		return nil, err
	}
	if m.Tokenizer == nil {
		return nil, host.Errorf(fn, "m: the model has no tokenizer; load one with llm.load_model(path, tokenizer=...)")
	}
	ids, _ := m.Encode(text, true)

	var probe prune.Calibration
	if probeV != starlark.None {
		if probe, err = calibArg(fn, "probe", probeV); err != nil {
			return nil, err
		}
	} else {
		w, err := llm.SampleWindows(ids, probeN, probeLength, uint64(probeSeed))
		if err != nil {
			return nil, host.Errorf(fn, "probe: %v", err)
		}
		probe = w
	}

	ctx := host.Context(thread)
	var cands []prune.Candidate
	if documents > 0 {
		cands, err = documentCandidates(ctx, m, text, separator, documents, n, length, seeds[0])
	} else {
		cands, err = seedCandidates(ctx, ids, seeds, n, length)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}

	record(thread, fn, opt)
	host.Get(thread).RecordSetting(fn.Name()+".candidates", map[string]any{"seeds": seeds, "n": n, "length": length,
		"probe_n": len(probe), "probe_seed": probeSeed, "documents": documents, "merge_top": mergeTop})
	progress := host.Get(thread).NewProgress(fn.Name(), len(cands))
	pruneFn := func(ctx context.Context, calib prune.Calibration) (*llm.Model, *prune.Report, error) {
		defer progress.Add(1, "")
		return prune.Structured(ctx, m, calib, opt)
	}
	sel, err := prune.SelectCalibration(ctx, m, cands, probe, pruneFn)
	progress.Done()
	if err != nil {
		return nil, opsError(fn, err)
	}
	if mergeTop > 0 {
		if err := mergeDocuments(ctx, m, sel, cands, probe, mergeTop, n, opt); err != nil {
			return nil, opsError(fn, err)
		}
	}

	kls := make([]starlark.Value, len(sel.Candidates))
	for i, c := range sel.Candidates {
		d := starlark.NewDict(3)
		_ = d.SetKey(starlark.String("seed"), starlark.MakeUint64(c.Seed))
		_ = d.SetKey(starlark.String("kl"), starlark.Float(c.KL))
		doc := starlark.Value(starlark.None)
		if c.Document != nil {
			doc = starlark.MakeInt(*c.Document)
		}
		_ = d.SetKey(starlark.String("document"), doc)
		kls[i] = d
	}
	return result(sel.Model, sel.Report, starlark.StringDict{
		"seed":   starlark.MakeUint64(*sel.Report.CalibrationSeed),
		"kls":    starlark.NewList(kls),
		"chosen": starlark.MakeInt(sel.Best),
	})
}

// seedCandidates draws n windows of length tokens from ids for each seed.
// It returns ctx's error when ctx ends, checked once per seed.
func seedCandidates(ctx context.Context, ids []int, seeds []uint64, n, length int) ([]prune.Candidate, error) {
	var out []prune.Candidate
	for _, s := range seeds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, err := llm.SampleWindows(ids, n, length, s)
		if err != nil {
			return nil, err
		}
		out = append(out, prune.Candidate{Seed: s, Document: -1, Windows: w})
	}
	return out, nil
}

// documentCandidates splits text at separator, keeps the documents with at
// least length tokens, draws count of them with a PCG stream seeded by seed
// and returns one candidate per document: n windows of that document.
func documentCandidates(ctx context.Context, m *llm.Model, text, separator string, count, n, length int, seed uint64) ([]prune.Candidate, error) {
	parts := strings.Split(text, separator)
	type doc struct {
		index int
		ids   []int
	}
	var docs []doc
	for i, p := range parts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if i > 0 {
			p = separator + p
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ids, _ := m.Encode(p, true)
		if len(ids) >= length {
			docs = append(docs, doc{i, ids})
		}
	}
	if len(docs) < count {
		return nil, fmt.Errorf("documents: got %d, but only %d documents of the text have at least %d tokens", count, len(docs), length)
	}
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	perm := rng.Perm(len(docs))[:count]
	sort.Ints(perm)
	var out []prune.Candidate
	for _, k := range perm {
		d := docs[k]
		w, err := llm.SampleWindows(d.ids, n, length, seed)
		if err != nil {
			return nil, err
		}
		out = append(out, prune.Candidate{Seed: seed, Document: d.index, Windows: w})
	}
	return out, nil
}

// mergeDocuments prunes once more with the windows of the top lowest-KL
// documents (⌈n/top⌉ from each, n in all) and makes that model the
// selection. Its report keeps every document candidate's KL.
func mergeDocuments(ctx context.Context, m *llm.Model, sel *prune.Selection, cands []prune.Candidate, probe prune.Calibration, top, n int, opt prune.Options) error {
	order := make([]int, len(sel.Candidates))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sel.Candidates[order[a]].KL < sel.Candidates[order[b]].KL })
	per := (n + top - 1) / top
	var merged prune.Calibration
	for _, i := range order[:top] {
		merged = append(merged, cands[i].Windows[:min(per, len(cands[i].Windows))]...)
	}
	merged = merged[:min(n, len(merged))]
	merge := []prune.Candidate{{Seed: cands[0].Seed, Document: -1, Windows: merged}}
	pruneFn := func(ctx context.Context, calib prune.Calibration) (*llm.Model, *prune.Report, error) {
		return prune.Structured(ctx, m, calib, opt)
	}
	out, err := prune.SelectCalibration(ctx, m, merge, probe, pruneFn)
	if err != nil {
		return err
	}
	out.Report.CandidateKLs = sel.Candidates
	sel.Model, sel.Report = out.Model, out.Report
	return nil
}
