package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
)

// BF16ToFloat32 widens a bfloat16 (the top 16 bits of a float32) exactly.
func BF16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBF16 rounds f to the nearest bfloat16, ties to even. NaN stays a
// quiet NaN with its sign; values past the bfloat16 range become ±Inf.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// F16ToFloat32 widens an IEEE 754 binary16 value exactly, including
// subnormals, infinities and NaN.
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// A subnormal: mant·2^-24, exact in float32.
	v := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Float32ToF16 rounds f to the nearest IEEE 754 binary16, ties to even.
// Values of magnitude 65520 and above become ±Inf, values at or below 2^-25
// become ±0, and NaN stays a quiet NaN.
func Float32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}

	e := exp - 127 + 15 // the binary16 biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e >= 1 {
		h := uint32(e)<<10 | mant>>13
		rem := mant & 0x1fff
		if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
			h++ // a carry out of the mantissa raises the exponent, up to Inf
		}
		return sign | uint16(h)
	}

	// Subnormal result: shift the full significand down to units of 2^-24.
	shift := uint(14 - e)
	if shift >= 25 {
		return sign
	}
	m := mant | 0x800000
	h := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || rem == half && h&1 == 1 {
		h++
	}
	return sign | uint16(h)
}

// DecodeBF16 converts little-endian bfloat16 bytes to float32 into dst,
// which must hold len(src)/2 values.
func DecodeBF16(dst []float32, src []byte) error {
	if err := checkHalfLengths("DecodeBF16", len(dst), len(src)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = BF16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
	return nil
}

// DecodeF16 converts little-endian binary16 bytes to float32 into dst,
// which must hold len(src)/2 values.
func DecodeF16(dst []float32, src []byte) error {
	if err := checkHalfLengths("DecodeF16", len(dst), len(src)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = F16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
	return nil
}

// EncodeBF16 rounds src to bfloat16 and writes it little-endian into dst,
// which must be 2·len(src) bytes.
func EncodeBF16(dst []byte, src []float32) error {
	if err := checkHalfLengths("EncodeBF16", len(src), len(dst)); err != nil {
		return err
	}
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], Float32ToBF16(f))
	}
	return nil
}

// EncodeF16 rounds src to binary16 and writes it little-endian into dst,
// which must be 2·len(src) bytes.
func EncodeF16(dst []byte, src []float32) error {
	if err := checkHalfLengths("EncodeF16", len(src), len(dst)); err != nil {
		return err
	}
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], Float32ToF16(f))
	}
	return nil
}

func checkHalfLengths(fn string, values, bytes int) error {
	if bytes != 2*values {
		return fmt.Errorf("tensor: %s: %d bytes for %d values; want 2 bytes per value", fn, bytes, values)
	}
	return nil
}
