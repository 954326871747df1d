package store

import "pare/ops/tensor"

// The conversions below are the tensor package's, under the names store's
// callers already use; the tests in half_test.go check them exhaustively
// and against NumPy.

// HalfToFloat32 widens an IEEE 754 binary16 value (sign, 5 exponent bits, 10
// mantissa bits) exactly to float32, including subnormals, infinities and NaN.
func HalfToFloat32(h uint16) float32 { return tensor.F16ToFloat32(h) }

// Float32ToHalf rounds f to the nearest binary16 value, ties to even.
// Values beyond the half range become infinities; NaN stays NaN.
func Float32ToHalf(f float32) uint16 { return tensor.Float32ToF16(f) }

// BFloat16ToFloat32 widens a bfloat16 value (the top 16 bits of a float32)
// exactly.
func BFloat16ToFloat32(h uint16) float32 { return tensor.BF16ToFloat32(h) }

// Float32ToBFloat16 rounds f to the nearest bfloat16 value, ties to even.
// NaN stays NaN.
func Float32ToBFloat16(f float32) uint16 { return tensor.Float32ToBF16(f) }
