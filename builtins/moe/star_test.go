package moe_test

import (
	"testing"

	_ "pare/builtins/moe"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
