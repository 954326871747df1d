package prune_test

import (
	"testing"

	_ "pare/builtins/prune"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
