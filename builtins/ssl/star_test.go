package ssl_test

import (
	"testing"

	_ "pare/builtins/ssl"
	"pare/lang/startest"
)

func TestStarFiles(t *testing.T) {
	startest.RunDir(t, "testdata")
}
