package apex

import (
	"math"

	"pare/ops/kg"
)

// renormalizeBelow is the lazy decay scale under which stored values are
// multiplied back; a power of two keeps the rescaling exact.
const renormalizeBelow = 0x1p-256

// entityHeat holds entity heat e with lazy decay: the actual heat of entity
// i is stored[i]·scale, so decaying every entity is one multiplication of
// scale. Entities with positive heat are ranked by stored value, which
// uniform decay does not reorder.
type entityHeat struct {
	g     *kg.Graph
	opt   Options
	scale float64
	store []float64
	rank  *Ranking

	// Sparse diffusion scratch: dense values plus the ids set in them.
	acc, cur, next          []float64
	accIDs, curIDs, nextIDs []int32
	inAcc                   []bool

	// changed lists the entities whose heat changed in the last step,
	// pruned ones included.
	changed []int32
}

func newEntityHeat(g *kg.Graph, opt Options) *entityHeat {
	n := g.NumEntities()
	return &entityHeat{
		g: g, opt: opt, scale: 1,
		store: make([]float64, n), rank: NewRanking(),
		acc: make([]float64, n), cur: make([]float64, n), next: make([]float64, n),
		inAcc: make([]bool, n),
	}
}

// heat returns the actual heat of entity i.
func (h *entityHeat) heat(i int32) float64 { return h.store[i] * h.scale }

// inject computes Δ = Σ_l (αW)^l q for query q into acc/accIDs, keeping
// entries > DeltaThreshold, which become h.changed. hops is the number of
// diffusion hops; compounding applies (αW)^l to the previous hop's result
// instead of (αW)^1 (the reference code's behaviour for hops > 1).
func (h *entityHeat) inject(q kg.Query, hops int, compounding bool) {
	for _, i := range h.accIDs {
		h.acc[i], h.inAcc[i] = 0, false
	}
	h.accIDs = h.accIDs[:0]
	for _, i := range h.curIDs {
		h.cur[i] = 0
	}
	h.curIDs = h.curIDs[:0]

	// q_e: topic +1, each answer of G[topic][relation] on the full graph
	// +1/|Ans| (accumulating when an answer is the topic).
	add := func(i int32, v float64) {
		if h.cur[i] == 0 {
			h.curIDs = append(h.curIDs, i)
		}
		h.cur[i] += v
	}
	add(q.Topic, 1)
	answers := h.g.Tails(nil, q.Topic, q.Relation)
	for _, a := range answers {
		add(a, 1/float64(len(answers)))
	}
	h.accumulate()

	for l := 1; l <= hops; l++ {
		pushes := 1
		if compounding {
			pushes = l
		}
		for k := 0; k < pushes; k++ {
			h.push()
		}
		h.accumulate()
	}

	h.changed = h.changed[:0]
	for _, i := range h.accIDs {
		if h.acc[i] > h.opt.DeltaThreshold {
			h.changed = append(h.changed, i)
		}
	}
}

func (h *entityHeat) accumulate() {
	for _, i := range h.curIDs {
		if !h.inAcc[i] {
			h.inAcc[i] = true
			h.accIDs = append(h.accIDs, i)
		}
		h.acc[i] += h.cur[i]
	}
}

// push replaces cur by αW·cur: entity j sends α·cur[j]/deg(j) along each
// of its triples, in either direction, so parallel triples add up and a
// self-loop sends twice to j itself.
func (h *entityHeat) push() {
	g := h.g
	alpha := h.opt.Alpha
	h.nextIDs = h.nextIDs[:0]
	add := func(i int32, v float64) {
		if h.next[i] == 0 {
			h.nextIDs = append(h.nextIDs, i)
		}
		h.next[i] += v
	}
	for _, j := range h.curIDs {
		deg := g.Degree(j)
		if deg == 0 || h.cur[j] == 0 {
			continue
		}
		share := alpha * h.cur[j] / float64(deg)
		lo, hi := g.OutRange(j)
		for t := lo; t < hi; t++ {
			add(g.Tail(t), share)
		}
		for _, t := range g.InTriples(j) {
			add(g.Head(t), share)
		}
	}
	for _, i := range h.curIDs {
		h.cur[i] = 0
	}
	h.cur, h.next = h.next, h.cur
	h.curIDs, h.nextIDs = h.nextIDs, h.curIDs
	// An entry that cancelled to exactly 0 stays listed; accumulate adds 0.
}

// apply adds Δ to the changed entities, zeroes heat below EntityPrune, and
// prunes the lowest-ranked entities that decayed below it. Pruned entities
// are appended to h.changed.
func (h *entityHeat) apply() {
	for _, c := range h.changed {
		old := h.store[c]
		if old > 0 {
			h.rank.Delete(old, c)
		}
		v := old*h.scale + h.acc[c]
		if v < h.opt.EntityPrune {
			v = 0
		}
		h.store[c] = v / h.scale
		if v > 0 {
			h.rank.Insert(h.store[c], c)
		}
	}
	for {
		key, c, ok := h.rank.Last()
		if !ok || key*h.scale >= h.opt.EntityPrune {
			break
		}
		h.rank.Delete(key, c)
		h.store[c] = 0
		h.changed = append(h.changed, c)
	}
}

// decay multiplies all heat by γ and returns the factor f by which stored
// values were multiplied to renormalise (1 when they were not).
func (h *entityHeat) decay() float64 {
	h.scale *= h.opt.Gamma
	if h.scale >= renormalizeBelow {
		return 1
	}
	_, exp := math.Frexp(h.scale)
	f := math.Ldexp(1, exp)
	var c Cursor
	for h.rank.Cursor(&c); ; {
		_, i, ok := c.Next()
		if !ok {
			break
		}
		h.store[i] *= f
	}
	h.rank.Scale(f)
	h.scale /= f
	return f
}
