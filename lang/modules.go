package lang

// Each binding package registers its Starlark module in an init function;
// importing it here makes the module predeclared in every recipe.
import (
	_ "pare/builtins/data"
	_ "pare/builtins/graph"
	_ "pare/builtins/io"
	_ "pare/builtins/kg"
	_ "pare/builtins/llm"
	_ "pare/builtins/moe"
	_ "pare/builtins/nn"
	_ "pare/builtins/ot"
	_ "pare/builtins/plot"
	_ "pare/builtins/prune"
	_ "pare/builtins/ssl"
	_ "pare/builtins/tensor"
)
