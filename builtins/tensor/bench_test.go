package tensor

import (
	"testing"
	"time"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

// starlarkLoop compiles a Starlark function run(n) that evaluates body n
// times, with x and y bound to 16-element tensors.
func starlarkLoop(tb testing.TB, body string) (*starlark.Thread, starlark.Value) {
	src := `
x = tensor.arange(16)
y = tensor.ones([16])
def run(n):
    for _ in range(n):
        ` + body + `
`
	thread := &starlark.Thread{Name: "bench"}
	predeclared := starlark.StringDict{
		"tensor": host.Lookup("tensor").Value(),
		"noop": starlark.NewBuiltin("noop", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}),
	}
	globals, err := starlark.ExecFileOptions(dialect, thread, "bench.star", src, predeclared)
	if err != nil {
		tb.Fatal(err)
	}
	return thread, globals["run"]
}

// benchStarlark runs body b.N times inside a Starlark loop. The time per
// iteration is the whole cost of one call from Starlark: argument
// unpacking, the kernel, the result's allocation and the loop itself.
func benchStarlark(b *testing.B, body string) {
	thread, run := starlarkLoop(b, body)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := starlark.Call(thread, run, starlark.Tuple{starlark.MakeInt(b.N)}, nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStarlarkNoop is the floor: the same loop calling a builtin that
// does nothing.
func BenchmarkStarlarkNoop(b *testing.B)        { benchStarlark(b, "noop(x, y)") }
func BenchmarkStarlarkAdd16(b *testing.B)       { benchStarlark(b, "tensor.add(x, y)") }
func BenchmarkStarlarkPlus16(b *testing.B)      { benchStarlark(b, "x + y") }
func BenchmarkStarlarkExp16(b *testing.B)       { benchStarlark(b, "tensor.exp(x)") }
func BenchmarkStarlarkSumMethod16(b *testing.B) { benchStarlark(b, "x.sum()") }

// BenchmarkStarlarkCallsMin16 times batches of 2000 calls of each body,
// interleaved, and reports the fastest batch of each as ns per call. On a
// machine shared with other work the minimum is the figure least disturbed
// by other processes.
func BenchmarkStarlarkCallsMin16(b *testing.B) {
	bodies := []struct{ metric, body string }{
		{"noop-ns", "noop(x, y)"},
		{"add-ns", "tensor.add(x, y)"},
		{"plus-ns", "x + y"},
		{"exp-ns", "tensor.exp(x)"},
		{"sum-method-ns", "x.sum()"},
	}
	const batch = 2000
	type loop struct {
		thread *starlark.Thread
		run    starlark.Value
		best   time.Duration
	}
	loops := make([]*loop, len(bodies))
	for i, c := range bodies {
		thread, run := starlarkLoop(b, c.body)
		loops[i] = &loop{thread: thread, run: run}
	}
	for b.Loop() {
		for _, l := range loops {
			start := time.Now()
			if _, err := starlark.Call(l.thread, l.run, starlark.Tuple{starlark.MakeInt(batch)}, nil); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); l.best == 0 || d < l.best {
				l.best = d
			}
		}
	}
	for i, c := range bodies {
		b.ReportMetric(float64(loops[i].best.Nanoseconds())/batch, c.metric)
	}
}
