package ot_test

import (
	"testing"

	_ "pare/builtins/ot"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
