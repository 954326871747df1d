// Package baseline holds the static knowledge-graph summarizers that APEX²
// is compared with. Each one is made adaptive the simple way: at every
// query it recomputes its summary from the whole query history so far.
package baseline

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"pare/ops/kg"
)

// history counts how often each entity was a query's topic, and when it was
// last one.
type history struct {
	count map[int32]float64
	last  map[int32]int
	step  int
}

func newHistory() history { return history{count: map[int32]float64{}, last: map[int32]int{}} }

func (h *history) add(q kg.Query) {
	h.count[q.Topic]++
	h.last[q.Topic] = h.step
	h.step++
}

// restart returns the normalised topic counts as a sparse vector.
func (h *history) restart() (ids []int32, vals []float64) {
	total := 0.0
	for e, c := range h.count {
		ids = append(ids, e)
		total += c
	}
	slices.Sort(ids)
	for _, e := range ids {
		vals = append(vals, h.count[e]/total)
	}
	return ids, vals
}

func checkBudget(g *kg.Graph, k int) error {
	if k < 1 || k > g.NumTriples() {
		return fmt.Errorf("baseline: budget: got %d triples, want an int in [1, %d]", k, g.NumTriples())
	}
	return nil
}

func checkQuery(g *kg.Graph, q kg.Query) error {
	if q.Topic < 0 || int(q.Topic) >= g.NumEntities() {
		return fmt.Errorf("baseline: query %q: topic id %d is not an entity of the graph", q.ID, q.Topic)
	}
	if q.Relation < 0 || int(q.Relation) >= g.NumRelations() {
		return fmt.Errorf("baseline: query %q: relation id %d is not a relation of the graph", q.ID, q.Relation)
	}
	return nil
}

// fill appends uniformly random triples not in summary until it holds k.
func fill(summary []int32, k int, g *kg.Graph, rng *rand.Rand) []int32 {
	if len(summary) >= k {
		return summary
	}
	seen := make(map[int32]struct{}, k)
	for _, t := range summary {
		seen[t] = struct{}{}
	}
	for _, i := range rng.Perm(g.NumTriples()) {
		if len(summary) == k {
			break
		}
		if _, ok := seen[int32(i)]; !ok {
			summary = append(summary, int32(i))
		}
	}
	return summary
}

// Random keeps K uniformly random triples, drawn once from its seed.
type Random struct {
	summary []int32
}

// NewRandom draws the K triples.
func NewRandom(g *kg.Graph, k int, seed uint64) (*Random, error) {
	if err := checkBudget(g, k); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x52))
	s := &Random{}
	seen := map[int32]struct{}{}
	for len(s.summary) < k {
		t := int32(rng.IntN(g.NumTriples()))
		if _, ok := seen[t]; !ok {
			seen[t] = struct{}{}
			s.summary = append(s.summary, t)
		}
	}
	return s, nil
}

// Name returns "random".
func (s *Random) Name() string { return "random" }

// Update does nothing: the summary does not depend on the queries.
func (s *Random) Update(kg.Query) error { return nil }

// Summary returns the triple ids.
func (s *Random) Summary() []int32 { return s.summary }

// Frequent summarises by the neighbourhoods of the most frequently queried
// topic entities: the most frequent entity's out-edges then in-edges, then
// the next entity's, until K triples. Ties go to the most recently queried.
type Frequent struct {
	g       *kg.Graph
	k       int
	hist    history
	rng     *rand.Rand
	summary []int32
}

// NewFrequent returns the most-frequent-entities summarizer.
func NewFrequent(g *kg.Graph, k int, seed uint64) (*Frequent, error) {
	if err := checkBudget(g, k); err != nil {
		return nil, err
	}
	return &Frequent{g: g, k: k, hist: newHistory(), rng: rand.New(rand.NewPCG(seed, 0x46))}, nil
}

// Name returns "frequent".
func (s *Frequent) Name() string { return "frequent" }

// Summary returns the triple ids.
func (s *Frequent) Summary() []int32 { return s.summary }

// Update records q and rebuilds the summary.
func (s *Frequent) Update(q kg.Query) error {
	if err := checkQuery(s.g, q); err != nil {
		return err
	}
	s.hist.add(q)
	ents := make([]int32, 0, len(s.hist.count))
	for e := range s.hist.count {
		ents = append(ents, e)
	}
	slices.SortFunc(ents, func(a, b int32) int {
		ca, cb := s.hist.count[a], s.hist.count[b]
		if ca != cb {
			if ca > cb {
				return -1
			}
			return 1
		}
		return s.hist.last[b] - s.hist.last[a]
	})
	s.summary = s.summary[:0]
	seen := map[int32]struct{}{}
	add := func(t int32) {
		if _, ok := seen[t]; !ok && len(s.summary) < s.k {
			seen[t] = struct{}{}
			s.summary = append(s.summary, t)
		}
	}
	for _, e := range ents {
		if len(s.summary) >= s.k {
			break
		}
		lo, hi := s.g.OutRange(e)
		for t := lo; t < hi; t++ {
			add(t)
		}
		for _, t := range s.g.InTriples(e) {
			add(t)
		}
	}
	s.summary = fill(s.summary, s.k, s.g, s.rng)
	return nil
}

// scoredHeap is a max-heap of (score, triple id), ties by lower id.
type scored struct {
	score float64
	id    int32
}

type scoredHeap []scored

func (h scoredHeap) Len() int { return len(h) }
func (h scoredHeap) Less(i, j int) bool {
	return h[i].score > h[j].score || h[i].score == h[j].score && h[i].id < h[j].id
}
func (h scoredHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *scoredHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *scoredHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
