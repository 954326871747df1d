package plot_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	_ "pare/builtins/plot"
	"pare/lang"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}

// TestNoOutSkipsFigure checks that without --out a relative figure path is
// skipped with a note and None. An absolute path outside the write roots
// is still rejected.
func TestNoOutSkipsFigure(t *testing.T) {
	tests := []struct {
		src, wantNote, wantErr string
	}{
		{`r = plot.line("a.png", {"y": [1, 2, 3]})`, "plot.line: a.png not written: run with --out DIR", ""},
		{`r = plot.scatter("b.svg", {"p": ([0, 1], [1, 0])})`, "plot.scatter: b.svg not written", ""},
		{`r = plot.bars("c.png", ["x", "y"], {"s": [1, 2]})`, "plot.bars: c.png not written", ""},
		{`r = plot.line("/tmp/pare-plot-test.png", {"y": [1]})`, "", "writing /tmp/pare-plot-test.png is not allowed"},
		{`r = plot.line("a.png", {"y": "oops"})`, "", `series\[y\]`},
		{`r = plot.line("a.jpg", {"y": [1]})`, "", `unsupported extension ".jpg"`},
	}
	for _, tc := range tests {
		var stderr bytes.Buffer
		s := host.NewSession(context.Background())
		s.Stderr = &stderr
		thread := &starlark.Thread{}
		s.Attach(thread)
		globals, err := starlark.ExecFileOptions(lang.FileOptions, thread, "t.star", tc.src, lang.Universe())
		if tc.wantErr != "" {
			if err == nil || !regexp.MustCompile(tc.wantErr).MatchString(err.Error()) {
				t.Errorf("%s: error %v, want one matching %q", tc.src, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if globals["r"] != starlark.None || !strings.Contains(stderr.String(), tc.wantNote) {
			t.Errorf("%s: returned %v and printed %q, want None and %q", tc.src, globals["r"], stderr.String(), tc.wantNote)
		}
	}
}
