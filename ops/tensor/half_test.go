package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF16RoundTripAllValues(t *testing.T) {
	for h := range 1 << 16 {
		f := F16ToFloat32(uint16(h))
		back := Float32ToF16(f)
		if f != f {
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Errorf("f16 %#04x is NaN; round trip gave %#04x, not a NaN", h, back)
			}
			continue
		}
		if back != uint16(h) {
			t.Errorf("f16 %#04x -> %v -> %#04x, want %#04x", h, f, back, h)
		}
	}
}

func TestBF16RoundTripAllValues(t *testing.T) {
	for h := range 1 << 16 {
		f := BF16ToFloat32(uint16(h))
		back := Float32ToBF16(f)
		if f != f {
			if BF16ToFloat32(back) == BF16ToFloat32(back) {
				t.Errorf("bf16 %#04x is NaN; round trip gave %#04x, not a NaN", h, back)
			}
			continue
		}
		if back != uint16(h) {
			t.Errorf("bf16 %#04x -> %v -> %#04x, want %#04x", h, f, back, h)
		}
	}
}

// nearestHalf returns the code whose value is nearest to x among all finite
// codes of a 16-bit format (ties to the even code), or ±Inf past the
// format's overflow threshold, found by search in float64.
func nearestHalf(x float64, decode func(uint16) float32, maxFinite, threshold float64) float64 {
	if math.Abs(x) >= threshold {
		return math.Copysign(math.Inf(1), x)
	}
	best, bestCode := math.Inf(1), 0
	for h := range 1 << 16 {
		v := float64(decode(uint16(h)))
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > maxFinite {
			continue
		}
		d := math.Abs(v - x)
		if d < best || d == best && h&1 == 0 && bestCode&1 == 1 {
			best, bestCode = d, h
		}
	}
	return float64(decode(uint16(bestCode)))
}

func TestHalfRoundingNearestEven(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	// Values across the range, the subnormals, and exact ties.
	var xs []float32
	for range 300 {
		xs = append(xs, float32(math.Ldexp(r.Float64()*2-1, r.IntN(40)-26)))
	}
	xs = append(xs, 65504, 65519.99, 65520, 1+1.0/2048, 1+3.0/2048, 5.9604645e-8, 2.9802322e-8, 2.9802326e-8, 0, float32(math.Copysign(0, -1)))
	for _, x := range xs {
		want := nearestHalf(float64(x), F16ToFloat32, 65504, 65520)
		if got := float64(F16ToFloat32(Float32ToF16(x))); got != want {
			t.Errorf("f16 rounding of %v: got %v, want %v", x, got, want)
		}
	}

	var bs []float32
	for range 300 {
		bs = append(bs, float32(math.Ldexp(r.Float64()*2-1, r.IntN(200)-100)))
	}
	bs = append(bs, 1+1.0/256, 1+3.0/256, 3.3895314e38, 3.4028235e38)
	// bfloat16 overflows at the largest float32 values past 3.3961776e38.
	for _, x := range bs {
		want := nearestHalf(float64(x), BF16ToFloat32, 3.3895314e38, 3.3961776e38)
		if got := float64(BF16ToFloat32(Float32ToBF16(x))); got != want {
			t.Errorf("bf16 rounding of %v: got %v, want %v", x, got, want)
		}
	}
}

func TestHalfSliceCodecs(t *testing.T) {
	src := []float32{0, 1, -2.5, 65504, float32(math.Inf(-1))}
	buf := make([]byte, 2*len(src))
	for _, c := range []struct {
		name   string
		encode func([]byte, []float32) error
		decode func([]float32, []byte) error
	}{
		{"f16", EncodeF16, DecodeF16},
		{"bf16", EncodeBF16, DecodeBF16},
	} {
		if err := c.encode(buf, src); err != nil {
			t.Fatalf("%s encode: %v", c.name, err)
		}
		got := make([]float32, len(src))
		if err := c.decode(got, buf); err != nil {
			t.Fatalf("%s decode: %v", c.name, err)
		}
		for i := range src {
			if c.name == "bf16" && src[i] == 65504 {
				continue // not representable in bfloat16
			}
			if got[i] != src[i] {
				t.Errorf("%s round trip of %v: got %v", c.name, src[i], got[i])
			}
		}
		if err := c.decode(got, buf[:3]); err == nil {
			t.Errorf("%s decode of 3 bytes into 5 values: got no error", c.name)
		}
	}
}
