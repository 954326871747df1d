package baseline

import (
	"context"
	"math"
	"slices"
	"sort"
	"testing"

	"pare/ops/kg"
)

func graph(t *testing.T) *kg.Graph {
	t.Helper()
	g, err := kg.Synthesize(context.Background(), kg.SynthOptions{Triples: 2000, Entities: 200, Relations: 4, Exponent: 2.3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func queries(t *testing.T, g *kg.Graph, n int) []kg.Query {
	t.Helper()
	logs, err := kg.Simulate(context.Background(), g, kg.SimulateOptions{Users: 1, Queries: n, Topics: 3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	return logs[0]
}

// densePPR iterates x = c·s + (1−c)(M·x + dangling·s) to convergence.
func densePPR(g *kg.Graph, s []float64, c float64) []float64 {
	n := g.NumEntities()
	x := slices.Clone(s)
	for it := 0; it < 2000; it++ {
		next := make([]float64, n)
		dangling := 0.0
		for j := int32(0); j < int32(n); j++ {
			if g.OutDegree(j) == 0 {
				dangling += x[j]
				continue
			}
			lo, hi := g.OutRange(j)
			for t := lo; t < hi; t++ {
				next[g.Tail(t)] += (1 - c) * x[j] / float64(hi-lo)
			}
		}
		for i := range next {
			next[i] += (c + (1-c)*dangling) * s[i]
		}
		x = next
	}
	return x
}

func TestPPRMatchesDense(t *testing.T) {
	g := graph(t)
	qs := queries(t, g, 25)
	opt := DefaultPPROptions()
	opt.Tolerance, opt.MaxIter = 1e-13, 1000
	p, err := NewPPR(g, 15, opt)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]float64, g.NumEntities())
	for i, q := range qs {
		if err := p.Update(q); err != nil {
			t.Fatal(err)
		}
		counts[q.Topic]++
		if i%8 != 0 {
			continue
		}
		s := make([]float64, len(counts))
		for e, c := range counts {
			s[e] = c / float64(i+1)
		}
		want := densePPR(g, s, opt.Restart)
		for e := range want {
			if math.Abs(p.Scores()[e]-want[e]) > 1e-10 {
				t.Fatalf("step %d: x[%d]: got %g, want %g", i, e, p.Scores()[e], want[e])
			}
		}
		// Top 15 triples by x_h·x_t, ties by id.
		ids := make([]int32, g.NumTriples())
		for k := range ids {
			ids[k] = int32(k)
		}
		score := func(t int32) float64 { return want[g.Head(t)] * want[g.Tail(t)] }
		sort.SliceStable(ids, func(a, b int) bool { return score(ids[a]) > score(ids[b]) })
		for k, tr := range p.Summary() {
			if math.Abs(score(tr)-score(ids[k])) > 1e-12 {
				t.Fatalf("step %d rank %d: triple %d scores %g, want %g", i, k, tr, score(tr), score(ids[k]))
			}
		}
	}
}

func TestGlimpseLazyEqualsPlainGreedy(t *testing.T) {
	g := graph(t)
	qs := queries(t, g, 12)
	for _, k := range []int{1, 5, 20} {
		s, err := NewGlimpse(g, k, DefaultGlimpseOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			s.hist.add(q)
		}
		support := s.preference()
		s.greedy(support)
		got := slices.Clone(s.Summary())

		// Plain greedy over every triple, best marginal gain first, ties by id.
		covered := map[int32]bool{}
		taken := map[int32]bool{}
		var want []int32
		for len(want) < k {
			best, bestGain := int32(-1), -1.0
			for t := int32(0); t < int32(g.NumTriples()); t++ {
				if taken[t] {
					continue
				}
				if v := s.gain(t, covered); v > bestGain {
					best, bestGain = t, v
				}
			}
			if bestGain <= 0 {
				break
			}
			want = append(want, best)
			taken[best] = true
			covered[g.Head(best)], covered[g.Tail(best)] = true, true
		}
		if !slices.Equal(got[:len(want)], want) {
			t.Errorf("K=%d: lazy greedy %v, plain greedy %v", k, got[:len(want)], want)
		}
		if len(got) != k {
			t.Errorf("K=%d: summary has %d triples", k, len(got))
		}
	}
}

func TestFrequentNeighbourhoods(t *testing.T) {
	g := graph(t)
	qs := queries(t, g, 25) // topics in blocks of 9, 9, 7; the tie of 9 goes to the more recent
	s, _ := NewFrequent(g, 30, 1)
	for _, q := range qs {
		s.Update(q)
	}
	first := qs[9].Topic
	sum := s.Summary()
	if len(sum) != 30 {
		t.Fatalf("summary size %d, want 30", len(sum))
	}
	touches := func(tr int32, e int32) bool { return g.Head(tr) == e || g.Tail(tr) == e }
	if g.Degree(first) >= 30 {
		for i, tr := range sum {
			if !touches(tr, first) {
				t.Errorf("triple %d (%d) does not touch the most frequent topic %d", i, tr, first)
			}
		}
	}
}

func TestRandomFixed(t *testing.T) {
	g := graph(t)
	a, _ := NewRandom(g, 50, 3)
	b, _ := NewRandom(g, 50, 3)
	c, _ := NewRandom(g, 50, 4)
	if !slices.Equal(a.Summary(), b.Summary()) {
		t.Errorf("same seed gave different summaries")
	}
	if slices.Equal(a.Summary(), c.Summary()) {
		t.Errorf("seeds 3 and 4 gave the same summary")
	}
	if _, err := NewRandom(g, 0, 1); err == nil {
		t.Errorf("budget 0: got no error")
	}
}
