package tensor

import (
	"testing"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

// benchStarlark runs body b.N times inside a Starlark loop, with x and y
// bound to 16-element tensors. The time per iteration is the whole cost of
// one call from Starlark: argument unpacking, the kernel, the result's
// allocation and the loop itself.
func benchStarlark(b *testing.B, body string) {
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
		b.Fatal(err)
	}
	run := globals["run"]
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := starlark.Call(thread, run, starlark.Tuple{starlark.MakeInt(b.N)}, nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStarlarkNoop is the floor: the same loop calling a builtin that
// does nothing.
func BenchmarkStarlarkNoop(b *testing.B) { benchStarlark(b, "noop(x, y)") }

func BenchmarkStarlarkAdd16(b *testing.B)       { benchStarlark(b, "tensor.add(x, y)") }
func BenchmarkStarlarkPlus16(b *testing.B)      { benchStarlark(b, "x + y") }
func BenchmarkStarlarkExp16(b *testing.B)       { benchStarlark(b, "tensor.exp(x)") }
func BenchmarkStarlarkSumMethod16(b *testing.B) { benchStarlark(b, "x.sum()") }
