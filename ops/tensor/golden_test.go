package tensor

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// goldenArray is one array of numpy_golden.json.
type goldenArray struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (g goldenArray) tensor() *Tensor {
	t := New(g.Shape...)
	for i, v := range g.Data {
		t.data[i] = float32(v)
	}
	return t
}

type goldenCase struct {
	Op       string         `json:"op"`
	Params   map[string]any `json:"params"`
	Inputs   []goldenArray  `json:"inputs"`
	Expected goldenArray    `json:"expected"`
}

// axesParam reads the "axis" parameter: null, an int or a list of ints.
func (c goldenCase) axesParam() []int {
	switch v := c.Params["axis"].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		out := make([]int, len(v))
		for i, x := range v {
			out[i] = int(x.(float64))
		}
		return out
	}
	return nil
}

func (c goldenCase) intParam(name string) int {
	v, _ := c.Params[name].(float64)
	return int(v)
}

func (c goldenCase) boolParam(name string) bool {
	v, _ := c.Params[name].(bool)
	return v
}

// run computes the case with ops/tensor.
func (c goldenCase) run() (*Tensor, error) {
	in := make([]*Tensor, len(c.Inputs))
	for i, g := range c.Inputs {
		in[i] = g.tensor()
	}
	axes, keep := c.axesParam(), c.boolParam("keepdims")
	axis := 0
	if len(axes) == 1 {
		axis = axes[0]
	}
	first := func(v, _ *Tensor, err error) (*Tensor, error) { return v, err }
	second := func(_, i *Tensor, err error) (*Tensor, error) { return i, err }
	switch c.Op {
	case "sum":
		return Sum(in[0], axes, keep)
	case "mean":
		return Mean(in[0], axes, keep)
	case "max":
		return Max(in[0], axes, keep)
	case "min":
		return Min(in[0], axes, keep)
	case "logsumexp":
		return LogSumExp(in[0], axes, keep)
	case "var":
		return Var(in[0], axes, c.intParam("ddof"), keep)
	case "std":
		return Std(in[0], axes, c.intParam("ddof"), keep)
	case "argmax":
		return Argmax(in[0], axes, false)
	case "argmin":
		return Argmin(in[0], axes, false)
	case "norm":
		return Norm(in[0], float64(c.intParam("ord")), axes, false)
	case "softmax":
		return Softmax(in[0], axis)
	case "log_softmax":
		return LogSoftmax(in[0], axis)
	case "cumsum":
		return Cumsum(in[0], axis)
	case "sort":
		return first(Sort(in[0], axis, false))
	case "argsort":
		return second(Sort(in[0], axis, false))
	case "matmul":
		return Matmul(in[0], in[1])
	case "add":
		return Add(in[0], in[1])
	case "sub":
		return Sub(in[0], in[1])
	case "mul":
		return Mul(in[0], in[1])
	case "div":
		return Div(in[0], in[1])
	case "pow":
		return Pow(in[0], in[1])
	case "maximum":
		return Maximum(in[0], in[1])
	case "exp":
		return Exp(in[0]), nil
	case "tanh":
		return Tanh(in[0]), nil
	case "sigmoid":
		return Sigmoid(in[0]), nil
	case "silu":
		return Silu(in[0]), nil
	case "gelu":
		return Gelu(in[0], false), nil
	case "abs":
		return Abs(in[0]), nil
	case "linspace":
		return Linspace(-1.5, 2.0, 7, true)
	case "arange":
		return Arange(0.5, 3.0, 0.3)
	}
	return nil, fmt.Errorf("unknown op %q", c.Op)
}

// TestNumPyGolden compares ops with NumPy 1.24 and SciPy 1.10 results
// computed in float64 by bench/tensor_numpy_golden.py.
func TestNumPyGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/numpy_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 100 {
		t.Fatalf("numpy_golden.json has %d cases, want at least 100", len(file.Cases))
	}
	for i, c := range file.Cases {
		got, err := c.run()
		if err != nil {
			t.Errorf("case %d %s %v: %v", i, c.Op, c.Params, err)
			continue
		}
		name := fmt.Sprintf("case %d %s %v", i, c.Op, c.Params)
		if !sameShape(got.Shape(), c.Expected.Shape) {
			t.Errorf("%s: shape: got %v, want %v", name, got.Shape(), c.Expected.Shape)
			continue
		}
		data := got.Data()
		for j, want := range c.Expected.Data {
			if !closeTo(float64(data[j]), want, 2e-6) {
				t.Errorf("%s: element %d: got %v, want %v", name, j, data[j], want)
				break
			}
		}
	}
}
