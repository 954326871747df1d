package graph_test

import (
	"testing"

	_ "pare/builtins/graph"
	_ "pare/builtins/tensor"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
