package lang

import (
	"strings"

	"go.starlark.net/starlark"
)

// ErrorText formats an error for a user: the Starlark backtrace with
// file:line:col when there is one, and the builtin's name said once
// (go.starlark.net writes "Error in f: " before messages that already start
// with "f: ").
func ErrorText(err error) string {
	text := err.Error()
	if ee, ok := err.(*starlark.EvalError); ok {
		text = ee.Backtrace()
	}
	return dedupeBuiltinName(text)
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
