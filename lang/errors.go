package lang

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// ErrorText formats an error for a user: the Starlark backtrace with
// file:line:col when there is one, and the builtin's name written once
// (go.starlark.net writes "Error in f: " before messages that already start
// with "f: ").
func ErrorText(err error) string {
	text := err.Error()
	if ee, ok := err.(*starlark.EvalError); ok {
		text = ee.Backtrace()
	}
	return dedupeBuiltinName(shortenBacktrace(text))
}

// maxFrames bounds the call frames printed for one error; endless recursion
// would otherwise print one line per frame.
const maxFrames = 40

// shortenBacktrace keeps the first and last frames of a long traceback and
// reports how many were left out.
func shortenBacktrace(text string) string {
	lines := strings.Split(text, "\n")
	if len(lines) <= maxFrames+2 {
		return text
	}
	head := lines[:1+maxFrames/2]
	tail := lines[len(lines)-1-maxFrames/2:]
	omitted := len(lines) - len(head) - len(tail)
	out := append(append([]string{}, head...), fmt.Sprintf("  ... %d more frames ...", omitted))
	return strings.Join(append(out, tail...), "\n")
}

func dedupeBuiltinName(text string) string {
	const marker = "Error in "
	i := strings.LastIndex(text, marker)
	if i < 0 {
		return text
	}
	rest := text[i+len(marker):]
	name, msg, ok := strings.Cut(rest, ": ")
	if !ok || !strings.HasPrefix(msg, name+": ") {
		return text
	}
	return text[:i] + "Error: " + msg
}
