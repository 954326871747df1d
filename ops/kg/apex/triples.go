package apex

import (
	"container/heap"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"pare/ops/kg"
)

// Triples is APEX²: it ranks triples by heat e[h]·(r[ρ] + s)·e[t] and
// summarises the graph by the top K, topped up with random triples when
// fewer are ranked.
//
// Under Paper semantics an unchanged triple's heat becomes
// γ²·e[h]·e[t]·(γ·r[ρ] + s), which is not a uniform rescaling when s > 0.
// So triples are ranked per relation by the pair heat e[h]·e[t] (which does
// decay uniformly), and the summary merges the relations' rankings, each
// weighted by (r[ρ] + s). Under Reference semantics all triples share one
// ranking whose stored heat decays by γ³ per step, as in the reference code.
type Triples struct {
	g    *kg.Graph
	opt  Options
	k    int
	heat *entityHeat
	rng  *rand.Rand
	step int

	// Relation heat r[ρ] = relStore[ρ]·relScale (lazy decay).
	relStore []float64
	relScale float64

	// groups[ρ] ranks relation ρ's triples (Paper), and groups[0] ranks
	// all of them (Reference). key is each ranked triple's stored key, 0
	// for triples not ranked. The dense arrays cost 12 bytes per triple
	// once, so a step costs a few array reads per changed triple.
	groups   []*Ranking
	key      []float64
	ranked   int
	keyScale float64 // Reference: actual heat = key·keyScale

	visited   []uint32 // step at which each triple was last rescored
	changedAt []uint32 // step at which each entity last changed
	summary   []int32
	seen      map[int32]struct{}
	merge     groupHeap
	cursors   []Cursor
	hot       []int32 // hot and changed entities, gathered for hub lookups
}

// NewTriples returns APEX² for graph g with budget k triples.
func NewTriples(g *kg.Graph, k int, opt Options) (*Triples, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if k < 1 || k > g.NumTriples() {
		return nil, fmt.Errorf("apex: budget: got %d triples, want an int in [1, %d]", k, g.NumTriples())
	}
	ngroups := g.NumRelations()
	if opt.Semantics == Reference {
		ngroups = 1
	}
	s := &Triples{
		g: g, opt: opt, k: k,
		heat:      newEntityHeat(g, opt),
		rng:       rand.New(rand.NewPCG(opt.Seed, 0x54)),
		relStore:  make([]float64, g.NumRelations()),
		relScale:  1,
		groups:    make([]*Ranking, ngroups),
		key:       make([]float64, g.NumTriples()),
		keyScale:  1,
		visited:   make([]uint32, g.NumTriples()),
		changedAt: make([]uint32, g.NumEntities()),
		seen:      map[int32]struct{}{},
	}
	for i := range s.groups {
		s.groups[i] = NewRanking()
	}
	return s, nil
}

// Name returns "apex2".
func (s *Triples) Name() string { return "apex2" }

// Summary returns the current summary's triple ids.
func (s *Triples) Summary() []int32 { return s.summary }

// EntityHeat returns the heat of entity e.
func (s *Triples) EntityHeat(e int32) float64 { return s.heat.heat(e) }

// RelationHeat returns the heat of relation r.
func (s *Triples) RelationHeat(r int32) float64 { return s.relStore[r] * s.relScale }

// TripleHeat returns the ranked heat of triple t, or 0 when t is not ranked
// (pruned, or ineligible under Reference semantics).
func (s *Triples) TripleHeat(t int32) float64 {
	k := s.key[t]
	if k == 0 {
		return 0
	}
	if s.opt.Semantics == Reference {
		return k * s.keyScale
	}
	return k * s.heat.scale * s.heat.scale * (s.RelationHeat(s.g.Relation(t)) + s.opt.Smoothing)
}

// Update applies one step: decay, inject and diffuse q, update relation heat,
// re-rank the changed triples, prune, and rebuild the summary.
func (s *Triples) Update(q kg.Query) error {
	if err := checkQuery(s.g, q); err != nil {
		return err
	}
	ref := s.opt.Semantics == Reference
	first := s.step == 0
	s.step++

	// Entity heat. Reference APEX² never decays it and does not diffuse
	// the first query.
	if !ref {
		if f := s.heat.decay(); f != 1 {
			s.rescaleKeys(f * f)
		}
	}
	hops := s.opt.Hops
	if ref && first {
		hops = 0
	}
	s.heat.inject(q, hops, ref)
	s.heat.apply()

	// Relation heat: r ← γ·r, then r[ρ] += 1.
	s.relScale *= s.opt.Gamma
	if s.relScale < renormalizeBelow {
		_, exp := math.Frexp(s.relScale)
		f := math.Ldexp(1, exp)
		for i := range s.relStore {
			s.relStore[i] *= f
		}
		s.relScale /= f
	}
	s.relStore[q.Relation] += 1 / s.relScale

	if ref {
		s.keyScale *= s.opt.Gamma * s.opt.Gamma * s.opt.Gamma
		if s.keyScale < renormalizeBelow {
			_, exp := math.Frexp(s.keyScale)
			f := math.Ldexp(1, exp)
			s.rescaleKeys(f)
			s.keyScale /= f
		}
	}

	// Changed triples: every triple incident to a changed entity, and under
	// Reference semantics every triple of the queried relation.
	g := s.g
	s.hot = s.hot[:0]
	for _, c := range s.heat.changed {
		s.changedAt[c] = uint32(s.step)
	}
	for _, c := range s.heat.changed {
		if s.scanCheaper(c) {
			// A triple whose other entity has no heat and did not change
			// has no heat and no ranked key, so it is skipped before its
			// per-triple state is read.
			lo, hi := g.OutRange(c)
			for t := lo; t < hi; t++ {
				if s.mayBeHot(g.Tail(t)) {
					s.rescore(t)
				}
			}
			for _, t := range g.InTriples(c) {
				if s.mayBeHot(g.Head(t)) {
					s.rescore(t)
				}
			}
			continue
		}
		// A hub: only triples to entities that are hot now, or changed
		// this step, can have or have had heat, so look those pairs up.
		if len(s.hot) == 0 {
			s.hot = ranked(s.hot, s.heat.rank)
			s.hot = append(s.hot, s.heat.changed...)
		}
		for _, o := range s.hot {
			lo, hi := g.PairTriples(c, o)
			for t := lo; t < hi; t++ {
				s.rescore(t)
			}
			lo, hi = g.PairTriples(o, c)
			for t := lo; t < hi; t++ {
				s.rescore(t)
			}
		}
	}
	if ref {
		for _, t := range g.RelationTriples(q.Relation) {
			s.rescore(t)
		}
	}

	s.prune()
	s.build()
	return nil
}

// mayBeHot reports whether entity o has heat or changed in this step.
func (s *Triples) mayBeHot(o int32) bool {
	return s.heat.store[o] != 0 || s.changedAt[o] == uint32(s.step)
}

// pairLookupAlways makes every changed entity use pair lookups; tests set it
// to check that both paths rescore the same triples.
var pairLookupAlways = false

// scanCheaper reports whether scanning c's edges costs less than looking up
// its pairs with every hot or changed entity by binary search.
func (s *Triples) scanCheaper(c int32) bool {
	if pairLookupAlways {
		return false
	}
	deg := s.g.Degree(c)
	others := s.heat.rank.Len() + len(s.heat.changed)
	return deg <= 2*others*bits.Len(uint(deg))
}

func (s *Triples) rescaleKeys(f float64) {
	for _, r := range s.groups {
		r.Scale(f)
	}
	for _, r := range s.groups {
		var c Cursor
		for r.Cursor(&c); ; {
			_, t, ok := c.Next()
			if !ok {
				break
			}
			s.key[t] *= f
		}
	}
}

// rescore recomputes the heat of triple t once per step and moves it in its
// ranking.
func (s *Triples) rescore(t int32) {
	if s.visited[t] == uint32(s.step) {
		return
	}
	s.visited[t] = uint32(s.step)
	g := s.g
	h, tl := g.Head(t), g.Tail(t)
	if s.key[t] == 0 && (s.heat.store[h] == 0 || s.heat.store[tl] == 0) {
		return // not ranked before and no heat now
	}
	rel := g.Relation(t)
	group := s.group(rel)
	if old := s.key[t]; old != 0 {
		group.Delete(old, t)
		s.key[t] = 0
		s.ranked--
	}
	r := s.RelationHeat(rel)
	var key, heat float64
	if s.opt.Semantics == Reference {
		if r == 0 && !s.opt.AdmitUnqueried {
			return
		}
		heat = s.heat.heat(h) * (r + s.opt.Smoothing) * s.heat.heat(tl)
		key = heat / s.keyScale
	} else {
		key = s.heat.store[h] * s.heat.store[tl]
		heat = key * s.heat.scale * s.heat.scale * (r + s.opt.Smoothing)
	}
	if key > 0 && heat >= s.opt.TriplePrune {
		group.Insert(key, t)
		s.key[t] = key
		s.ranked++
	}
}

func (s *Triples) group(rel int32) *Ranking {
	if s.opt.Semantics == Reference {
		return s.groups[0]
	}
	return s.groups[rel]
}

// multiplier converts a stored key of relation rel's ranking to heat.
func (s *Triples) multiplier(rel int) float64 {
	if s.opt.Semantics == Reference {
		return s.keyScale
	}
	return s.heat.scale * s.heat.scale * (s.RelationHeat(int32(rel)) + s.opt.Smoothing)
}

// prune drops the lowest-ranked triples whose heat fell below TriplePrune.
// Under Paper semantics a pruned triple cannot come back above the
// threshold before an endpoint changes when γ²·(1 + s)/s <= 1 (true for the
// defaults: 0.75).
func (s *Triples) prune() {
	for rel, r := range s.groups {
		if r.Len() == 0 {
			continue
		}
		m := s.multiplier(rel)
		for {
			key, t, ok := r.Last()
			if !ok || key*m >= s.opt.TriplePrune {
				break
			}
			r.Delete(key, t)
			s.key[t] = 0
			s.ranked--
		}
	}
}

// build takes the K hottest eligible triples, then fills up at random.
func (s *Triples) build() {
	s.summary = s.appendTop(s.summary[:0], s.k)
	s.summary = randomFill(s.summary, s.k, s.g, s.rng, s.seen)
}

// Ranked appends the ranked eligible triples, hottest first, to dst: at most
// max of them, or all when max < 0.
func (s *Triples) Ranked(dst []int32, max int) []int32 {
	if max < 0 {
		max = s.ranked
	}
	return s.appendTop(dst, max)
}

// appendTop appends the k hottest eligible triples, merging the rankings by
// heat with ties broken by triple id.
func (s *Triples) appendTop(dst []int32, k int) []int32 {
	s.merge = s.merge[:0]
	for len(s.cursors) < len(s.groups) {
		s.cursors = append(s.cursors, Cursor{})
	}
	for rel, r := range s.groups {
		if r.Len() == 0 {
			continue
		}
		if s.opt.Semantics == Paper && s.relStore[rel] == 0 && !s.opt.AdmitUnqueried {
			continue
		}
		c := &s.cursors[rel]
		r.Cursor(c)
		key, t, _ := c.Peek()
		m := 1.0
		if s.opt.Semantics == Paper {
			m = s.RelationHeat(int32(rel)) + s.opt.Smoothing
		}
		s.merge = append(s.merge, groupCursor{c: c, weight: m, heat: key * m, id: t})
	}
	heap.Init(&s.merge)
	for n := 0; n < k && len(s.merge) > 0; n++ {
		top := &s.merge[0]
		dst = append(dst, top.id)
		top.c.Next()
		key, t, ok := top.c.Peek()
		if !ok {
			heap.Pop(&s.merge)
			continue
		}
		top.heat, top.id = key*top.weight, t
		heap.Fix(&s.merge, 0)
	}
	return dst
}

type groupCursor struct {
	c      *Cursor
	weight float64
	heat   float64
	id     int32
}

type groupHeap []groupCursor

func (h groupHeap) Len() int           { return len(h) }
func (h groupHeap) Less(i, j int) bool { return before(h[i].heat, h[i].id, h[j].heat, h[j].id) }
func (h groupHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *groupHeap) Push(x any)        { *h = append(*h, x.(groupCursor)) }
func (h *groupHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
