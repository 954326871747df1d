// Package online evaluates knowledge-graph summarizers with the
// prequential protocol of APEX² (arXiv 2412.17336): for each user, build
// the summary from q0 and test it on q1 (logged, not averaged), then for
// t = 1 … N−2 update with q_t, timing the update only, and test on q_{t+1}.
// A test answers the one-hop query on the summary and scores the answer set
// against the query's gold answers.
package online

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"pare/ops/kg"
)

// Factory creates a fresh summarizer for one user. Work done here (index
// building, allocation) is one-time precomputation and is not timed.
type Factory struct {
	Name string
	New  func() (kg.Summarizer, error)
}

// Step is the result of one test.
type Step struct {
	User    int    `json:"user"`
	Step    int    `json:"step"` // t: the summary was updated with q_t and tested on q_{t+1}
	Method  string `json:"method"`
	QueryID string `json:"query_id"`
	// Initial marks the test of the summary built from q0 alone; it is
	// excluded from the means.
	Initial   bool    `json:"initial,omitempty"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Returned  int     `json:"returned"` // answers found on the summary
	Gold      int     `json:"gold"`
	UpdateMS  float64 `json:"update_ms"` // wall time of Update, milliseconds
	// SummaryTriples is the summary's size, which may exceed K for APEX²-N.
	SummaryTriples int `json:"summary_triples"`
	// SeenTopic reports whether the tested topic was queried before.
	SeenTopic bool `json:"seen_topic"`
}

// Result aggregates one method's steps over all users.
type Result struct {
	Method string
	// Means over the non-initial tests of all users (each user has the
	// same number of tests, so this is also the mean of the user means).
	F1, Precision, Recall float64
	// PrecisionWhenReturned is the mean precision over tests that returned
	// at least one answer (NaN when none did).
	PrecisionWhenReturned float64
	// Ceiling is the fraction of tests whose topic was queried before: the
	// F1 of an oracle that answers every seen topic perfectly and no other.
	Ceiling                     float64
	UpdateMedianMS, UpdateP95MS float64
	UpdateMeanMS                float64
	MaxSummaryTriples, Tests    int
	Steps                       []Step
}

// Options controls a run.
type Options struct {
	// Progress, when set, is called after each user and method with the
	// number of finished and total (user, method) pairs.
	Progress func(done, total int)
}

// Score returns precision, recall and F1 of predicted against gold answer
// sets (both sorted, without repeats). Precision is 0 when nothing is
// predicted, recall 0 when gold is empty, and F1 is 0 when either is 0.
func Score(predicted, gold []int32) (precision, recall, f1 float64) {
	tp := 0
	i, j := 0, 0
	for i < len(predicted) && j < len(gold) {
		switch {
		case predicted[i] == gold[j]:
			tp++
			i++
			j++
		case predicted[i] < gold[j]:
			i++
		default:
			j++
		}
	}
	if len(predicted) > 0 {
		precision = float64(tp) / float64(len(predicted))
	}
	if len(gold) > 0 {
		recall = float64(tp) / float64(len(gold))
	}
	if precision > 0 && recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// Run evaluates every method on every user's log. Logs need at least 3
// queries.
func Run(ctx context.Context, g *kg.Graph, logs [][]kg.Query, methods []Factory, opt Options) ([]Result, error) {
	for u, log := range logs {
		if len(log) < 3 {
			return nil, fmt.Errorf("online: user %d has %s, want at least 3", u, kg.Count(len(log), "query", "queries"))
		}
	}
	results := make([]Result, len(methods))
	done, total := 0, len(logs)*len(methods)
	for mi, m := range methods {
		res := &results[mi]
		res.Method = m.Name
		for u, log := range logs {
			steps, err := runUser(ctx, g, u, log, m)
			if err != nil {
				return nil, err
			}
			res.Steps = append(res.Steps, steps...)
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		}
		res.aggregate()
	}
	return results, nil
}

func runUser(ctx context.Context, g *kg.Graph, user int, log []kg.Query, m Factory) ([]Step, error) {
	s, err := m.New()
	if err != nil {
		return nil, fmt.Errorf("online: %s: %w", m.Name, err)
	}
	seen := map[int32]bool{}
	steps := make([]Step, 0, len(log)-1)
	var answers []int32
	for t := 0; t+1 < len(log); t++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := s.Update(log[t]); err != nil {
			return nil, fmt.Errorf("online: %s: user %d query %d: %w", m.Name, user, t, err)
		}
		elapsed := time.Since(start)
		seen[log[t].Topic] = true

		next := log[t+1]
		summary := s.Summary()
		answers = kg.Answer(answers[:0], g, summary, next.Topic, next.Relation)
		p, r, f := Score(answers, next.Answers)
		steps = append(steps, Step{
			User: user, Step: t, Method: m.Name, QueryID: next.ID, Initial: t == 0,
			Precision: p, Recall: r, F1: f, Returned: len(answers), Gold: len(next.Answers),
			UpdateMS: float64(elapsed.Nanoseconds()) / 1e6, SummaryTriples: len(summary),
			SeenTopic: seen[next.Topic],
		})
	}
	return steps, nil
}

func (r *Result) aggregate() {
	var times []float64
	returned, precReturned, seen := 0, 0.0, 0
	for _, s := range r.Steps {
		r.MaxSummaryTriples = max(r.MaxSummaryTriples, s.SummaryTriples)
		if s.Initial {
			continue
		}
		r.Tests++
		r.F1 += s.F1
		r.Precision += s.Precision
		r.Recall += s.Recall
		r.UpdateMeanMS += s.UpdateMS
		times = append(times, s.UpdateMS)
		if s.Returned > 0 {
			returned++
			precReturned += s.Precision
		}
		if s.SeenTopic {
			seen++
		}
	}
	n := float64(r.Tests)
	r.F1 /= n
	r.Precision /= n
	r.Recall /= n
	r.UpdateMeanMS /= n
	r.Ceiling = float64(seen) / n
	r.PrecisionWhenReturned = math.NaN()
	if returned > 0 {
		r.PrecisionWhenReturned = precReturned / float64(returned)
	}
	slices.Sort(times)
	r.UpdateMedianMS = Quantile(times, 0.5)
	r.UpdateP95MS = Quantile(times, 0.95)
}

// Quantile returns the q-quantile of sorted values by linear interpolation
// between closest ranks (NumPy's default); NaN for no values.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}
