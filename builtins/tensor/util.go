package tensor

import (
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

func sortStrings(xs []string) { sort.Strings(xs) }

// opErr reports an ops error under the builtin's name, dropping the ops
// prefixes ("tensor: ", "matmul: ") that the builtin's name replaces.
func opErr(fn *starlark.Builtin, err error) error {
	msg := trimPrefix(err)
	short := strings.TrimPrefix(fn.Name(), "tensor.")
	msg = strings.TrimPrefix(msg, short+": ")
	return host.Errorf(fn, "%s", msg)
}
