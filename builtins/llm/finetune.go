package llm

import (
	"go.starlark.net/starlark"

	"pare/builtins/host"
)

const finetuneDoc = `finetune(m, text, ...)

Fine-tune m in place on windows of text. Not available yet.`

func finetune(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return nil, host.Errorf(fn, "not implemented yet")
}
