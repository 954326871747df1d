package lang_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"pare/lang"
)

// TestInteractiveInterruptKeepsSession interrupts a long builtin the way
// the REPL's Ctrl-C handler does, then runs another statement.
func TestInteractiveInterruptKeepsSession(t *testing.T) {
	in, err := lang.NewInteractive(io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(src string) (string, error) {
		done := false
		f, err := in.Parse(func() ([]byte, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			return []byte(src + "\n"), nil
		})
		if err != nil {
			t.Fatalf("parse %q: %v", src, err)
		}
		v, err := in.Exec(f)
		if v == nil {
			return "", err
		}
		return v.String(), err
	}

	timer := time.AfterFunc(500*time.Millisecond, in.Interrupt)
	defer timer.Stop()
	_, err = exec(`ssl.train(method = "dgi", graph = graph.karate_club(), epochs = 100000000, patience = 0, hidden = [4])`)
	text := ""
	if err != nil {
		text = lang.ErrorText(err)
	}
	if !strings.Contains(text, "Error in ssl.train: interrupted") || strings.Contains(text, "context canceled") {
		t.Errorf("interrupted statement reported %q, want \"Error in ssl.train: interrupted\"", text)
	}
	if got, err := exec("1 + 2"); err != nil || got != "3" {
		t.Errorf("statement after the interrupt: %q, %v; want 3", got, err)
	}
}
