package apex

import (
	"context"
	"math"
	"slices"
	"sort"
	"testing"

	"pare/ops/kg"
)

// naive recomputes APEX² state densely from the recurrences at every step.
type naive struct {
	g                  *kg.Graph
	opt                Options
	decay, compounding bool
	skipFirstDiffusion bool
	e, r               []float64
	step               int
}

func newNaive(g *kg.Graph, opt Options, nodes bool) *naive {
	ref := opt.Semantics == Reference
	return &naive{
		g: g, opt: opt,
		decay:              nodes || !ref,
		compounding:        ref,
		skipFirstDiffusion: ref && !nodes,
		e:                  make([]float64, g.NumEntities()),
		r:                  make([]float64, g.NumRelations()),
	}
}

func (s *naive) update(q kg.Query) {
	if s.decay {
		for i := range s.e {
			s.e[i] *= s.opt.Gamma
		}
	}
	powers := []int{0}
	for l := 1; l <= s.opt.Hops; l++ {
		if s.compounding {
			powers = append(powers, powers[len(powers)-1]+l)
		} else {
			powers = append(powers, l)
		}
	}
	if s.skipFirstDiffusion && s.step == 0 {
		powers = []int{0}
	}
	s.step++
	q.Answers = s.g.Tails(nil, q.Topic, q.Relation)
	d := denseDelta(s.g, q, s.opt.Alpha, powers)
	for i, v := range d {
		if v > s.opt.DeltaThreshold {
			s.e[i] += v
		}
		if s.e[i] < s.opt.EntityPrune {
			s.e[i] = 0
		}
	}
	for i := range s.r {
		s.r[i] *= s.opt.Gamma
	}
	s.r[q.Relation]++
}

// tripleHeats returns the eligible triple heats >= TriplePrune, descending.
func (s *naive) tripleHeats() []float64 {
	var out []float64
	for t := int32(0); t < int32(s.g.NumTriples()); t++ {
		tr := s.g.Triple(t)
		if s.r[tr.Relation] == 0 {
			continue
		}
		h := s.e[tr.Head] * (s.r[tr.Relation] + s.opt.Smoothing) * s.e[tr.Tail]
		if h >= s.opt.TriplePrune {
			out = append(out, h)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	return out
}

func randomGraph(t *testing.T, triples, entities, relations int, seed uint64) *kg.Graph {
	g, err := kg.Synthesize(context.Background(), kg.SynthOptions{Triples: triples, Entities: entities, Relations: relations, Exponent: 2.2, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestIncrementalMatchesNaive(t *testing.T) {
	for _, lookup := range []bool{false, true} {
		pairLookupAlways = lookup
		checkIncremental(t)
	}
	pairLookupAlways = false
}

func checkIncremental(t *testing.T) {
	g := randomGraph(t, 3000, 400, 6, 7)
	logs, err := kg.Simulate(context.Background(), g, kg.SimulateOptions{Users: 1, Queries: 60, Topics: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, sem := range []Semantics{Paper, Reference} {
		for _, hops := range []int{1, 2} {
			opt := DefaultOptions()
			opt.Semantics, opt.Hops = sem, hops
			tri, _ := NewTriples(g, 20, opt)
			nodes, _ := NewNodes(g, 20, opt)
			ref := newNaive(g, opt, false)
			nodeRef := newNaive(g, opt, true)
			for step, q := range logs[0] {
				tri.Update(q)
				nodes.Update(q)
				ref.update(q)
				nodeRef.update(q)
				for e := int32(0); e < int32(g.NumEntities()); e++ {
					if !near(nodes.EntityHeat(e), nodeRef.e[e]) {
						t.Fatalf("%v hops %d step %d: APEX²-N heat of %d: got %g, want %g", sem, hops, step, e, nodes.EntityHeat(e), nodeRef.e[e])
					}
				}
				positive := 0
				for _, v := range nodeRef.e {
					if v > 0 {
						positive++
					}
				}
				if got := nodes.Ranked(nil); len(got) != positive {
					t.Fatalf("%v hops %d step %d: %d ranked entities, want %d", sem, hops, step, len(got), positive)
				}
				for e := int32(0); e < int32(g.NumEntities()); e++ {
					if !near(tri.EntityHeat(e), ref.e[e]) {
						t.Fatalf("%v hops %d step %d: APEX² heat of %d: got %g, want %g", sem, hops, step, e, tri.EntityHeat(e), ref.e[e])
					}
				}
				if sem == Reference {
					continue // stored heats decay by γ³, not recomputed: compared by the golden test only
				}
				want := ref.tripleHeats()
				got := tri.Ranked(nil, -1)
				if len(got) != len(want) {
					t.Fatalf("%v hops %d step %d: %d ranked triples, want %d", sem, hops, step, len(got), len(want))
				}
				for i, tr := range got {
					if !near(tri.TripleHeat(tr), want[i]) {
						t.Fatalf("%v hops %d step %d rank %d: heat %g, want %g", sem, hops, step, i, tri.TripleHeat(tr), want[i])
					}
				}
				if !slices.Equal(tri.Summary(), got[:min(20, len(got))]) && len(got) >= 20 {
					t.Fatalf("%v hops %d step %d: summary is not the top 20", sem, hops, step)
				}
			}
		}
	}
}
