package llm_test

import (
	"testing"

	_ "pare/builtins/llm"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
