package ssl

import "math"

// expApprox returns eˣ for x ≤ 0 with a relative error below 1e-9, well
// under float32's resolution, at a fraction of math.Exp's cost: x = n·ln2 + r
// with |r| ≤ ln2/2, eʳ from its degree-8 Taylor polynomial (remainder
// below |r|⁹/9! ≈ 2e-10) and 2ⁿ placed in the exponent bits. Inputs below
// −700 return 0 (the true value is under 1e-304).
func expApprox(x float64) float64 {
	if x < -700 {
		return 0
	}
	n := math.Floor(x*math.Log2E + 0.5)
	r := x - n*math.Ln2
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320))))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}
