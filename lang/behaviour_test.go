package lang_test

import (
	"testing"

	"pare/lang/startest"
)

func TestHostBehaviour(t *testing.T) {
	startest.RunDir(t, "testdata/behaviour")
}
