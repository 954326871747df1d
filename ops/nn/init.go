package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pare/ops/tensor"
)

// Fans returns fan-in and fan-out of a weight shape as PyTorch computes
// them: for a matrix stored [in, out] (pare's Linear layout) fan-in is
// shape[0]; higher ranks multiply the trailing receptive-field size in.
func Fans(shape []int) (fanIn, fanOut int, err error) {
	switch len(shape) {
	case 0, 1:
		return 0, 0, fmt.Errorf("nn: fans need a shape of rank >= 2, got %s", tensor.ShapeString(shape))
	case 2:
		return shape[0], shape[1], nil
	}
	field := 1
	for _, d := range shape[2:] {
		field *= d
	}
	// Convolution layout [out, in, k...] as in PyTorch.
	return shape[1] * field, shape[0] * field, nil
}

func fill(t *tensor.Tensor, f func() float64) {
	d := t.Data()
	for i := range d {
		d[i] = float32(f())
	}
}

// Uniform fills t with samples from U(−bound, bound).
func Uniform(t *tensor.Tensor, bound float64, rng *rand.Rand) {
	fill(t, func() float64 { return (2*rng.Float64() - 1) * bound })
}

// Normal fills t with samples from N(0, std²).
func Normal(t *tensor.Tensor, std float64, rng *rand.Rand) {
	fill(t, func() float64 { return rng.NormFloat64() * std })
}

// XavierUniform fills t from U(−b, b) with b = gain·√(6 / (fanIn + fanOut))
// (Glorot and Bengio, AISTATS 2010).
func XavierUniform(t *tensor.Tensor, gain float64, rng *rand.Rand) error {
	in, out, err := Fans(t.Shape())
	if err != nil {
		return err
	}
	Uniform(t, gain*math.Sqrt(6/float64(in+out)), rng)
	return nil
}

// XavierNormal fills t from N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
func XavierNormal(t *tensor.Tensor, gain float64, rng *rand.Rand) error {
	in, out, err := Fans(t.Shape())
	if err != nil {
		return err
	}
	Normal(t, gain*math.Sqrt(2/float64(in+out)), rng)
	return nil
}

// KaimingUniform fills t from U(−b, b) with b = √(6 / ((1 + a²)·fanIn)),
// the leaky-ReLU gain of He et al. (arXiv:1502.01852) with negative slope
// a, scaled by fan-in.
func KaimingUniform(t *tensor.Tensor, a float64, rng *rand.Rand) error {
	in, _, err := Fans(t.Shape())
	if err != nil {
		return err
	}
	Uniform(t, math.Sqrt(6/((1+a*a)*float64(in))), rng)
	return nil
}

// KaimingNormal fills t from N(0, σ²) with σ = √(2 / ((1 + a²)·fanIn)).
func KaimingNormal(t *tensor.Tensor, a float64, rng *rand.Rand) error {
	in, _, err := Fans(t.Shape())
	if err != nil {
		return err
	}
	Normal(t, math.Sqrt(2/((1+a*a)*float64(in))), rng)
	return nil
}
