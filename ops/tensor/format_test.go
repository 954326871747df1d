package tensor

import (
	"math"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ar, _ := Arange(1000, 3000, 1)
	wide, _ := Arange(0, 2000, 1)
	cube, _ := Arange(0, 8, 1)
	cube, _ = cube.Reshape(2, 2, 2)
	big, _ := Arange(100, 1300, 1)
	big, _ = big.Reshape(40, 30)
	cases := []struct {
		name string
		t    *Tensor
		want string
	}{
		{"scalar", Scalar(3), "tensor(3.)"},
		{"fraction scalar", Scalar(0.25), "tensor(0.2500)"},
		{"vector", MustFromSlice([]float32{1, -2, 3}, 3), "tensor([ 1., -2.,  3.])"},
		{"fractions", MustFromSlice([]float32{0.5, 1.25}, 2), "tensor([0.5000, 1.2500])"},
		{"matrix", MustFromSlice([]float32{1, 2, 3, 4}, 2, 2), "tensor([[1., 2.],\n        [3., 4.]])"},
		{"rank 3", cube, "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"},
		{"scientific", MustFromSlice([]float32{1e-5, 1}, 2), "tensor([1.0000e-05, 1.0000e+00])"},
		{"nan and inf", MustFromSlice([]float32{nan, inf, 1.5}, 3), "tensor([   nan,    inf, 1.5000])"},
		{"empty", New(0, 3), "tensor([], shape=(0, 3))"},
		{"summarized vector", ar, "tensor([1000., 1001., 1002., ..., 2997., 2998., 2999.])"},
		{"integers spanning over 10^3", wide, "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03, 1.9980e+03,\n" +
			"        1.9990e+03])"},
		{"summarized matrix", big, "tensor([[ 100.,  101.,  102., ...,  127.,  128.,  129.],\n" +
			"        [ 130.,  131.,  132., ...,  157.,  158.,  159.],\n" +
			"        [ 160.,  161.,  162., ...,  187.,  188.,  189.],\n" +
			"        ...,\n" +
			"        [1210., 1211., 1212., ..., 1237., 1238., 1239.],\n" +
			"        [1240., 1241., 1242., ..., 1267., 1268., 1269.],\n" +
			"        [1270., 1271., 1272., ..., 1297., 1298., 1299.]])"},
	}
	for _, c := range cases {
		if got := c.t.String(); got != c.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

func TestStringWrapsLongRows(t *testing.T) {
	x, _ := Arange(0, 100, 1)
	s := x.String()
	for i, line := range strings.Split(s, "\n") {
		if len(line) > printLineWidth {
			t.Errorf("line %d has %d characters, want at most %d: %q", i, len(line), printLineWidth, line)
		}
		if i > 0 && !strings.HasPrefix(line, strings.Repeat(" ", len("tensor(["))) {
			t.Errorf("line %d is not aligned under the first element: %q", i, line)
		}
	}
}
