package online

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/kg"
)

func TestScore(t *testing.T) {
	cases := []struct {
		name       string
		pred, gold []int32
		p, r, f    float64
	}{
		{"exact", []int32{1, 2}, []int32{1, 2}, 1, 1, 1},
		{"subset", []int32{2}, []int32{1, 2, 3, 4}, 1, 0.25, 0.4},
		{"extra", []int32{1, 5}, []int32{1}, 0.5, 1, 2.0 / 3},
		{"nothing returned", nil, []int32{1}, 0, 0, 0},
		{"disjoint", []int32{7}, []int32{1}, 0, 0, 0},
		{"empty gold", []int32{1}, nil, 0, 0, 0},
	}
	for _, tc := range cases {
		p, r, f := Score(tc.pred, tc.gold)
		if math.Abs(p-tc.p) > 1e-15 || math.Abs(r-tc.r) > 1e-15 || math.Abs(f-tc.f) > 1e-15 {
			t.Errorf("%s: got P %g R %g F1 %g, want %g %g %g", tc.name, p, r, f, tc.p, tc.r, tc.f)
		}
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.5, 2.5}, {0.95, 3.85}, {1, 4}} {
		if got := Quantile(v, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("quantile %g: got %g, want %g", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Errorf("quantile of no values: want NaN")
	}
}

// whole is a summarizer that keeps the entire graph.
type whole struct{ all []int32 }

func (w *whole) Name() string          { return "whole" }
func (w *whole) Update(kg.Query) error { return nil }
func (w *whole) Summary() []int32      { return w.all }

func TestRunProtocol(t *testing.T) {
	g, err := kg.Synthesize(context.Background(), kg.SynthOptions{Triples: 3000, Entities: 300, Relations: 5, Exponent: 2.3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := kg.Simulate(context.Background(), g, kg.SimulateOptions{Users: 2, Queries: 40, Topics: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int32, g.NumTriples())
	for i := range all {
		all[i] = int32(i)
	}
	k, _ := kg.Budget(g, 0.01, 0)
	methods, err := Methods(g, k, MethodNames, DefaultMethodOptions())
	if err != nil {
		t.Fatal(err)
	}
	methods = append(methods, Factory{Name: "whole", New: func() (kg.Summarizer, error) { return &whole{all}, nil }})
	calls := 0
	results, err := Run(context.Background(), g, logs, methods, Options{Progress: func(done, total int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2*len(methods) {
		t.Errorf("progress calls: got %d, want %d", calls, 2*len(methods))
	}
	for _, r := range results {
		if r.Tests != 2*38 {
			t.Errorf("%s: %d tests, want %d (q2..q39 for 2 users)", r.Method, r.Tests, 2*38)
		}
		if len(r.Steps) != 2*39 {
			t.Errorf("%s: %d steps, want %d", r.Method, len(r.Steps), 2*39)
		}
		if r.PrecisionWhenReturned != 1 && !math.IsNaN(r.PrecisionWhenReturned) {
			t.Errorf("%s: precision when returned %g, want 1 (summaries are subsets of the graph)", r.Method, r.PrecisionWhenReturned)
		}
		if r.Method == "whole" && (r.F1 != 1 || r.Recall != 1) {
			t.Errorf("whole graph: F1 %g recall %g, want 1", r.F1, r.Recall)
		}
		// 4 blocks of 10: tests on q11, q21, q31 of each user see a new topic.
		if want := 1 - 3.0/38; math.Abs(r.Ceiling-want) > 1e-12 {
			t.Errorf("%s: ceiling %g, want %g", r.Method, r.Ceiling, want)
		}
		if r.Method != "apex2_n" && r.Method != "whole" && r.MaxSummaryTriples != k {
			t.Errorf("%s: summary of %d triples, want K = %d", r.Method, r.MaxSummaryTriples, k)
		}
	}

	var buf bytes.Buffer
	if err := WriteSteps(&buf, results); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(methods)*2*39 {
		t.Errorf("JSONL lines: got %d, want %d", len(lines), len(methods)*2*39)
	}
	var s Step
	if err := json.Unmarshal([]byte(lines[0]), &s); err != nil || !s.Initial || s.Step != 0 {
		t.Errorf("first line %q: got %+v, %v; want the initial step", lines[0], s, err)
	}

	path := filepath.Join(t.TempDir(), "stream.png")
	if err := PlotStream(path, "test", results, 5); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("plot: got %d bytes, %v; want a PNG", len(b), err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, g, logs, methods[:1], Options{}); err != context.Canceled {
		t.Errorf("cancelled run: got %v, want context.Canceled", err)
	}
}
