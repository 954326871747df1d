package nn_test

import (
	"testing"

	_ "pare/builtins/nn"
	"pare/lang/startest"
)

func TestBehaviour(t *testing.T) {
	startest.RunDir(t, "testdata")
}
