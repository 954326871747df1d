package apex

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"pare/ops/kg"
)

// toyGraph is the worked example of the APEX² specification:
// (a,r1,b), (a,r1,c), (b,r2,c), (c,r2,d), (d,r1,e).
func toyGraph(t *testing.T) *kg.Graph {
	t.Helper()
	b := kg.NewBuilder()
	rep := &kg.LoadReport{}
	if err := kg.ReadTSV(context.Background(), strings.NewReader("a\tr1\tb\na\tr1\tc\nb\tr2\tc\nc\tr2\td\nd\tr1\te\n"), "toy", b, kg.LoadOptions{}, rep); err != nil {
		t.Fatal(err)
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

type toy struct {
	t *testing.T
	g *kg.Graph
}

func (x toy) ent(name string) int32 {
	e, ok := x.g.Entities().Lookup(name)
	if !ok {
		x.t.Fatalf("entity %q missing", name)
	}
	return e
}

func (x toy) rel(name string) int32 {
	r, ok := x.g.Relations().Lookup(name)
	if !ok {
		x.t.Fatalf("relation %q missing", name)
	}
	return r
}

// triple parses "a r1 b".
func (x toy) triple(s string) int32 {
	f := strings.Fields(s)
	t := x.g.Find(x.ent(f[0]), x.rel(f[1]), x.ent(f[2]))
	if t < 0 {
		x.t.Fatalf("triple %q missing", s)
	}
	return t
}

func (x toy) query(topic, rel string) kg.Query {
	q, err := kg.NewQuery(x.g, x.ent(topic), x.rel(rel))
	if err != nil {
		x.t.Fatal(err)
	}
	return q
}

func (x toy) names(ids []int32, triples bool) []string {
	var out []string
	for _, i := range ids {
		if triples {
			tr := x.g.Triple(i)
			out = append(out, x.g.EntityName(tr.Head)+" "+x.g.RelationName(tr.Relation)+" "+x.g.EntityName(tr.Tail))
		} else {
			out = append(out, x.g.EntityName(i))
		}
	}
	return out
}

const tol = 1e-12

func checkHeat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: got %.12g, want %.12g", what, got, want)
	}
}

func sortedNames(x toy, ids []int32) []string {
	n := x.names(ids, true)
	slices.Sort(n)
	return n
}

func TestGoldenPaper(t *testing.T) {
	g := toyGraph(t)
	x := toy{t, g}
	opt := DefaultOptions()
	tri, err := NewTriples(g, 1, opt)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := NewNodes(g, 2, opt)
	if err != nil {
		t.Fatal(err)
	}

	// Step 1: q(0) = (a, r1, ?), answers {b, c}.
	q0 := x.query("a", "r1")
	if err := tri.Update(q0); err != nil {
		t.Fatal(err)
	}
	if err := nodes.Update(q0); err != nil {
		t.Fatal(err)
	}
	step1 := map[string]float64{"a": 1.125, "b": 0.7, "c": 0.725, "d": 0.05, "e": 0}
	for name, want := range step1 {
		checkHeat(t, "step 1 APEX² heat of "+name, tri.EntityHeat(x.ent(name)), want)
		checkHeat(t, "step 1 APEX²-N heat of "+name, nodes.EntityHeat(x.ent(name)), want)
	}
	checkHeat(t, "step 1 r1", tri.RelationHeat(x.rel("r1")), 1)
	checkHeat(t, "step 1 r2", tri.RelationHeat(x.rel("r2")), 0)
	triples1 := map[string]float64{"a r1 c": 1.2234375, "a r1 b": 1.18125, "b r2 c": 0.25375, "c r2 d": 0.018125}
	for s, want := range triples1 {
		checkHeat(t, "step 1 heat of "+s, tri.TripleHeat(x.triple(s)), want)
	}
	if got, want := x.names(tri.Ranked(nil, -1), true), []string{"a r1 c", "a r1 b"}; !slices.Equal(got, want) {
		t.Errorf("step 1 eligible triples: got %v, want %v", got, want)
	}
	if got, want := x.names(tri.Summary(), true), []string{"a r1 c"}; !slices.Equal(got, want) {
		t.Errorf("step 1 APEX² summary (K=1): got %v, want %v", got, want)
	}
	if got, want := x.names(nodes.Ranked(nil), false), []string{"a", "c", "b", "d"}; !slices.Equal(got, want) {
		t.Errorf("step 1 entity order: got %v, want %v", got, want)
	}
	if got, want := sortedNames(x, nodes.Summary()), []string{"a r1 b", "a r1 c", "b r2 c"}; !slices.Equal(got, want) {
		t.Errorf("step 1 APEX²-N summary (K=2, overshoot to 3): got %v, want %v", got, want)
	}

	// Step 2: q(1) = (c, r2, ?), answers {d}.
	q1 := x.query("c", "r2")
	if err := tri.Update(q1); err != nil {
		t.Fatal(err)
	}
	if err := nodes.Update(q1); err != nil {
		t.Fatal(err)
	}
	step2 := map[string]float64{"a": 0.6625, "b": 0.45, "c": 1.5125, "d": 1.125, "e": 0.15}
	for name, want := range step2 {
		checkHeat(t, "step 2 APEX² heat of "+name, tri.EntityHeat(x.ent(name)), want)
		checkHeat(t, "step 2 APEX²-N heat of "+name, nodes.EntityHeat(x.ent(name)), want)
	}
	checkHeat(t, "step 2 r1", tri.RelationHeat(x.rel("r1")), 0.5)
	checkHeat(t, "step 2 r2", tri.RelationHeat(x.rel("r2")), 1)
	order := []string{"c r2 d", "b r2 c", "a r1 c", "a r1 b", "d r1 e"}
	heats := []float64{2.55234375, 1.0209375, 1.00203125, 0.298125, 0.16875}
	for i, s := range order {
		checkHeat(t, "step 2 heat of "+s, tri.TripleHeat(x.triple(s)), heats[i])
	}
	if got := x.names(tri.Ranked(nil, -1), true); !slices.Equal(got, order) {
		t.Errorf("step 2 triple order: got %v, want %v", got, order)
	}
	if got, want := x.names(tri.Summary(), true), []string{"c r2 d"}; !slices.Equal(got, want) {
		t.Errorf("step 2 APEX² summary (K=1): got %v, want %v", got, want)
	}
	if got, want := x.names(nodes.Ranked(nil), false), []string{"c", "d", "a", "b", "e"}; !slices.Equal(got, want) {
		t.Errorf("step 2 entity order: got %v, want %v", got, want)
	}
	if got, want := sortedNames(x, nodes.Summary()), []string{"a r1 c", "c r2 d"}; !slices.Equal(got, want) {
		t.Errorf("step 2 APEX²-N summary (K=2): got %v, want %v", got, want)
	}
}

func TestGoldenReference(t *testing.T) {
	g := toyGraph(t)
	x := toy{t, g}
	opt := DefaultOptions()
	opt.Semantics = Reference
	tri, err := NewTriples(g, 2, opt)
	if err != nil {
		t.Fatal(err)
	}

	if err := tri.Update(x.query("a", "r1")); err != nil {
		t.Fatal(err)
	}
	// No diffusion on the first step: e = q(0).
	for name, want := range map[string]float64{"a": 1, "b": 0.5, "c": 0.5, "d": 0, "e": 0} {
		checkHeat(t, "step 1 heat of "+name, tri.EntityHeat(x.ent(name)), want)
	}
	checkHeat(t, "step 1 heat of a r1 b", tri.TripleHeat(x.triple("a r1 b")), 0.75)
	checkHeat(t, "step 1 heat of b r2 c (ineligible)", tri.TripleHeat(x.triple("b r2 c")), 0)

	if err := tri.Update(x.query("c", "r2")); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"a": 1.1, "b": 0.6, "c": 1.65, "d": 1.1, "e": 0.15} {
		checkHeat(t, "step 2 heat of "+name, tri.EntityHeat(x.ent(name)), want)
	}
	order := []string{"c r2 d", "a r1 c", "b r2 c", "a r1 b", "d r1 e"}
	heats := []float64{2.7225, 1.815, 1.485, 0.66, 0.165}
	for i, s := range order {
		checkHeat(t, "step 2 heat of "+s, tri.TripleHeat(x.triple(s)), heats[i])
	}
	if got := x.names(tri.Ranked(nil, -1), true); !slices.Equal(got, order) {
		t.Errorf("step 2 triple order: got %v, want %v", got, order)
	}
	if got, want := x.names(tri.Summary(), true), []string{"c r2 d", "a r1 c"}; !slices.Equal(got, want) {
		t.Errorf("step 2 APEX² summary (K=2): got %v, want %v (second place differs from paper semantics)", got, want)
	}
}

func TestAdmitUnqueried(t *testing.T) {
	g := toyGraph(t)
	x := toy{t, g}
	for _, sem := range []Semantics{Paper, Reference} {
		opt := DefaultOptions()
		opt.Semantics = sem
		opt.AdmitUnqueried = true
		tri, _ := NewTriples(g, 4, opt)
		tri.Update(x.query("a", "r1"))
		got := tri.Ranked(nil, -1)
		if sem == Paper {
			want := []string{"a r1 c", "a r1 b", "b r2 c", "c r2 d"}
			if names := x.names(got, true); !slices.Equal(names, want) {
				t.Errorf("%v: ranked with unqueried relations: got %v, want %v", sem, names, want)
			}
		} else if len(got) != 3 {
			// Reference step 1 has no diffusion: d stays cold, so c r2 d has no heat.
			t.Errorf("%v: got %d ranked triples, want 3", sem, len(got))
		}
	}
}

// denseDelta computes Σ_l (αW)^(p_l) q with dense matrices for the toy graph.
func denseDelta(g *kg.Graph, q kg.Query, alpha float64, powers []int) []float64 {
	n := g.NumEntities()
	w := make([][]float64, n) // W[i][j] = S[i][j] / deg(j)
	for i := range w {
		w[i] = make([]float64, n)
	}
	for t := int32(0); t < int32(g.NumTriples()); t++ {
		h, tl := g.Head(t), g.Tail(t)
		w[h][tl] += 1 / float64(g.Degree(tl))
		w[tl][h] += 1 / float64(g.Degree(h))
	}
	v := make([]float64, n)
	v[q.Topic] += 1
	for _, a := range q.Answers {
		v[a] += 1 / float64(len(q.Answers))
	}
	out := make([]float64, n)
	for _, p := range powers {
		u := slices.Clone(v)
		for k := 0; k < p; k++ {
			next := make([]float64, n)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					next[i] += alpha * w[i][j] * u[j]
				}
			}
			u = next
		}
		for i := range out {
			out[i] += u[i]
		}
	}
	return out
}

func TestDiffusionPowers(t *testing.T) {
	g := toyGraph(t)
	x := toy{t, g}
	q := x.query("a", "r1")
	cases := []struct {
		sem    Semantics
		hops   int
		powers []int
	}{
		{Paper, 0, []int{0}},
		{Paper, 1, []int{0, 1}},
		{Paper, 2, []int{0, 1, 2}},
		{Paper, 3, []int{0, 1, 2, 3}},
		{Reference, 2, []int{0, 1, 3}},
		{Reference, 3, []int{0, 1, 3, 6}},
	}
	for _, tc := range cases {
		opt := DefaultOptions()
		opt.Semantics, opt.Hops, opt.DeltaThreshold, opt.EntityPrune = tc.sem, tc.hops, 0, 0
		s, _ := NewNodes(g, 1, opt)
		s.Update(q)
		want := denseDelta(g, q, opt.Alpha, tc.powers)
		for e := int32(0); e < int32(g.NumEntities()); e++ {
			if got := s.EntityHeat(e); math.Abs(got-want[e]) > tol {
				t.Errorf("%v hops %d: heat of %s: got %.15g, want %.15g", tc.sem, tc.hops, g.EntityName(e), got, want[e])
			}
		}
	}
}

func TestTrimAndFill(t *testing.T) {
	g := toyGraph(t)
	x := toy{t, g}
	opt := DefaultOptions()
	opt.TrimToBudget = true
	s, _ := NewNodes(g, 2, opt)
	s.Update(x.query("a", "r1"))
	if got := len(s.Summary()); got != 2 {
		t.Errorf("trimmed APEX²-N summary: got %d triples, want 2", got)
	}
	// K = 5 = |T|: the ranking reaches 4 induced triples, the fill adds the last.
	for _, seed := range []uint64{1, 2} {
		opt := DefaultOptions()
		opt.Seed = seed
		s, _ := NewTriples(g, 5, opt)
		s.Update(x.query("a", "r1"))
		sum := slices.Clone(s.Summary())
		slices.Sort(sum)
		if !slices.Equal(sum, []int32{0, 1, 2, 3, 4}) {
			t.Errorf("seed %d: filled summary: got %v, want all 5 triples", seed, sum)
		}
	}
}

func TestBadInputs(t *testing.T) {
	g := toyGraph(t)
	if _, err := NewTriples(g, 0, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "budget: got 0") {
		t.Errorf("budget 0: got %v", err)
	}
	if _, err := NewNodes(g, 6, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "budget: got 6") {
		t.Errorf("budget 6 > |T|: got %v", err)
	}
	opt := DefaultOptions()
	opt.Gamma = 1
	if _, err := NewNodes(g, 1, opt); err == nil || !strings.Contains(err.Error(), "gamma: got 1") {
		t.Errorf("gamma 1: got %v", err)
	}
	s, _ := NewNodes(g, 1, DefaultOptions())
	if err := s.Update(kg.Query{ID: "x", Topic: 99}); err == nil || !strings.Contains(err.Error(), "topic id 99") {
		t.Errorf("unknown topic: got %v", err)
	}
}
