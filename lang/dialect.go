// Package lang is pare's Starlark host: the dialect, predeclared modules,
// load() resolution, the sandbox, limits, cancellation, recipe parameters,
// and the metrics.json and run.json records of a run.
package lang

import (
	"go.starlark.net/lib/json"
	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"pare/builtins/host"
)

// FileOptions is pare's dialect: recipes are programs, so sets, while
// loops, top-level control flow, global reassignment and recursion are on.
var FileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

// Universe returns the predeclared names available to every file, apart from the
// per-run params and report builtins: the registered modules, struct,
// math and json.
func Universe() starlark.StringDict {
	u := starlark.StringDict{
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
		"math":   math.Module,
		"json":   json.Module,
	}
	for _, m := range host.Modules() {
		u[m.Name] = m.Value()
	}
	return u
}

// predeclaredNames lists every name a file may use without defining it, for
// `pare check`.
func predeclaredNames() map[string]bool {
	names := map[string]bool{"params": true, "report": true}
	for n := range Universe() {
		names[n] = true
	}
	return names
}
