package apex

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"pare/ops/kg"
)

// Nodes is APEX²-N: it ranks entities by heat and summarises the graph by
// the triples induced by the shortest heat-ranked entity prefix that
// reaches K triples. The last entity brings all its induced triples, so the
// summary may exceed K unless Options.TrimToBudget is set.
type Nodes struct {
	g    *kg.Graph
	opt  Options
	k    int
	heat *entityHeat
	rng  *rand.Rand

	summary []int32
	// members holds the entities of the summary's prefix, in rank order
	// (members.keys). On a large graph it is a small hash set, so that
	// membership tests while scanning a member's edges stay in cache.
	members slotTable
	seen    map[int32]struct{}
	cursor  Cursor
}

// NewNodes returns APEX²-N for graph g with budget k triples.
func NewNodes(g *kg.Graph, k int, opt Options) (*Nodes, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if k < 1 || k > g.NumTriples() {
		return nil, fmt.Errorf("apex: budget: got %d triples, want an int in [1, %d]", k, g.NumTriples())
	}
	return &Nodes{
		g: g, opt: opt, k: k,
		heat:    newEntityHeat(g, opt),
		rng:     rand.New(rand.NewPCG(opt.Seed, 0x4e)),
		members: newSlotTable(g.NumEntities()),
		seen:    map[int32]struct{}{},
	}, nil
}

// Name returns "apex2_n".
func (s *Nodes) Name() string { return "apex2_n" }

// Update decays all heat, injects and diffuses q, re-ranks the changed
// entities and rebuilds the summary. APEX²-N decays and diffuses at every
// step under both semantics; Reference only changes how hops > 1 compound.
func (s *Nodes) Update(q kg.Query) error {
	if err := checkQuery(s.g, q); err != nil {
		return err
	}
	s.heat.decay()
	s.heat.inject(q, s.opt.Hops, s.opt.Semantics == Reference)
	s.heat.apply()
	s.build()
	return nil
}

// Summary returns the current summary's triple ids.
func (s *Nodes) Summary() []int32 { return s.summary }

// EntityHeat returns the heat of entity e.
func (s *Nodes) EntityHeat(e int32) float64 { return s.heat.heat(e) }

// Ranked appends the heat-ranked entities (positive heat) to dst.
func (s *Nodes) Ranked(dst []int32) []int32 { return ranked(dst, s.heat.rank) }

func (s *Nodes) build() {
	s.summary = s.summary[:0]
	s.members.reset()
	for s.heat.rank.Cursor(&s.cursor); len(s.summary) < s.k; {
		_, v, ok := s.cursor.Next()
		if !ok {
			break
		}
		s.members.slot(v)
		start := len(s.summary)
		s.summary = s.appendInduced(s.summary, v)
		slices.Sort(s.summary[start:])
	}
	if s.opt.TrimToBudget && len(s.summary) > s.k {
		s.summary = s.summary[:s.k]
	}
	s.summary = randomFill(s.summary, s.k, s.g, s.rng, s.seen)
}

// appendInduced appends every triple between v and the chosen entities
// (v included, so self-loops count), in either direction and of any
// relation. It scans v's edges, or looks up each chosen entity's pair when
// that is cheaper.
func (s *Nodes) appendInduced(dst []int32, v int32) []int32 {
	g := s.g
	members := s.members.keys
	if g.Degree(v) <= 16*len(members) {
		lo, _ := g.OutRange(v)
		for i, t := range g.OutTails(v) {
			if _, ok := s.members.find(t); ok {
				dst = append(dst, lo+int32(i))
			}
		}
		in := g.InTriples(v)
		for i, h := range g.InHeads(v) {
			if _, ok := s.members.find(h); ok && h != v {
				dst = append(dst, in[i])
			}
		}
		return dst
	}
	for _, u := range members {
		lo, hi := g.PairTriples(v, u)
		for t := lo; t < hi; t++ {
			dst = append(dst, t)
		}
		if u != v {
			lo, hi = g.PairTriples(u, v)
			for t := lo; t < hi; t++ {
				dst = append(dst, t)
			}
		}
	}
	return dst
}

func ranked(dst []int32, r *Ranking) []int32 {
	var c Cursor
	for r.Cursor(&c); ; {
		_, id, ok := c.Next()
		if !ok {
			return dst
		}
		dst = append(dst, id)
	}
}

func checkQuery(g *kg.Graph, q kg.Query) error {
	if q.Topic < 0 || int(q.Topic) >= g.NumEntities() {
		return fmt.Errorf("apex: query %q: topic id %d is not an entity of the graph", q.ID, q.Topic)
	}
	if q.Relation < 0 || int(q.Relation) >= g.NumRelations() {
		return fmt.Errorf("apex: query %q: relation id %d is not a relation of the graph", q.ID, q.Relation)
	}
	return nil
}
