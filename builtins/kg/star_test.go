package kg_test

import (
	"testing"

	_ "pare/builtins/kg"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
