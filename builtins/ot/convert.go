package ot

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"

	btensor "pare/builtins/tensor"
	"pare/ops/ot"
	"pare/ops/tensor"
)

// floats64 reads a tensor, a number or a nested list of numbers as float64
// values with their shape. Lists are read directly in float64, so costs
// typed into a recipe keep their precision; tensors are float32 already.
func floats64(v starlark.Value) ([]float64, []int, error) {
	switch v.(type) {
	case *starlark.List, starlark.Tuple:
		var data []float64
		var shape []int
		if err := readNested(v, 0, &shape, &data); err != nil {
			return nil, nil, err
		}
		return data, shape, nil
	}
	t, err := btensor.FromValue(v)
	if err != nil {
		return nil, nil, err
	}
	src := t.Contiguous().Data()
	data := make([]float64, len(src))
	for i, x := range src {
		data[i] = float64(x)
	}
	return data, append([]int(nil), t.Shape()...), nil
}

func readNested(v starlark.Value, depth int, shape *[]int, data *[]float64) error {
	seq, ok := v.(starlark.Indexable)
	_, isString := v.(starlark.String)
	if !ok || isString {
		f, ok := starlark.AsFloat(v)
		if !ok {
			if b, isBool := v.(starlark.Bool); isBool {
				f, ok = 0, true
				if b {
					f = 1
				}
			}
		}
		if !ok {
			return fmt.Errorf("got %s inside a list, want a number", v.Type())
		}
		if depth != len(*shape) {
			return fmt.Errorf("got a ragged nested list, want a rectangular one")
		}
		*data = append(*data, f)
		return nil
	}
	n := seq.Len()
	if depth == len(*shape) {
		if len(*data) > 0 {
			return fmt.Errorf("got a ragged nested list, want a rectangular one")
		}
		*shape = append(*shape, n)
	} else if depth > len(*shape) || (*shape)[depth] != n {
		return fmt.Errorf("got a ragged nested list, want a rectangular one")
	}
	for i := 0; i < n; i++ {
		if err := readNested(seq.Index(i), depth+1, shape, data); err != nil {
			return err
		}
	}
	return nil
}

// matrixArg reads a 2-D argument.
func matrixArg(fn *starlark.Builtin, param string, v starlark.Value) (ot.Matrix, error) {
	data, shape, err := floats64(v)
	if err != nil {
		return ot.Matrix{}, fmt.Errorf("%s: %s: %v", fn.Name(), param, err)
	}
	if len(shape) != 2 {
		return ot.Matrix{}, fmt.Errorf("%s: %s: got shape %v, want a 2-D matrix", fn.Name(), param, shape)
	}
	return ot.Matrix{Rows: shape[0], Cols: shape[1], Data: data}, nil
}

// vectorArg reads a 1-D argument; None or an empty list gives the uniform
// vector of length n, as POT does for a and b.
func vectorArg(fn *starlark.Builtin, param string, v starlark.Value, n int) ([]float64, error) {
	if v == starlark.None {
		return ot.Unif(n), nil
	}
	data, shape, err := floats64(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %v", fn.Name(), param, err)
	}
	if len(shape) == 1 && shape[0] == 0 {
		return ot.Unif(n), nil
	}
	if len(shape) != 1 {
		return nil, fmt.Errorf("%s: %s: got shape %v, want a 1-D vector", fn.Name(), param, shape)
	}
	return data, nil
}

// wrapMatrix returns m as a float32 tensor.
func wrapMatrix(m ot.Matrix) starlark.Value {
	return btensor.Wrap(tensor.MustFromSlice(to32(m.Data), m.Rows, m.Cols))
}

// wrapVector returns x as a 1-D float32 tensor.
func wrapVector(x []float64) starlark.Value {
	return btensor.Wrap(tensor.MustFromSlice(to32(x), len(x)))
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func intList(x []int) *starlark.List {
	out := make([]starlark.Value, len(x))
	for i, v := range x {
		out[i] = starlark.MakeInt(v)
	}
	return starlark.NewList(out)
}

func floatList(x []float64) *starlark.List {
	out := make([]starlark.Value, len(x))
	for i, v := range x {
		out[i] = starlark.Float(v)
	}
	return starlark.NewList(out)
}

// positiveInt checks an iteration cap.
func positiveInt(fn *starlark.Builtin, param string, v int) error {
	if v <= 0 {
		return fmt.Errorf("%s: %s: got %d, want an int > 0", fn.Name(), param, v)
	}
	return nil
}

// positiveFloat checks a threshold or regularization.
func positiveFloat(fn *starlark.Builtin, param string, v float64) error {
	if !(v > 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%s: %s: got %g, want a finite float > 0", fn.Name(), param, v)
	}
	return nil
}
