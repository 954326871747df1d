package prune

import (
	"context"
	"fmt"
	"math"
	"strings"

	"pare/ops/llm"
)

// Candidate is one candidate calibration set of KL selection. Seed is the
// sampling seed; Document is the index of the single document the windows
// come from, or -1 for a set drawn from the whole text.
type Candidate struct {
	Seed     uint64
	Document int
	Windows  Calibration
}

// CandidateKL is a candidate's KL(dense ‖ pruned) on the probe set, in
// nats per token.
type CandidateKL struct {
	Seed     uint64  `json:"seed"`
	Document *int    `json:"document"`
	KL       float64 `json:"kl"`
}

// PruneFunc prunes a model with one calibration set.
type PruneFunc func(ctx context.Context, calib Calibration) (*llm.Model, *Report, error)

// Selection is the outcome of SelectCalibration.
type Selection struct {
	Model      *llm.Model
	Report     *Report
	Best       int
	Candidates []CandidateKL
}

// SelectCalibration prunes dense once per candidate and keeps the pruned
// model with the lowest KL(dense ‖ pruned) on the probe windows, averaged
// over every probe token (position 0 included), as NIRVANA's reference
// code does (arXiv 2509.14230). Ties keep the earlier candidate. Every
// candidate's KL is returned and recorded in the chosen report.
func SelectCalibration(ctx context.Context, dense *llm.Model, cands []Candidate, probe Calibration, prune PruneFunc) (*Selection, error) {
	if len(cands) == 0 {
		return nil, fmt.Errorf("prune: select_calibration: no candidate calibration sets")
	}
	ids, B, T, err := probe.flatten(dense)
	if err != nil {
		return nil, fmt.Errorf("prune: probe: %s", strings.TrimPrefix(err.Error(), "prune: "))
	}
	sel := &Selection{Best: -1}
	bestKL := math.Inf(1)
	for i, c := range cands {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pm, rep, err := prune(ctx, c.Windows)
		if err != nil {
			return nil, fmt.Errorf("prune: candidate %d (seed %d): %w", i, c.Seed, err)
		}
		kl, err := llm.KL(ctx, dense, pm, ids, B, T)
		if err != nil {
			return nil, err
		}
		ck := CandidateKL{Seed: c.Seed, KL: kl}
		if c.Document >= 0 {
			doc := c.Document
			ck.Document = &doc
		}
		sel.Candidates = append(sel.Candidates, ck)
		if kl < bestKL || sel.Best < 0 {
			bestKL, sel.Best, sel.Model, sel.Report = kl, i, pm, rep
		}
	}
	seed := cands[sel.Best].Seed
	sel.Report.CalibrationSeed = &seed
	sel.Report.KL = &bestKL
	sel.Report.CandidateKLs = sel.Candidates
	return sel, nil
}
