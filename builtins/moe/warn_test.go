package moe_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	llmb "pare/builtins/llm"
	"pare/ops/llm"
)

// runMoE executes src with the moe module and the predeclared values, and
// returns the error and what the run wrote on stderr.
func runMoE(t *testing.T, src string, predeclared starlark.StringDict) (string, error) {
	t.Helper()
	var stderr bytes.Buffer
	s := host.NewSession(context.Background())
	s.Stderr = &stderr
	thread := &starlark.Thread{Name: "test"}
	s.Attach(thread)
	env := starlark.StringDict{"moe": host.Lookup("moe").Value()}
	for k, v := range predeclared {
		env[k] = v
	}
	_, err := starlark.ExecFile(thread, "test.star", src, env)
	return stderr.String(), err
}

func TestIterationCapWarns(t *testing.T) {
	dense, err := llm.NewRandom(llm.Config{Dim: 8, NLayers: 1, NHeads: 2, NKVHeads: 2, HiddenDim: 16, VocabSize: 13, MaxSeqLen: 16}, 3)
	if err != nil {
		t.Fatal(err)
	}
	model := starlark.StringDict{"dense": llmb.WrapModel(dense)}
	// Two different experts: the first mean moves X, so one iteration
	// cannot converge, and the second finds the same alignments.
	experts := `[[[1.0, 0.0], [0.0, 3.0], [4.0, 1.0]], [[2.0, 1.0], [5.0, 0.0], [0.0, 2.0]]]`
	cases := []struct {
		name, src string
		warns     bool
	}{
		{"barycenter at cap", "moe.barycenter(" + experts + ", max_iter = 1)", true},
		{"barycenter converged", "moe.barycenter(" + experts + ", max_iter = 10)", false},
		{"compress at cap", "moe.compress(moe.moefy(dense, 4).model, max_iter = 1)", true},
		{"compress converged", "moe.compress(moe.moefy(dense, 4).model, max_iter = 100)", false},
		{"compress without barycenter", "moe.compress(moe.moefy(dense, 4).model, method = \"merge_average\", max_iter = 1)", false},
	}
	for _, tc := range cases {
		stderr, err := runMoE(t, tc.src, model)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := strings.Contains(stderr, "warning: moe."); got != tc.warns {
			t.Errorf("%s: stderr %q, want a warning: %v", tc.name, stderr, tc.warns)
		}
		if tc.warns && !strings.Contains(stderr, "max_iter=1 ") {
			t.Errorf("%s: stderr %q, want it to name max_iter=1", tc.name, stderr)
		}
	}
}

// Errors read `moe.func: param: got X, want Y`, with no second package
// prefix from the ops layer.
func TestErrorsHaveOnePrefix(t *testing.T) {
	dense, err := llm.NewRandom(llm.Config{Dim: 8, NLayers: 2, NHeads: 2, NKVHeads: 2, HiddenDim: 16, VocabSize: 13, MaxSeqLen: 16}, 3)
	if err != nil {
		t.Fatal(err)
	}
	model := starlark.StringDict{"dense": llmb.WrapModel(dense)}
	cases := []struct{ src, want string }{
		{"moe.moefy(dense, 1000)", "moe.moefy: experts: got 1000, want at most 16, the hidden width of layer 0"},
		{"moe.moefy(dense, 4, layers = [5])", "moe.moefy: layers: got 5, want a layer index in [0, 2)"},
		{"moe.moefy(moe.moefy(dense, 4).model, 4)", "moe.moefy: layers: got 0, want a dense layer (layer 0 is already a MoE layer)"},
		{"moe.compress(dense)", "moe.compress: model: got a model without MoE layers"},
		{"moe.compress(moe.moefy(dense, 4).model, layers = [7])", "moe.compress: layers: got 7"},
		{"moe.compress(moe.moefy(dense, 4).model, keep = 1e-6)", "moe.compress: layer 0: expert 0: keep: got 1e-06, which keeps 0"},
		{"moe.barycenter([[[1.0]], [[1.0, 2.0]]])", "moe.barycenter: experts[1]: got 1×2"},
	}
	for _, tc := range cases {
		_, err := runMoE(t, tc.src, model)
		if err == nil {
			t.Errorf("%s: got no error, want %q", tc.src, tc.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.src, msg, tc.want)
		}
		for _, double := range []string{"llm: ", ": moe: ", "moefy: moefy"} {
			if strings.Contains(msg, double) {
				t.Errorf("%s: error %q contains the extra prefix %q", tc.src, msg, double)
			}
		}
	}
}

// moe.compress works on Mixtral checkpoints, so the loader's doc must say
// that it reads them.
func TestLoadModelDocNamesMixtral(t *testing.T) {
	b := host.Lookup("llm").Find("load_model")
	if b == nil {
		t.Fatal("llm.load_model is not registered")
	}
	if !strings.Contains(b.Doc, "Mixtral") {
		t.Errorf("llm.load_model doc does not mention Mixtral:\n%s", b.Doc)
	}
}
