package kg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	_ "pare/builtins/kg"
	"pare/ops/tensor"
)

// runKG executes src with the kg module in a session that reads under dir
// and writes under dir/out, and returns the session, the globals, the
// stderr and the error.
func runKG(t *testing.T, dir, src string) (*host.Session, starlark.StringDict, string, error) {
	t.Helper()
	var stderr bytes.Buffer
	s := host.NewSession(context.Background())
	s.Stderr = &stderr
	s.BaseDir = dir
	s.OutDir = filepath.Join(dir, "out")
	s.Sandbox.Read = []string{dir}
	s.Sandbox.Write = []string{s.OutDir}
	thread := &starlark.Thread{Name: "test"}
	s.Attach(thread)
	env := starlark.StringDict{"kg": host.Lookup("kg").Value()}
	globals, err := starlark.ExecFile(thread, "test.star", src, env)
	return s, globals, stderr.String(), err
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSelfLoopAnswerScores(t *testing.T) {
	// The only answer of (a, r, ?) is a itself, and a count of 2 keeps the
	// whole graph, so every test must score F1 1.
	tsv, _ := os.ReadFile("testdata/selfloop.tsv")
	log, _ := os.ReadFile("testdata/selfloop.jsonl")
	dir := writeFiles(t, map[string]string{"g.tsv": string(tsv), "log.jsonl": string(log)})
	src := `
g = kg.load_tsv("g.tsv")
log = kg.load_queries(g, "log.jsonl")
r = kg.evaluate(g, log, count = 2, methods = ["frequent", "apex2_n"])
result = {m.method: m.f1 for m in r.methods}
`
	_, globals, _, err := runKG(t, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	f1 := globals["result"].(*starlark.Dict)
	for _, m := range []string{"frequent", "apex2_n"} {
		v, _, _ := f1.Get(starlark.String(m))
		if got, _ := starlark.AsFloat(v); got != 1 {
			t.Errorf("%s: got F1 %v, want 1", m, v)
		}
	}
}

func TestLenientLoadWarns(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad.tsv":  "a\tr\tb\na\tr\n\tr\tc\nb\tr\tc\nx\ny\nz\nb\tr\td\n",
		"good.tsv": "a\tr\tb\n",
	})
	s, _, stderr, err := runKG(t, dir, `g = kg.load_tsv("bad.tsv", lenient = True)`)
	if err != nil {
		t.Fatal(err)
	}
	want := "warning: kg.load_tsv: skipped 5 of 8 lines as malformed (empty name: 1, wrong field count: 4)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr: got %q, want it to contain %q", stderr, want)
	}
	rec, err := json.Marshal(s.Settings()["kg.load_tsv"])
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"skipped":5`, `"wrong field count":4`, `"lines":8`} {
		if !strings.Contains(string(rec), field) {
			t.Errorf("run.json setting kg.load_tsv: got %s, want %s", rec, field)
		}
	}

	_, _, stderr, err = runKG(t, dir, `g = kg.load_tsv("good.tsv", lenient = True)`)
	if err != nil || stderr != "" {
		t.Errorf("lenient load without bad lines: got error %v, stderr %q; want neither", err, stderr)
	}
}

func TestBindingChecks(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"g.tsv":         "a\tr\tb\na\tr\tc\nb\tr2\tc\n",
		"empty.tsv":     "",
		"foreign.jsonl": `{"id":"q0","user":0,"topic":"a","relation":"r","answers":["b","a"]}` + "\n",
		"neg.jsonl":     `{"id":"q0","user":-1,"topic":"a","relation":"r","answers":["b"]}` + "\n",
	})
	if err := os.Mkdir(filepath.Join(dir, "split"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train.txt", "valid.txt"} {
		if err := os.WriteFile(filepath.Join(dir, "split", f), []byte("a\tr\tb\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, src, want string }{
		{"synthetic beyond int32", `kg.synthetic(triples = 1000000000000, entities = 10, relations = 2)`, "triples: got 1000000000000"},
		{"write_synthetic beyond int32", `kg.write_synthetic("x.tsv", triples = 1000000000000, entities = 10, relations = 2)`, "triples: got 1000000000000"},
		{"empty graph", `kg.load_tsv("empty.tsv")`, "no triples in " + filepath.Join(dir, "empty.tsv")},
		{"folder without test.txt", `kg.load_tsv("split")`, "folder split is missing test.txt; a data-set folder needs train.txt, valid.txt and test.txt"},
		{"answer not a tail", `kg.load_queries(kg.load_tsv("g.tsv"), "foreign.jsonl")`, filepath.Join(dir, "foreign.jsonl") + `:1: answer "a" is not a tail of (a, r, ?)`},
		{"negative user", `kg.load_queries(kg.load_tsv("g.tsv"), "neg.jsonl")`, filepath.Join(dir, "neg.jsonl") + ":1: invalid query record: user: got -1"},
		{"plot extension", `
g = kg.load_tsv("g.tsv")
kg.evaluate(g, kg.simulate(g, queries = 3, topics = 1), count = 1, plot = "x.txt")`, `plot: got "x.txt", want a file name ending in .png, .svg or .pdf`},
	}
	for _, tc := range cases {
		_, _, _, err := runKG(t, dir, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}

	for _, name := range []string{"x.svg", "x.PDF", "x.png"} {
		_, _, _, err := runKG(t, dir, `
g = kg.load_tsv("g.tsv")
kg.evaluate(g, kg.simulate(g, queries = 3, topics = 1), count = 1, plot = "`+name+`")`)
		if err != nil {
			t.Errorf("plot %q: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "out", name)); err != nil {
			t.Errorf("plot %q: %v", name, err)
		}
	}

	_, _, stderr, err := runKG(t, dir, `kg.load_queries(kg.load_tsv("g.tsv"), "foreign.jsonl", allow_foreign_answers = True)`)
	if err != nil || !strings.Contains(stderr, "warning: kg.load_queries: kept 1 gold answer that no summary can return") {
		t.Errorf("allow_foreign_answers: got error %v, stderr %q; want a warning about 1 answer", err, stderr)
	}
}

func TestPrintedCounts(t *testing.T) {
	dir := writeFiles(t, map[string]string{"g.tsv": "a\tr\tb\n", "log.jsonl": `{"id":"q0","user":0,"topic":"a","relation":"r","answers":["b"]}` + "\n"})
	cases := []struct{ name, src, want string }{
		{"graph", `out = str(kg.load_tsv("g.tsv"))`, "kg.Graph(2 entities, 1 relation, 1 triple)"},
		{"log", `out = str(kg.load_queries(kg.load_tsv("g.tsv"), "log.jsonl"))`, "kg.query_log(1 user, 1 query)"},
	}
	for _, tc := range cases {
		_, globals, _, err := runKG(t, dir, tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := globals["out"].(starlark.String).GoString(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	_, _, _, err := runKG(t, dir, `
g = kg.load_tsv("g.tsv")
kg.evaluate(g, kg.load_queries(g, "log.jsonl"), count = 1)`)
	if err == nil || !strings.Contains(err.Error(), "user 0 has 1 query, want at least 3") {
		t.Errorf("short log: got %v, want an error containing %q", err, "user 0 has 1 query")
	}
}

func TestSyntheticRespectsMaxMemory(t *testing.T) {
	// 100,000 triples need about 5.6 MB by the estimate: allowed without a
	// limit, refused under a 1 MB --max-memory.
	src := `g = kg.synthetic(triples = 100000, entities = 1000, relations = 4)`
	if _, _, _, err := runKG(t, t.TempDir(), src); err != nil {
		t.Fatalf("without --max-memory: %v", err)
	}
	tensor.SetMemoryLimit(1 << 20)
	defer tensor.SetMemoryLimit(0)
	_, _, _, err := runKG(t, t.TempDir(), src)
	if err == nil || !strings.Contains(err.Error(), "--max-memory") {
		t.Fatalf("under a 1 MB --max-memory: error = %v, want one naming --max-memory", err)
	}
}
