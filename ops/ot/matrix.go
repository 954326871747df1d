package ot

import (
	"fmt"
	"math"
)

// Matrix is a dense row-major float64 matrix: element (i, j) is
// Data[i*Cols+j].
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix returns a zeroed rows×cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// At returns element (i, j).
func (m Matrix) At(i, j int) float64 { return m.Data[i*m.Cols+j] }

// Row returns row i as a slice that aliases m.Data.
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// T returns a transposed copy of m.
func (m Matrix) T() Matrix {
	t := NewMatrix(m.Cols, m.Rows)
	for i := 0; i < m.Rows; i++ {
		for j, x := range m.Row(i) {
			t.Data[j*m.Rows+i] = x
		}
	}
	return t
}

// InputError reports an argument that a solver cannot accept. Param names the
// argument as POT names it (a, b, M, cost, reg, ...), with an index where one
// element is at fault.
type InputError struct {
	Param string
	Got   string
	Want  string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s: got %s, want %s", e.Param, e.Got, e.Want)
}

func inputErr(param, got, want string) error {
	return &InputError{Param: param, Got: got, Want: want}
}

// checkShape verifies that m has the advertised size and a backing slice of
// that length.
func checkShape(param string, m Matrix) error {
	if m.Rows < 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		return inputErr(param, fmt.Sprintf("%d×%d matrix with %d elements", m.Rows, m.Cols, len(m.Data)),
			"len(Data) == Rows*Cols")
	}
	return nil
}

// checkCosts rejects NaN, infinite and (when nonNegative) negative entries.
func checkCosts(param string, m Matrix, nonNegative bool) error {
	if err := checkShape(param, m); err != nil {
		return err
	}
	lo := -math.MaxFloat64
	if nonNegative {
		lo = 0
	}
	for k, x := range m.Data {
		// One range test rejects NaN (every comparison is false), both
		// infinities and, when asked, negative costs.
		if x >= lo && x <= math.MaxFloat64 {
			continue
		}
		want := "a finite cost"
		if nonNegative {
			want = "a finite cost >= 0"
		}
		return inputErr(fmt.Sprintf("%s[%d,%d]", param, k/m.Cols, k%m.Cols), fmt.Sprint(x), want)
	}
	return nil
}

// checkFinite rejects NaN and infinite entries of a matrix of coordinates.
func checkFinite(param string, m Matrix) error {
	if err := checkShape(param, m); err != nil {
		return err
	}
	for k, x := range m.Data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return inputErr(fmt.Sprintf("%s[%d,%d]", param, k/m.Cols, k%m.Cols), fmt.Sprint(x), "a finite value")
		}
	}
	return nil
}

// checkWeights rejects negative, NaN or infinite weights and a vector whose
// length is not n, and returns the total mass.
func checkWeights(param string, w []float64, n int) (float64, error) {
	if len(w) != n {
		return 0, inputErr(param, fmt.Sprintf("length %d", len(w)), fmt.Sprintf("length %d to match the cost matrix", n))
	}
	var sum float64
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return 0, inputErr(fmt.Sprintf("%s[%d]", param, i), fmt.Sprint(x), "a finite weight >= 0")
		}
		sum += x
	}
	if sum <= 0 {
		return 0, inputErr(param, "total mass 0", "a positive total mass")
	}
	return sum, nil
}

// massTolerance is the largest |sum(a) - sum(b)| that balanced solvers accept,
// relative to max(1, sum(a)). POT 0.8.2 checks the sums to 7 decimals and then
// rescales b to the mass of a, which is what these solvers do too.
const massTolerance = 1e-7

// checkBalanced returns b rescaled to the mass of a, or an error when the
// masses differ by more than massTolerance.
func checkBalanced(sumA, sumB float64, b []float64) ([]float64, error) {
	if math.Abs(sumA-sumB) > massTolerance*math.Max(1, sumA) {
		return nil, inputErr("b", fmt.Sprintf("total mass %.12g", sumB),
			fmt.Sprintf("the total mass of a, %.12g (difference %.3g exceeds %.0e)", sumA, sumB-sumA, massTolerance))
	}
	out := make([]float64, len(b))
	scale := sumA / sumB
	for i, x := range b {
		out[i] = x * scale
	}
	return out, nil
}

// Unif returns the uniform weight vector of length n (POT's ot.unif).
func Unif(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	return w
}
