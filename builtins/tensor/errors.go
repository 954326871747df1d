package tensor

import (
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
)

// opErr reports an ops error under the builtin's name, dropping the ops
// prefixes ("tensor: ", "matmul: ") that the builtin's name replaces.
func opErr(fn *starlark.Builtin, err error) error {
	msg := trimPrefix(err)
	short := strings.TrimPrefix(fn.Name(), "tensor.")
	msg = strings.TrimPrefix(msg, short+": ")
	return host.Errorf(fn, "%s", msg)
}

// trimPrefix drops the "tensor: " that ops errors start with, because the
// binding adds the builtin's own name.
func trimPrefix(err error) string {
	return strings.TrimPrefix(err.Error(), "tensor: ")
}
