package host

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

func structOf(name string, fields starlark.StringDict) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String(name), fields)
}
