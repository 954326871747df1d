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

	// Sparse diffusion scratch. slots gives each entity the step touches
	// a slot, in order of first touch, and vals[slot] holds its values.
	// The slot lists keep the order in which entities first entered each
	// vector, which fixes the order of changed.
	slots                         slotTable
	vals                          []slotValues
	hop                           int // vals[s].hop[h.hop] is the current hop's value
	accSlots, curSlots, nextSlots []int32
	answers                       []int32

	// changed lists the entities whose heat changed in the last step,
	// pruned ones included. For those the injection changed, delta[i] is
	// the Δ of changed[i].
	changed []int32
	delta   []float64
}

// slotValues is one touched entity's share of the diffusion: the injection
// Δ accumulated so far, the current and next hop's values (alternating
// between hop[0] and hop[1]), and whether the slot is listed in accSlots.
type slotValues struct {
	acc   float64
	hop   [2]float64
	inAcc bool
}

func newEntityHeat(g *kg.Graph, opt Options) *entityHeat {
	return &entityHeat{
		g: g, opt: opt, scale: 1,
		store: make([]float64, g.NumEntities()), rank: NewRanking(),
		slots: newSlotTable(g.NumEntities()),
	}
}

// heat returns the actual heat of entity i.
func (h *entityHeat) heat(i int32) float64 { return h.store[i] * h.scale }

// slot returns entity i's scratch slot, adding a zeroed one on first touch.
func (h *entityHeat) slot(i int32) int32 {
	s, added := h.slots.slot(i)
	if added {
		h.vals = append(h.vals, slotValues{})
	}
	return s
}

// inject computes Δ = Σ_l (αW)^l q for query q, keeping entries >
// DeltaThreshold, which become h.changed with their Δ in h.delta. hops is
// the number of diffusion hops; compounding applies (αW)^l to the previous
// hop's result instead of (αW)^1 (the reference code's behaviour for
// hops > 1).
func (h *entityHeat) inject(q kg.Query, hops int, compounding bool) {
	h.slots.reset()
	h.vals = h.vals[:0]
	h.hop = 0
	h.accSlots, h.curSlots = h.accSlots[:0], h.curSlots[:0]

	// q_e: topic +1, each answer of G[topic][relation] on the full graph
	// +1/|Ans| (accumulating when an answer is the topic).
	add := func(i int32, v float64) {
		s := h.slot(i)
		if h.vals[s].hop[0] == 0 {
			h.curSlots = append(h.curSlots, s)
		}
		h.vals[s].hop[0] += v
	}
	add(q.Topic, 1)
	h.answers = h.g.Tails(h.answers[:0], q.Topic, q.Relation)
	for _, a := range h.answers {
		add(a, 1/float64(len(h.answers)))
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

	h.changed, h.delta = h.changed[:0], h.delta[:0]
	for _, s := range h.accSlots {
		if acc := h.vals[s].acc; acc > h.opt.DeltaThreshold {
			h.changed = append(h.changed, h.slots.key(s))
			h.delta = append(h.delta, acc)
		}
	}
}

func (h *entityHeat) accumulate() {
	for _, s := range h.curSlots {
		v := &h.vals[s]
		if !v.inAcc {
			v.inAcc = true
			h.accSlots = append(h.accSlots, s)
		}
		v.acc += v.hop[h.hop]
	}
}

// push replaces cur by αW·cur: entity j sends α·cur[j]/deg(j) along each
// of its triples, in either direction, so parallel triples add up and a
// self-loop sends twice to j itself. It reads the neighbours from the
// graph's tail and in-head arrays in order; the only random accesses per
// edge are to the slot table and the slot's values, which stay in cache
// for small steps.
func (h *entityHeat) push() {
	g := h.g
	alpha := h.opt.Alpha
	cur, next := h.hop, 1-h.hop
	h.nextSlots = h.nextSlots[:0]
	// Size the slot table once for every entity this hop can touch, so
	// that it does not rehash while spreading.
	bound := h.slots.len()
	for _, js := range h.curSlots {
		bound += g.Degree(h.slots.key(js))
	}
	h.slots.reserve(min(bound, g.NumEntities()))
	for _, js := range h.curSlots {
		j := h.slots.key(js)
		deg := g.Degree(j)
		x := h.vals[js].hop[cur]
		if deg == 0 || x == 0 {
			continue
		}
		share := alpha * x / float64(deg)
		h.spread(g.OutTails(j), next, share)
		h.spread(g.InHeads(j), next, share)
	}
	for _, s := range h.curSlots {
		h.vals[s].hop[cur] = 0
	}
	h.hop = next
	h.curSlots, h.nextSlots = h.nextSlots, h.curSlots
	// An entry that cancelled to exactly 0 stays listed; accumulate adds 0.
}

// spread adds v to the value of hop next of every entity in nbrs, listing
// an entity in nextSlots when its value was 0. The slot table's common hit
// at the home cell is written out here, since the call would not inline.
func (h *entityHeat) spread(nbrs []int32, next int, v float64) {
	t := &h.slots
	if t.index != nil {
		for _, i := range nbrs {
			s, added := t.denseSlot(i)
			if added {
				h.vals = append(h.vals, slotValues{})
			}
			p := &h.vals[s].hop[next]
			if *p == 0 {
				h.nextSlots = append(h.nextSlots, s)
			}
			*p += v
		}
		return
	}
	for _, i := range nbrs {
		var s int32
		cell := (uint32(i) * 0x9e3779b1) >> t.shift
		if c := t.cells[cell]; c.key1 == i+1 {
			s = c.slot
		} else {
			var added bool
			if s, added = t.probe(i, cell); added {
				h.vals = append(h.vals, slotValues{})
			}
		}
		p := &h.vals[s].hop[next]
		if *p == 0 {
			h.nextSlots = append(h.nextSlots, s)
		}
		*p += v
	}
}

// apply adds Δ to the changed entities, zeroes heat below EntityPrune, and
// prunes the lowest-ranked entities that decayed below it. Pruned entities
// are appended to h.changed.
func (h *entityHeat) apply() {
	for i, c := range h.changed {
		old := h.store[c]
		if old > 0 {
			h.rank.Delete(old, c)
		}
		v := old*h.scale + h.delta[i]
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
