package tensor

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// DefaultSeed seeds the generator of a run that sets no seed.
const DefaultSeed = 0

// rngStream is the second PCG seed word, fixed so that one int seeds a
// generator.
const rngStream = 0x9e3779b97f4a7c15

// RNG is the generator behind every random tensor: PCG-DXSM from Go's
// math/rand/v2 seeded with (seed, rngStream). Only its raw 64-bit outputs
// are used, and the conversions to floats, normals and bounded ints are
// defined here. So a seed gives the same numbers on every machine and Go
// release, up to the rounding noted at Normal.
// An RNG is not safe for concurrent use.
type RNG struct {
	src      *rand.PCG
	spare    float64 // second Box-Muller normal, valid when hasSpare
	hasSpare bool
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG { return &RNG{src: rand.NewPCG(seed, rngStream)} }

// Uint64 returns 64 uniformly random bits.
func (r *RNG) Uint64() uint64 { return r.src.Uint64() }

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Float32 returns a uniform value in [0, 1) with 24 random bits.
func (r *RNG) Float32() float32 { return float32(r.Uint64()>>40) / (1 << 24) }

// Normal returns a standard normal value by the Box-Muller transform, using
// both values of each pair.
// NOTE: the transform calls math.Log, Sqrt, Cos and Sin, so a platform whose
// float64 results differ in the last bit could, rarely, round a float32
// differently.
func (r *RNG) Normal() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	u1 := 1 - r.Float64() // in (0, 1], so the log is finite
	u2 := r.Float64()
	radius := math.Sqrt(-2 * math.Log(u1))
	angle := 2 * math.Pi * u2
	r.spare, r.hasSpare = radius*math.Sin(angle), true
	return radius * math.Cos(angle)
}

// Uint64n returns a uniform value in [0, n) without modulo bias (Lemire's
// multiply-and-reject method, arXiv:1805.10941). n must be positive.
func (r *RNG) Uint64n(n uint64) uint64 {
	for {
		hi, lo := bits.Mul64(r.Uint64(), n)
		if lo >= n || lo >= -n%n {
			return hi
		}
	}
}

// Rand returns a tensor of uniform values in [0, 1).
func Rand(r *RNG, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.data {
		t.data[i] = r.Float32()
	}
	return t
}

// Randn returns a tensor of standard normal values.
func Randn(r *RNG, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.data {
		t.data[i] = float32(r.Normal())
	}
	return t
}

// RandInt returns a tensor of uniform integers in [low, high). The bound
// is limited to 2^24 in magnitude so every integer is exact in float32.
func RandInt(r *RNG, low, high int, shape ...int) (*Tensor, error) {
	if high <= low {
		return nil, fmt.Errorf("tensor: randint range [%d, %d) is empty; want low < high", low, high)
	}
	if low < -1<<24 || high > 1<<24 {
		return nil, fmt.Errorf("tensor: randint range [%d, %d) leaves [-2^24, 2^24], where float32 stops holding every integer", low, high)
	}
	t := New(shape...)
	span := uint64(high - low)
	for i := range t.data {
		t.data[i] = float32(low + int(r.Uint64n(span)))
	}
	return t, nil
}

// Permutation returns a random ordering of 0, ..., n-1 (Fisher-Yates).
func Permutation(r *RNG, n int) (*Tensor, error) {
	if n < 0 || n > 1<<24 {
		return nil, fmt.Errorf("tensor: permutation of %d; want 0 <= n <= 2^24 so that indices are exact in float32", n)
	}
	t := New(n)
	for i := range t.data {
		t.data[i] = float32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := int(r.Uint64n(uint64(i + 1)))
		t.data[i], t.data[j] = t.data[j], t.data[i]
	}
	return t, nil
}
