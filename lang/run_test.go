package lang_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pare/lang"
)

// writeRecipe writes files (name -> source) into a new folder and returns
// the folder.
func writeRecipe(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, dir string, opts lang.Options) (string, error) {
	t.Helper()
	var out bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &out
	if opts.Recipe == "" {
		opts.Recipe = filepath.Join(dir, "main.star")
	}
	_, err := lang.Run(context.Background(), opts)
	return out.String(), err
}

func TestRunParams(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": `
p = params(n=3, rate=0.5, name="x", flag=False, sizes=[1, 2])
print(p.n, p.rate, p.name, p.flag, p.sizes)
`})
	tests := []struct {
		name    string
		sets    []string
		want    string
		wantErr string
	}{
		{"defaults", nil, "3 0.5 x False [1, 2]", ""},
		{"overrides", []string{"n=5", "rate=1", "name=hello", "flag=true", "sizes=[4]"}, "5 1.0 hello True [4]", ""},
		{"unknown name", []string{"m=1"}, "", `the recipe has no parameter "m"; it declares flag, n, name, rate, sizes`},
		{"bad int", []string{"n=x"}, "", "--set n=x: want an integer like the default 3"},
		{"bad list", []string{"sizes=4"}, "", "want a list literal"},
		{"bad bool", []string{"flag=maybe"}, "", "want true or false"},
		{"bad list element", []string{`sizes=["a"]`}, "", "want a list of ints (element 0 is a string)"},
		{"missing value", []string{"n"}, "", "want name=value"},
	}
	for _, tc := range tests {
		out, err := run(t, dir, lang.Options{Sets: tc.sets})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if strings.TrimSpace(out) != tc.want {
			t.Errorf("%s: printed %q, want %q", tc.name, strings.TrimSpace(out), tc.want)
		}
	}
}

func TestRunSetWithoutParams(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": "x = 1\n"})
	_, err := run(t, dir, lang.Options{Sets: []string{"x=2"}})
	if err == nil || !strings.Contains(err.Error(), "declares no parameters") {
		t.Fatalf("error = %v, want one saying the recipe declares no parameters", err)
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestRunWritesMetricsAndRunRecord(t *testing.T) {
	dir := writeRecipe(t, map[string]string{
		"main.star": `
load("lib/helpers.star", "double")
p = params(k=2)
report(a={"x": double(p.k)}, n=1)
report(a={"y": 2.5})
report(notes = io.write_text("notes.txt", "hello"))
`,
		"lib/helpers.star": "def double(v):\n    return 2 * v\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, dir, lang.Options{OutDir: out, Sets: []string{"k=4"}}); err != nil {
		t.Fatal(err)
	}
	m := readJSON(t, filepath.Join(out, "metrics.json"))
	a, _ := m["a"].(map[string]any)
	if a["x"] != 8.0 || a["y"] != 2.5 || m["n"] != 1.0 {
		t.Errorf("metrics.json = %v, want a.x=8, a.y=2.5, n=1", m)
	}
	r := readJSON(t, filepath.Join(out, "run.json"))
	if r["status"] != "ok" {
		t.Errorf("run.json status = %v, want ok", r["status"])
	}
	if p, _ := r["params"].(map[string]any); p["k"] != 4.0 {
		t.Errorf("run.json params = %v, want k=4", r["params"])
	}
	if len(r["recipe_sha256"].(string)) != 64 {
		t.Errorf("run.json recipe_sha256 = %v, want 64 hex digits", r["recipe_sha256"])
	}
	inputs, _ := r["inputs"].([]any)
	if len(inputs) != 1 || !strings.HasSuffix(inputs[0].(map[string]any)["path"].(string), "helpers.star") {
		t.Errorf("run.json inputs = %v, want the loaded helpers.star", inputs)
	}
	if got := m["notes"].(string); !strings.HasSuffix(got, filepath.Join("out", "notes.txt")) || strings.Contains(got, ".pare-") {
		t.Errorf("metrics.json notes = %q, want the final path under --out, not the staging folder", got)
	}
	if b, err := os.ReadFile(filepath.Join(out, "notes.txt")); err != nil || string(b) != "hello" {
		t.Errorf("notes.txt = %q, %v; want hello", b, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.pare-*"))
	if len(leftovers) != 0 {
		t.Errorf("staging folders left behind: %v", leftovers)
	}
}

func TestFailedRunLeavesOnlyRunRecord(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": `
report(x=1)
io.write_text("partial.txt", "half")
fail("boom")
`})
	out := filepath.Join(t.TempDir(), "out")
	_, err := run(t, dir, lang.Options{OutDir: out})
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "main.star:4:5") {
		t.Fatalf("error = %v, want the fail message with main.star:4:5", err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "run.json" {
		t.Fatalf("--out holds %v, want only run.json", entries)
	}
	if r := readJSON(t, filepath.Join(out, "run.json")); r["status"] != "failed" || !strings.Contains(r["error"].(string), "boom") {
		t.Errorf("run.json = %v, want status failed with the error", r)
	}
}

func TestRunTimeout(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": "while True:\n    pass\n"})
	out := filepath.Join(t.TempDir(), "out")
	cpu := processCPU(t)
	_, err := run(t, dir, lang.Options{OutDir: out, Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "timed out after --timeout 200ms") {
		t.Fatalf("error = %v, want a timeout", err)
	}
	// The bound uses CPU time, because on a loaded machine the loop and the
	// timer both wait for a core and wall time grows with the load. CPU time
	// measures how long the loop kept running after the deadline.
	if used := processCPU(t) - cpu; used > 1200*time.Millisecond {
		t.Errorf("run used %s of CPU, want the 200ms timeout plus less than a second", used)
	}
	if r := readJSON(t, filepath.Join(out, "run.json")); r["status"] != "interrupted" {
		t.Errorf("run.json status = %v, want interrupted", r["status"])
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"cycle", map[string]string{"main.star": `load("a.star", "x")`, "a.star": `load("b.star", "y")` + "\nx = 1\n", "b.star": `load("a.star", "x")` + "\ny = 1\n"}, "cycle in load graph"},
		{"outside folder", map[string]string{"main.star": `load("../x.star", "x")`}, "outside the recipe's folder"},
		{"missing stdlib", map[string]string{"main.star": `load("@stdlib//nope.star", "x")`}, "no stdlib module @stdlib//nope.star"},
		{"not star", map[string]string{"main.star": `load("x.py", "x")`}, "module names end in .star"},
		{"missing name", map[string]string{"main.star": `load("@stdlib//util.star", "nothing")`}, "name nothing not found in module @stdlib//util.star"},
	}
	for _, tc := range tests {
		dir := writeRecipe(t, tc.files)
		_, err := run(t, dir, lang.Options{})
		if err == nil || !matches(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to match %q", tc.name, err, tc.want)
		}
	}
}

func TestStdlibTable(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": `
load("@stdlib//util.star", "table")
print(table([["a", 1.23456], ["bb", 2]], header = ["name", "value"]))
`})
	out, err := run(t, dir, lang.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "name  value\n----  ------\na     1.2346\nbb    2"
	if strings.TrimSpace(out) != want {
		t.Errorf("table printed\n%s\nwant\n%s", out, want)
	}
}

func TestCheck(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"ok.star": "x = 1\nprint(x, data.path)\n", "bad.star": "print(undefined_thing)\n", "syntax.star": "def f(:\n"})
	if err := lang.Check(filepath.Join(dir, "ok.star")); err != nil {
		t.Errorf("Check(ok.star) = %v", err)
	}
	if err := lang.Check(filepath.Join(dir, "bad.star")); err == nil || !strings.Contains(err.Error(), "bad.star:1:7: undefined: undefined_thing") {
		t.Errorf("Check(bad.star) = %v, want undefined name at 1:7", err)
	}
	if err := lang.Check(filepath.Join(dir, "syntax.star")); err == nil || !strings.Contains(err.Error(), "syntax.star:1:8") {
		t.Errorf("Check(syntax.star) = %v, want a syntax error at 1:8", err)
	}
}

func matches(s, pattern string) bool {
	re := strings.NewReplacer(".*", "\x00").Replace(pattern)
	parts := strings.Split(re, "\x00")
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

func TestCheckFollowsLoads(t *testing.T) {
	dir := writeRecipe(t, map[string]string{
		"a.star":       `load("b.star", "x")`,
		"b.star":       "load(\"a.star\", \"y\")\nx = 1\n",
		"stdlib.star":  `load("@stdlib//nosuch.star", "x")`,
		"missing.star": `load("gone.star", "x")`,
		"ok.star":      "load(\"@stdlib//util.star\", \"table\")\nprint(table([]))\n",
	})
	tests := []struct{ file, want string }{
		{"a.star", "cycle in load graph"},
		{"stdlib.star", "stdlib.star:1:6: cannot load @stdlib//nosuch.star"},
		{"missing.star", "missing.star:1:6: cannot load gone.star"},
		{"ok.star", ""},
	}
	for _, tc := range tests {
		err := lang.Check(filepath.Join(dir, tc.file))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Check(%s) = %v, want no error", tc.file, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Check(%s) = %v, want an error containing %q", tc.file, err, tc.want)
		}
	}
}

func TestInterruptNamesPosition(t *testing.T) {
	dir := writeRecipe(t, map[string]string{"main.star": "x = 0\nwhile True:\n    x += 1\n"})
	_, err := run(t, dir, lang.Options{Timeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "main.star:") || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("error = %v, want the timeout with a main.star position", err)
	}
}

func TestInterruptedBuiltinNamesTheCause(t *testing.T) {
	// ssl.train returns the context's error when the deadline stops it; the
	// report names --timeout rather than "context deadline exceeded".
	src := "m = ssl.train(method = \"dgi\", graph = graph.karate_club(), epochs = 100000000, patience = 0, hidden = [4])\n"
	dir := writeRecipe(t, map[string]string{"main.star": src})
	_, err := run(t, dir, lang.Options{Timeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("got no error, want a timeout")
	}
	var re *lang.RunError
	if !errors.As(err, &re) {
		t.Fatalf("error %T %v, want a *lang.RunError", err, err)
	}
	text := re.Msg + "\n" + re.Backtrace
	if strings.Contains(text, "context deadline exceeded") || !strings.Contains(re.Backtrace, "timed out after --timeout 300ms while running ssl.train") {
		t.Errorf("report %q, want the --timeout cause named and no \"context deadline exceeded\"", text)
	}
}

func TestFailedWriteNamesTheOutFolder(t *testing.T) {
	// Writing a file onto a folder fails inside the staging folder; the
	// error names the --out folder the user gave.
	src := "io.write_text(\"sub/x.txt\", \"a\")\nio.write_text(\"sub\", \"b\")\n"
	dir := writeRecipe(t, map[string]string{"main.star": src})
	out := filepath.Join(t.TempDir(), "out")
	_, err := run(t, dir, lang.Options{OutDir: out})
	if err == nil {
		t.Fatal("got no error, want one for writing onto a folder")
	}
	if text := err.Error(); !strings.Contains(text, filepath.Join(out, "sub")+": it is a folder") || strings.Contains(text, ".pare-") {
		t.Errorf("error %q, want it to name %s and no staging folder", text, filepath.Join(out, "sub"))
	}
}

func TestRunJSONNamesWrittenInputsByOutFolder(t *testing.T) {
	// A file the run writes and reads back is an input; run.json names it
	// where it ends up, not in the staging folder.
	src := "p = io.write_text(\"notes.txt\", \"hi\")\nprint(io.read_text(p))\n"
	dir := writeRecipe(t, map[string]string{"main.star": src})
	out := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, dir, lang.Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), ".pare-") || !strings.Contains(string(raw), filepath.Join("out", "notes.txt")) {
		t.Errorf("run.json = %s, want notes.txt under the --out folder and no staging path", raw)
	}
}

func TestSignalInterruptNamesTheSignal(t *testing.T) {
	// main.go cancels runs through signal.NotifyContext, whose cause reads
	// "<signal> signal received". Ctrl-C reads "interrupted"; other
	// signals are named.
	tests := []struct {
		cause, want string
	}{
		{"interrupt signal received", "interrupted while running ssl.train"},
		{"terminated signal received", "interrupted by signal: terminated while running ssl.train"},
	}
	src := "m = ssl.train(method = \"dgi\", graph = graph.karate_club(), epochs = 100000000, patience = 0, hidden = [4])\n"
	dir := writeRecipe(t, map[string]string{"main.star": src})
	for _, tc := range tests {
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(500*time.Millisecond, func() { cancel(errors.New(tc.cause)) })
		_, err := lang.Run(ctx, lang.Options{Recipe: filepath.Join(dir, "main.star"), Stdout: io.Discard, Stderr: io.Discard})
		var re *lang.RunError
		if !errors.As(err, &re) {
			t.Fatalf("%s: error %T %v, want a *lang.RunError", tc.cause, err, err)
		}
		if re.Msg != tc.want || strings.Contains(re.Backtrace, "context canceled") {
			t.Errorf("%s: message %q and backtrace %q, want %q and no \"context canceled\"", tc.cause, re.Msg, re.Backtrace, tc.want)
		}
	}
}

func TestRunJSONRecordsResolvedEvaluateOptions(t *testing.T) {
	src := "m = ssl.train(method = \"dgi\", graph = graph.karate_club(), epochs = 2, hidden = [4])\n" +
		"ssl.evaluate(m, protocol = \"kmeans_nmi\", seed = 3)\n"
	dir := writeRecipe(t, map[string]string{"main.star": src})
	out := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, dir, lang.Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	settings, _ := readJSON(t, filepath.Join(out, "run.json"))["settings"].(map[string]any)
	got, _ := settings["ssl.evaluate"].(map[string]any)
	options, _ := got["options"].(map[string]any)
	if got["protocol"] != "kmeans_nmi" {
		t.Errorf("run.json ssl.evaluate protocol = %v, want kmeans_nmi", got["protocol"])
	}
	// runs was not passed, so the recorded value is the default.
	if options["runs"] != float64(10) {
		t.Errorf("run.json ssl.evaluate runs = %v, want the default 10", options["runs"])
	}
	if options["seed"] != float64(3) {
		t.Errorf("run.json ssl.evaluate seed = %v, want 3", options["seed"])
	}
}
