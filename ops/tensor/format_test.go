package tensor

import (
	"math"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ar, _ := Arange(0, 2000, 1)
	cube, _ := Arange(0, 8, 1)
	cube, _ = cube.Reshape(2, 2, 2)
	big, _ := Arange(0, 1200, 1)
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
		{"summarized vector", ar, "tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])"},
		{"summarized matrix", big, "tensor([[   0.,    1.,    2., ...,   27.,   28.,   29.],\n" +
			"        [  30.,   31.,   32., ...,   57.,   58.,   59.],\n" +
			"        [  60.,   61.,   62., ...,   87.,   88.,   89.],\n" +
			"        ...,\n" +
			"        [1110., 1111., 1112., ..., 1137., 1138., 1139.],\n" +
			"        [1140., 1141., 1142., ..., 1167., 1168., 1169.],\n" +
			"        [1170., 1171., 1172., ..., 1197., 1198., 1199.]])"},
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
