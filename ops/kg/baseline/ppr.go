package baseline

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/kg"
)

// PPROptions are the personalized PageRank parameters.
type PPROptions struct {
	Restart   float64 // restart probability c; 0.15
	Tolerance float64 // stop when the L1 change of an iteration is below it; 1e-9
	MaxIter   int     // iteration cap; 100
	Seed      uint64  // random fill
}

// DefaultPPROptions returns c = 0.15, tolerance 1e-9, at most 100 iterations.
func DefaultPPROptions() PPROptions { return PPROptions{Restart: 0.15, Tolerance: 1e-9, MaxIter: 100} }

// PPR computes personalized PageRank x = c·s + (1−c)·M·x with M = Aᵀ·D_out⁻¹
// by power iteration, restarting at the queried topic entities in
// proportion to their counts (mass at entities without out-edges also
// restarts), and keeps the K triples with the largest x_h·x_t, ties by
// triple id. It is recomputed from the whole history at every query.
type PPR struct {
	g          *kg.Graph
	k          int
	opt        PPROptions
	hist       history
	rng        *rand.Rand
	x, next, s []float64
	summary    []int32
	// Iterations is the number of power iterations of the last update.
	Iterations int
}

// NewPPR returns the PPR summarizer with budget k.
func NewPPR(g *kg.Graph, k int, opt PPROptions) (*PPR, error) {
	if err := checkBudget(g, k); err != nil {
		return nil, err
	}
	if !(opt.Restart > 0 && opt.Restart <= 1) {
		return nil, fmt.Errorf("baseline: ppr: restart: got %g, want a float in (0, 1]", opt.Restart)
	}
	if opt.MaxIter < 1 {
		return nil, fmt.Errorf("baseline: ppr: max_iter: got %d, want >= 1", opt.MaxIter)
	}
	n := g.NumEntities()
	return &PPR{g: g, k: k, opt: opt, hist: newHistory(), rng: rand.New(rand.NewPCG(opt.Seed, 0x50)),
		x: make([]float64, n), next: make([]float64, n), s: make([]float64, n)}, nil
}

// Name returns "ppr".
func (p *PPR) Name() string { return "ppr" }

// Summary returns the triple ids.
func (p *PPR) Summary() []int32 { return p.summary }

// Scores returns the PageRank vector of the last update (aliases internal
// state).
func (p *PPR) Scores() []float64 { return p.x }

// Update records q, recomputes PageRank and the summary.
func (p *PPR) Update(q kg.Query) error {
	if err := checkQuery(p.g, q); err != nil {
		return err
	}
	p.hist.add(q)
	g := p.g
	c := p.opt.Restart
	clear(p.s)
	ids, vals := p.hist.restart()
	for i, e := range ids {
		p.s[e] = vals[i]
	}
	copy(p.x, p.s)
	n := int32(g.NumEntities())
	for p.Iterations = 1; p.Iterations <= p.opt.MaxIter; p.Iterations++ {
		clear(p.next)
		dangling := 0.0
		for j := int32(0); j < n; j++ {
			v := p.x[j]
			if v == 0 {
				continue
			}
			lo, hi := g.OutRange(j)
			if hi == lo {
				dangling += v
				continue
			}
			share := (1 - c) * v / float64(hi-lo)
			for t := lo; t < hi; t++ {
				p.next[g.Tail(t)] += share
			}
		}
		diff := 0.0
		for j := range p.next {
			v := p.next[j] + (c+(1-c)*dangling)*p.s[j]
			diff += math.Abs(v - p.x[j])
			p.next[j] = v
		}
		p.x, p.next = p.next, p.x
		if diff < p.opt.Tolerance {
			break
		}
	}
	p.topK()
	return nil
}

// topK keeps the K triples with the largest x_h·x_t > 0 in a min-heap.
func (p *PPR) topK() {
	g := p.g
	var h minHeap
	for e := int32(0); e < int32(g.NumEntities()); e++ {
		xh := p.x[e]
		if xh == 0 {
			continue
		}
		lo, hi := g.OutRange(e)
		for t := lo; t < hi; t++ {
			v := xh * p.x[g.Tail(t)]
			if v == 0 {
				continue
			}
			if h.Len() < p.k {
				heap.Push(&h, scored{v, t})
			} else if v > h[0].score || v == h[0].score && t < h[0].id {
				h[0] = scored{v, t}
				heap.Fix(&h, 0)
			}
		}
	}
	p.summary = p.summary[:0]
	for h.Len() > 0 {
		p.summary = append(p.summary, heap.Pop(&h).(scored).id)
	}
	for i, j := 0, len(p.summary)-1; i < j; i, j = i+1, j-1 {
		p.summary[i], p.summary[j] = p.summary[j], p.summary[i]
	}
	p.summary = fill(p.summary, p.k, g, p.rng)
}

// minHeap keeps the worst of the current top K at the root.
type minHeap []scored

func (h minHeap) Len() int { return len(h) }
func (h minHeap) Less(i, j int) bool {
	return h[i].score < h[j].score || h[i].score == h[j].score && h[i].id > h[j].id
}
func (h minHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
