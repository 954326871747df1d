// Package apex implements APEX² and APEX²-N, adaptive personalized
// knowledge-graph summarization by incremental heat diffusion (KDD 2025,
// arXiv 2412.17336; reference code iDEA-iSAIL-Lab-UIUC/APEX).
//
// Every entity and relation carries heat. At each query the heat decays by
// γ, the query injects heat on its topic entity, its answers and its
// relation, and the injection diffuses d hops over the undirected,
// degree-normalised graph (poster equations 16-18):
//
//	e(T) = γ·e(T−1) + Σ_{l=0..d} (αW)^l q(T),   W = S·D⁻¹, S = A + Aᵀ
//	r(T) = γ·r(T−1) + q_r(T)
//
// APEX² ranks triples by e[h]·(r[ρ] + s)·e[t] and keeps the top K; APEX²-N
// ranks entities by e and keeps the subgraph induced by the shortest heat
// prefix reaching K triples. Both update their rankings incrementally: only
// entities reached by the injection, and the triples around them, move.
package apex

import (
	"fmt"
	"math"
)

// Semantics selects between the equations of the paper and the behaviour of
// the reference implementation (iDEA-iSAIL-Lab-UIUC/APEX at 90e3aa3).
type Semantics int

const (
	// Paper follows equations 16-18: entity heat decays at every step, the
	// first query diffuses like the others, and d > 1 sums the powers
	// (αW)^0..(αW)^d. Unchanged triples keep exact heat through
	// per-relation rankings.
	Paper Semantics = iota
	// Reference reproduces the reference code: APEX² never decays entity
	// heat, does not diffuse the first query, and decays the stored heat of
	// unchanged triples by γ³; for d > 1 both variants apply (αW)^l to the
	// previous hop's result (powers 1, 3, 6, ...). Its (head, tail) relation
	// lookup defect is not reproduced: all parallel edges count.
	Reference
)

func (s Semantics) String() string {
	if s == Reference {
		return "reference"
	}
	return "paper"
}

// ParseSemantics parses "paper" or "reference".
func ParseSemantics(s string) (Semantics, error) {
	switch s {
	case "paper":
		return Paper, nil
	case "reference":
		return Reference, nil
	}
	return Paper, fmt.Errorf("apex: semantics %q: want \"paper\" or \"reference\"", s)
}

// Options are the hyperparameters. Defaults (DefaultOptions) are those of
// the reference implementation.
type Options struct {
	Semantics Semantics
	Gamma     float64 // decay per query γ, in (0, 1); 0.5
	Alpha     float64 // diffusion damping per hop α, in [0, 1); 0.3
	Hops      int     // diffusion hops d >= 0; 1
	Smoothing float64 // relation smoothing s >= 0 in the triple heat; 0.5
	// DeltaThreshold drops injection entries <= it; the survivors are the
	// changed entities. 1e-3.
	DeltaThreshold float64
	// EntityPrune zeroes entity heat below it. 1e-4.
	EntityPrune float64
	// TriplePrune zeroes triple heat below it (APEX² only). 1e-5.
	TriplePrune float64
	// AdmitUnqueried lets triples of relations never queried (r = 0) rank
	// with weight s. By default, as in the reference code, a triple is
	// eligible only when its relation has positive heat.
	AdmitUnqueried bool
	// TrimToBudget cuts APEX²-N's induced prefix to exactly K triples; by
	// default the last entity brings all its induced triples, so the
	// summary may exceed K.
	TrimToBudget bool
	// Seed drives the random fill used when the rankings hold fewer than K
	// triples.
	Seed uint64
}

// DefaultOptions returns the reference implementation's hyperparameters
// with paper semantics.
func DefaultOptions() Options {
	return Options{
		Semantics:      Paper,
		Gamma:          0.5,
		Alpha:          0.3,
		Hops:           1,
		Smoothing:      0.5,
		DeltaThreshold: 1e-3,
		EntityPrune:    1e-4,
		TriplePrune:    1e-5,
	}
}

// Validate reports the first invalid option.
func (o *Options) Validate() error {
	switch {
	case !(o.Gamma > 0 && o.Gamma < 1):
		return fmt.Errorf("apex: gamma: got %g, want a float in (0, 1)", o.Gamma)
	case !(o.Alpha >= 0 && o.Alpha < 1):
		return fmt.Errorf("apex: alpha: got %g, want a float in [0, 1)", o.Alpha)
	case o.Hops < 0 || o.Hops > 16:
		return fmt.Errorf("apex: hops: got %d, want an int in [0, 16]", o.Hops)
	case !(o.Smoothing >= 0) || math.IsInf(o.Smoothing, 0):
		return fmt.Errorf("apex: smoothing: got %g, want a finite float >= 0", o.Smoothing)
	case !(o.DeltaThreshold >= 0):
		return fmt.Errorf("apex: delta_threshold: got %g, want a float >= 0", o.DeltaThreshold)
	case !(o.EntityPrune >= 0):
		return fmt.Errorf("apex: entity_prune: got %g, want a float >= 0", o.EntityPrune)
	case !(o.TriplePrune >= 0):
		return fmt.Errorf("apex: triple_prune: got %g, want a float >= 0", o.TriplePrune)
	}
	return nil
}
