package kg

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSimulateProtocol(t *testing.T) {
	g, err := Synthesize(context.Background(), SynthOptions{Triples: 5000, Entities: 500, Relations: 8, Exponent: 2.3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	opt := SimulateOptions{Users: 3, Queries: 200, Topics: 20, Seed: 9}
	logs, err := Simulate(context.Background(), g, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 3 {
		t.Fatalf("users: got %d, want 3", len(logs))
	}
	for u, log := range logs {
		if len(log) != 200 {
			t.Fatalf("user %d: got %d queries, want 200", u, len(log))
		}
		topics := map[int32]bool{}
		for i, q := range log {
			if q.Topic != log[i/10*10].Topic {
				t.Errorf("user %d query %d: topic %d differs from its block's %d", u, i, q.Topic, log[i/10*10].Topic)
			}
			topics[q.Topic] = true
			if want := g.Tails(nil, q.Topic, q.Relation); !reflect.DeepEqual(q.Answers, want) || len(want) == 0 {
				t.Errorf("user %d query %d: answers %v, want %v (non-empty)", u, i, q.Answers, want)
			}
		}
		if len(topics) != 20 {
			t.Errorf("user %d: %d distinct topics, want 20", u, len(topics))
		}
	}
	again, _ := Simulate(context.Background(), g, SimulateOptions{Users: 1, Queries: 200, Topics: 20, Seed: 9})
	if !reflect.DeepEqual(again[0], logs[0]) {
		t.Errorf("user 0 changed with the number of users simulated")
	}
	other, _ := Simulate(context.Background(), g, SimulateOptions{Users: 1, Queries: 200, Topics: 20, Seed: 10})
	if reflect.DeepEqual(other[0], logs[0]) {
		t.Errorf("seeds 9 and 10 gave the same log")
	}
	shuffled, _ := Simulate(context.Background(), g, SimulateOptions{Users: 1, Queries: 200, Topics: 20, Seed: 9, Shuffle: true})
	same := 0
	for i := range shuffled[0] {
		if shuffled[0][i].Topic == logs[0][i].Topic {
			same++
		}
	}
	if same == 200 {
		t.Errorf("shuffle left every topic in place")
	}
	if _, err := Simulate(context.Background(), g, SimulateOptions{Users: 1, Queries: 10, Topics: 1000, Seed: 1}); err == nil {
		t.Errorf("1000 topics on %d heads: got no error", len(g.Heads(nil)))
	}
}

func TestQueriesJSONL(t *testing.T) {
	g := readToy(t)
	a, c := id(t, g, "a"), id(t, g, "c")
	r1, _ := g.Relations().Lookup("r1")
	r2, _ := g.Relations().Lookup("r2")
	q1, _ := NewQuery(g, a, r1)
	q2, _ := NewQuery(g, c, r2)
	q1.ID, q2.ID, q2.User = "u0-q0", "u1-q0", 1
	var buf bytes.Buffer
	if err := WriteQueries(&buf, g, []Query{q1, q2}); err != nil {
		t.Fatal(err)
	}
	back, _, err := ReadQueries(&buf, "log.jsonl", g, ReadQueriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, []Query{q1, q2}) {
		t.Errorf("round trip: got %+v, want %+v", back, []Query{q1, q2})
	}

	bad := []struct{ name, input, want string }{
		{"unknown topic", `{"id":"x","user":0,"topic":"zz","relation":"r1","answers":["b"]}`, `log.jsonl:2: topic "zz" is not an entity`},
		{"unknown relation", `{"id":"x","user":0,"topic":"a","relation":"r9","answers":["b"]}`, `log.jsonl:2: relation "r9" is not a relation`},
		{"unknown answer", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["q"]}`, `log.jsonl:2: answer "q" is not an entity`},
		{"not json", `{"id":`, `log.jsonl:2: invalid query record`},
		{"empty answers", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":[]}`, `log.jsonl:2: invalid query record: answers: got []`},
		{"null answers", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":null}`, `log.jsonl:2: invalid query record: missing field "answers"`},
		{"negative user", `{"id":"x","user":-1,"topic":"a","relation":"r1","answers":["b"]}`, `log.jsonl:2: invalid query record: user: got -1`},
		{"missing id", `{"user":0,"topic":"a","relation":"r1","answers":["b"]}`, `missing field "id"`},
		{"empty id", `{"id":"","user":0,"topic":"a","relation":"r1","answers":["b"]}`, `id: got ""`},
		{"missing user", `{"id":"x","topic":"a","relation":"r1","answers":["b"]}`, `missing field "user"`},
		{"missing topic", `{"id":"x","user":0,"relation":"r1","answers":["b"]}`, `missing field "topic"`},
		{"missing relation", `{"id":"x","user":0,"topic":"a","answers":["b"]}`, `missing field "relation"`},
		{"missing answers", `{"id":"x","user":0,"topic":"a","relation":"r1"}`, `missing field "answers"`},
		{"unknown field", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["b"],"extra":1}`, `unknown field "extra"`},
		{"trailing data", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["b"]} 7`, `unexpected data after`},
		{"repeated id", `{"id":"ok","user":0,"topic":"a","relation":"r1","answers":["b"]}`, `log.jsonl:2: id "ok" repeats the record of line 1`},
		{"repeated answer", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["b","b"]}`, `answer "b" is listed twice`},
		{"answer not a tail", `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["d"]}`, `log.jsonl:2: answer "d" is not a tail of (a, r1, ?)`},
	}
	for _, tc := range bad {
		input := `{"id":"ok","user":0,"topic":"a","relation":"r1","answers":["b"]}` + "\n" + tc.input + "\n"
		_, _, err := ReadQueries(strings.NewReader(input), "log.jsonl", g, ReadQueriesOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}

	foreign := `{"id":"x","user":0,"topic":"a","relation":"r1","answers":["b","d"]}` + "\n"
	qs, rep, err := ReadQueries(strings.NewReader(foreign), "log.jsonl", g, ReadQueriesOptions{AllowForeignAnswers: true})
	if err != nil {
		t.Fatalf("foreign answer allowed: %v", err)
	}
	if rep.ForeignAnswers != 1 || len(qs) != 1 || len(qs[0].Answers) != 2 {
		t.Errorf("foreign answer allowed: got %d foreign answers, queries %+v; want 1 foreign answer kept among 2", rep.ForeignAnswers, qs)
	}
	if _, err := NewQuery(g, id(t, g, "e"), r1); err == nil || !strings.Contains(err.Error(), "has no answer") {
		t.Errorf("query without answers: got %v", err)
	}
	if _, err := NewQuery(g, 99, r1); err == nil || !strings.Contains(err.Error(), "topic id 99") {
		t.Errorf("unknown topic id: got %v", err)
	}
}

func TestAnswerOnSubset(t *testing.T) {
	g := readToy(t)
	a, b, c := id(t, g, "a"), id(t, g, "b"), id(t, g, "c")
	r1, _ := g.Relations().Lookup("r1")
	all := make([]int32, g.NumTriples())
	for i := range all {
		all[i] = int32(i)
	}
	cases := []struct {
		name   string
		subset []int32
		want   []int32
	}{
		{"full graph", all, []int32{b, c}},
		{"one triple", []int32{g.Find(a, r1, c)}, []int32{c}},
		{"repeated triple", []int32{g.Find(a, r1, c), g.Find(a, r1, c)}, []int32{c}},
		{"other relation only", []int32{g.Find(b, 1, c)}, nil},
		{"empty", nil, nil},
	}
	for _, tc := range cases {
		if got := Answer(nil, g, tc.subset, a, r1); !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBudget(t *testing.T) {
	g := readToy(t) // 6 triples
	cases := []struct {
		ratio   float64
		count   int
		want    int
		wantErr string
	}{
		{0.5, 0, 3, ""},
		{1, 0, 6, ""},
		{0.1, 0, 0, "is empty"},
		{0, 0, 0, "outside (0, 1]"},
		{1.5, 0, 0, "outside (0, 1]"},
		{0, 4, 4, ""},
		{0, 7, 0, "larger than the graph"},
	}
	for _, tc := range cases {
		k, err := Budget(g, tc.ratio, tc.count)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ratio %g count %d: got %d, %v, want error %q", tc.ratio, tc.count, k, err, tc.wantErr)
			}
			continue
		}
		if err != nil || k != tc.want {
			t.Errorf("ratio %g count %d: got %d, %v, want %d", tc.ratio, tc.count, k, err, tc.want)
		}
	}
}

func TestAnswerSelfLoop(t *testing.T) {
	g := readTSVText(t, toySelfLoopTSV)
	a, b, c := id(t, g, "a"), id(t, g, "b"), id(t, g, "c")
	r1, _ := g.Relations().Lookup("r1")
	all := make([]int32, g.NumTriples())
	for i := range all {
		all[i] = int32(i)
	}
	q, err := NewQuery(g, a, r1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{a, b, c}; !reflect.DeepEqual(q.Answers, want) {
		t.Errorf("gold answers: got %v, want %v", q.Answers, want)
	}
	if got := Answer(nil, g, all, a, r1); !reflect.DeepEqual(got, q.Answers) {
		t.Errorf("answers on the full graph: got %v, want the gold answers %v", got, q.Answers)
	}
	if got, want := Answer(nil, g, []int32{g.Find(a, r1, a)}, a, r1), []int32{a}; !reflect.DeepEqual(got, want) {
		t.Errorf("answers on the self-loop alone: got %v, want %v", got, want)
	}
}

func TestSimulateRejectsHugeLogs(t *testing.T) {
	small, err := Synthesize(context.Background(), SynthOptions{Triples: 500, Entities: 50, Relations: 3, Exponent: 2.3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// wide has one head with 10000 answers to its only relation, so the
	// answer lists outgrow the estimate of one answer per query.
	b := NewBuilder()
	for i := 0; i < 10000; i++ {
		b.AddString("hub", "r", fmt.Sprintf("e%d", i))
	}
	wide, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		g    *Graph
		opt  SimulateOptions
		want string
	}{
		{"queries 2^40", small, SimulateOptions{Users: 1, Queries: 1 << 40, Topics: 20}, "users 1 × queries 1099511627776 need about"},
		{"users 2^40", small, SimulateOptions{Users: 1 << 40, Queries: 3, Topics: 1}, "users 1099511627776 × queries 3 need about"},
		{"1e8 queries, 1 GiB", small, SimulateOptions{Users: 1, Queries: 100000000, Topics: 1, MemoryLimit: 1 << 30}, "more than --max-memory (1073741824 bytes)"},
		{"many answers", wide, SimulateOptions{Users: 1, Queries: 8192, Topics: 1, MemoryLimit: 1 << 20}, "more than --max-memory (1048576 bytes)"},
	}
	for _, tc := range cases {
		_, err := Simulate(context.Background(), tc.g, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Simulate(context.Background(), small, SimulateOptions{Users: 2, Queries: 200, Topics: 20, MemoryLimit: 1 << 30}); err != nil {
		t.Errorf("200 queries under 1 GiB: got error %v, want none", err)
	}
}
