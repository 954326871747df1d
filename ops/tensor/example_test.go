package tensor_test

import (
	"fmt"

	"pare/ops/tensor"
)

func ExampleMatmul() {
	a := tensor.MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.MustFromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	c, err := tensor.Matmul(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)

	// A transposed view is multiplied without copying it.
	d, _ := tensor.Matmul(a.T(), a)
	fmt.Println(d.Shape())

	_, err = tensor.Matmul(a, a)
	fmt.Println(err)
	// Output:
	// tensor([[ 4.,  5.],
	//         [10., 11.]])
	// [3 3]
	// tensor: matmul: shapes (2, 3) and (2, 3) are not aligned: 3 (dim 1) != 2 (dim 0)
}

func ExampleAdd() {
	x := tensor.MustFromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	row := tensor.MustFromSlice([]float32{10, 20, 30}, 3)
	y, _ := tensor.Add(x, row) // row broadcasts over the two rows of x
	fmt.Println(y)
	// Output:
	// tensor([[11., 22., 33.],
	//         [14., 25., 36.]])
}

func ExampleSoftmax() {
	logits := tensor.MustFromSlice([]float32{1000, 1001, 1002}, 3)
	p, _ := tensor.Softmax(logits, -1) // shifted by the maximum, so no overflow
	fmt.Println(p)
	// Output:
	// tensor([0.0900, 0.2447, 0.6652])
}

func ExampleNewRNG() {
	r := tensor.NewRNG(42)
	fmt.Println(tensor.Rand(r, 3).Shape())
	perm, _ := tensor.Permutation(tensor.NewRNG(7), 5)
	sorted, _, _ := tensor.Sort(perm, 0, false)
	fmt.Println(sorted)
	// Output:
	// [3]
	// tensor([0., 1., 2., 3., 4.])
}
