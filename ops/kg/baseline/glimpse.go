package baseline

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"pare/ops/kg"
)

// GlimpseOptions are GLIMPSE's parameters.
type GlimpseOptions struct {
	Restart float64 // restart probability c of the random walk; 0.15
	Power   int     // terms of the truncated series p; 1 (GLIMPSE-2 uses 2)
	Seed    uint64  // random fill
}

// DefaultGlimpseOptions returns c = 0.15, p = 1.
func DefaultGlimpseOptions() GlimpseOptions { return GlimpseOptions{Restart: 0.15, Power: 1} }

// Glimpse is GLIMPSE (Safavi et al., ICDM 2019; reference code
// GemsLab/GLIMPSE-personalized-KGsummarization). The user's
// preference is a random walk with restart seeded by the topic-entity
// counts of the query log, approximated by the truncated series
//
//	x = normalise(Σ_{i=0..p} ((1−c)M)^i · c·x0),  M = Aᵀ·D_out⁻¹,
//
// and the summary maximises the monotone submodular utility
//
//	U(S) = Σ_{e ∈ entities(S)} log(1 + x_e) + Σ_{(h,r,t) ∈ S} log(1 + x_h·x_t)
//
// under |S| <= K by lazy greedy. Candidates are the triples touching an
// entity with x > 0: every other triple has zero marginal gain. When fewer
// than K candidates exist the rest is filled at random.
type Glimpse struct {
	g       *kg.Graph
	k       int
	opt     GlimpseOptions
	hist    history
	rng     *rand.Rand
	x       []float64
	summary []int32
}

// NewGlimpse returns GLIMPSE with budget k.
func NewGlimpse(g *kg.Graph, k int, opt GlimpseOptions) (*Glimpse, error) {
	if err := checkBudget(g, k); err != nil {
		return nil, err
	}
	if !(opt.Restart > 0 && opt.Restart <= 1) {
		return nil, fmt.Errorf("baseline: glimpse: restart: got %g, want a float in (0, 1]", opt.Restart)
	}
	if opt.Power < 0 {
		return nil, fmt.Errorf("baseline: glimpse: power: got %d, want an int >= 0", opt.Power)
	}
	return &Glimpse{g: g, k: k, opt: opt, hist: newHistory(), rng: rand.New(rand.NewPCG(opt.Seed, 0x47)), x: make([]float64, g.NumEntities())}, nil
}

// Name returns "glimpse".
func (s *Glimpse) Name() string { return "glimpse" }

// Summary returns the triple ids.
func (s *Glimpse) Summary() []int32 { return s.summary }

// Update records q and recomputes the summary from the whole history.
func (s *Glimpse) Update(q kg.Query) error {
	if err := checkQuery(s.g, q); err != nil {
		return err
	}
	s.hist.add(q)
	support := s.preference()
	s.greedy(support)
	for _, e := range support {
		s.x[e] = 0
	}
	return nil
}

// preference fills s.x with the truncated random walk with restart and
// returns its support.
func (s *Glimpse) preference() []int32 {
	g := s.g
	c := s.opt.Restart
	ids, vals := s.hist.restart()
	cur := map[int32]float64{}
	for i, e := range ids {
		cur[e] = c * vals[i]
	}
	acc := map[int32]float64{}
	for i := 0; ; i++ {
		for e, v := range cur {
			acc[e] += v
		}
		if i == s.opt.Power {
			break
		}
		next := map[int32]float64{}
		// Sorted order keeps the floating-point sums, and so the
		// summary, reproducible.
		for _, j := range sortedKeys(cur) {
			v := cur[j]
			lo, hi := g.OutRange(j)
			if hi == lo {
				continue
			}
			share := (1 - c) * v / float64(hi-lo)
			for t := lo; t < hi; t++ {
				next[g.Tail(t)] += share
			}
		}
		cur = next
	}
	support := sortedKeys(acc)
	total := 0.0
	for _, e := range support {
		total += acc[e]
	}
	for _, e := range support {
		s.x[e] = acc[e] / total
	}
	return support
}

func (s *Glimpse) gain(t int32, covered map[int32]bool) float64 {
	g := s.g
	h, tl := g.Head(t), g.Tail(t)
	v := math.Log1p(s.x[h] * s.x[tl])
	if !covered[h] {
		v += math.Log1p(s.x[h])
	}
	if !covered[tl] {
		v += math.Log1p(s.x[tl])
	}
	return v
}

// greedy selects K triples by lazy greedy on the marginal gains.
func (s *Glimpse) greedy(support []int32) {
	g := s.g
	covered := map[int32]bool{}
	seen := map[int32]bool{}
	var h scoredHeap
	for _, e := range support {
		lo, hi := g.OutRange(e)
		for t := lo; t < hi; t++ {
			if !seen[t] {
				seen[t] = true
				h = append(h, scored{s.gain(t, covered), t})
			}
		}
		for _, t := range g.InTriples(e) {
			if !seen[t] {
				seen[t] = true
				h = append(h, scored{s.gain(t, covered), t})
			}
		}
	}
	heap.Init(&h)
	s.summary = s.summary[:0]
	for len(s.summary) < s.k && h.Len() > 0 {
		top := heap.Pop(&h).(scored)
		v := s.gain(top.id, covered)
		if h.Len() > 0 && (v < h[0].score || v == h[0].score && h[0].id < top.id) {
			heap.Push(&h, scored{v, top.id})
			continue
		}
		s.summary = append(s.summary, top.id)
		covered[g.Head(top.id)] = true
		covered[g.Tail(top.id)] = true
	}
	s.summary = fill(s.summary, s.k, g, s.rng)
}

func sortedKeys(m map[int32]float64) []int32 {
	keys := make([]int32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
