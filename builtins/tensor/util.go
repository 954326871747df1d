package tensor

import (
	"sort"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

func sortStrings(xs []string) { sort.Strings(xs) }

// opErr reports an ops error under the builtin's name.
func opErr(fn *starlark.Builtin, err error) error {
	return host.Errorf(fn, "%s", trimPrefix(err))
}
