package repl

import (
	"bytes"
	"strings"
	"testing"
)

func TestPipedSession(t *testing.T) {
	tests := []struct {
		name, input, wantOut, wantErr string
		fails                         bool
	}{
		{"issue example", "print(tensor.ones([2, 2]).sum())\n", "4.0\n", "", false},
		{"expression value", "x = [1, 2]\nx\n", "[1, 2]\n", "", false},
		{"multi-line block", "def f(a):\n    return a * 2\n\nprint(f(3))\n", "6\n", "", false},
		{"no final newline", "print(1 + 1)", "2\n", "", false},
		{"block ended by a statement", "x = 1\nif x:\n    x = 2\nx = 3\nprint(x)\n", "3\n", "", false},
		{"else after a block", "if False:\n    y = 5\nelse:\n    y = 6\nprint(y)\n", "6\n", "", false},
		{"nested blocks, no blank lines", "def f(a):\n    if a:\n        return 1\n    return 2\nprint(f(0), f(1))\nprint(\"end\")", "2 1\nend\n", "", false},
		{"bracket continuation at column 0", "x = [\n1,\n2]\nprint(x)\n", "[1, 2]\n", "", false},
		{"error keeps session", "undefined_name\nprint(\"after\")\n", "after\n", "undefined: undefined_name", true},
		{"doc command", ":doc tensor.ones\n", "tensor.ones(shape", "", false},
		{"unknown command", ":nope\n", "", "unknown command :nope", true},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		err := Run(strings.NewReader(tc.input), &out, &errOut)
		if (err != nil) != tc.fails {
			t.Errorf("%s: Run error = %v, want failure %v", tc.name, err, tc.fails)
		}
		if !strings.Contains(out.String(), tc.wantOut) {
			t.Errorf("%s: stdout = %q, want it to contain %q", tc.name, out.String(), tc.wantOut)
		}
		if !strings.Contains(errOut.String(), tc.wantErr) {
			t.Errorf("%s: stderr = %q, want it to contain %q", tc.name, errOut.String(), tc.wantErr)
		}
	}
}
