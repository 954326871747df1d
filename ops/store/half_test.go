package store

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

func TestHalfRoundTripAllValues(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if f != f {
			if back := Float32ToHalf(f); back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Errorf("half %#04x: NaN came back as %#04x, want a NaN", h, back)
			}
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Errorf("half %#04x: widened to %g, narrowed to %#04x, want %#04x", h, f, back, h)
		}
	}
}

func TestFloat32ToHalfMatchesNumPy(t *testing.T) {
	text, err := os.ReadFile("testdata/half_round.json")
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]uint32
	if err := json.Unmarshal(text, &pairs); err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		f := math.Float32frombits(p[0])
		if got := Float32ToHalf(f); got != uint16(p[1]) {
			t.Errorf("float32 %#08x (%g): got half %#04x, want %#04x (NumPy 1.24)", p[0], f, got, p[1])
		}
	}
}

func TestBFloat16Rounding(t *testing.T) {
	cases := []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1.0
		{0x3f808000, 0x3f80}, // tie, even stays
		{0x3f818000, 0x3f82}, // tie, odd rounds up
		{0x3f808001, 0x3f81}, // above the tie
		{0x7f7fffff, 0x7f80}, // max float32 rounds to infinity
		{0xff800000, 0xff80}, // -inf
	}
	for _, c := range cases {
		if got := Float32ToBFloat16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("float32 %#08x: got bf16 %#04x, want %#04x", c.in, got, c.want)
		}
	}
	nan := Float32ToBFloat16(math.Float32frombits(0x7f800001))
	if f := BFloat16ToFloat32(nan); f == f {
		t.Errorf("signalling NaN with a low payload: got bf16 %#04x (%g), want a NaN", nan, f)
	}
	for h := 0; h < 1<<16; h++ {
		f := BFloat16ToFloat32(uint16(h))
		if f == f && Float32ToBFloat16(f) != uint16(h) {
			t.Errorf("bf16 %#04x: round trip gave %#04x", h, Float32ToBFloat16(f))
		}
	}
}
