package tensor

import (
	"math"
	"strconv"
	"strings"
)

// Print options, as in PyTorch's and NumPy's defaults (PyTorch's 4 digits of
// precision).
const (
	printThreshold = 1000 // more elements than this are summarized
	printEdgeItems = 3    // items shown at each end of a summarized axis
	printPrecision = 4
	printLineWidth = 80
)

// String formats t as PyTorch prints a tensor, summarized with "..." when
// it has more than 1000 elements:
//
//	tensor([[1., 2.],
//	        [3., 4.]])
func (t *Tensor) String() string {
	const prefix = "tensor("
	if t.Size() == 0 {
		return prefix + "[], shape=" + ShapeString(t.shape) + ")"
	}
	summarize := t.Size() > printThreshold
	f := newFormatter(t, summarize)
	var sb strings.Builder
	sb.WriteString(prefix)
	f.write(&sb, t, 0, len(prefix), summarize)
	sb.WriteString(")")
	return sb.String()
}

// formatter holds the number style chosen from the values that are shown.
type formatter struct {
	integral   bool // every shown finite value is a whole number: print "3."
	scientific bool
	width      int
}

func newFormatter(t *Tensor, summarize bool) *formatter {
	var shown []float32
	collectShown(t, summarize, &shown)
	f := &formatter{integral: true}
	maxAbs, minAbs := 0.0, math.Inf(1)
	for _, x := range shown {
		v := float64(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if v != math.Trunc(v) {
			f.integral = false
		}
		a := math.Abs(v)
		maxAbs = max(maxAbs, a)
		if a > 0 {
			minAbs = min(minAbs, a)
		}
	}
	// PyTorch's rule (torch/_tensor_str.py): scientific notation when the
	// non-zero magnitudes span more than 10^3 or exceed 10^8, or, for
	// fractional values, when one is below 10^-4.
	if maxAbs > 1e8 || maxAbs/minAbs > 1e3 || (!f.integral && minAbs < 1e-4) {
		f.scientific = true
		f.integral = false
	}
	for _, x := range shown {
		f.width = max(f.width, len(f.format(x)))
	}
	return f
}

func collectShown(t *Tensor, summarize bool, out *[]float32) {
	if t.Ndim() == 0 {
		v, _ := t.Item()
		*out = append(*out, v)
		return
	}
	for _, i := range shownIndices(t.shape[0], summarize) {
		if i < 0 {
			continue
		}
		sub, _ := t.Select(0, i)
		collectShown(sub, summarize, out)
	}
}

// shownIndices lists the indices printed along an axis of size n, with -1
// standing for the "..." between the two ends.
func shownIndices(n int, summarize bool) []int {
	if !summarize || n <= 2*printEdgeItems {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, 0, 2*printEdgeItems+1)
	for i := range printEdgeItems {
		idx = append(idx, i)
	}
	idx = append(idx, -1)
	for i := n - printEdgeItems; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

func (f *formatter) format(x float32) string {
	v := float64(x)
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case f.integral:
		return strconv.FormatFloat(v, 'f', 0, 32) + "."
	case f.scientific:
		return strconv.FormatFloat(v, 'e', printPrecision, 32)
	default:
		return strconv.FormatFloat(v, 'f', printPrecision, 32)
	}
}

func (f *formatter) pad(x float32) string {
	s := f.format(x)
	if len(s) < f.width {
		s = strings.Repeat(" ", f.width-len(s)) + s
	}
	return s
}

// write prints t, whose opening bracket sits at column indent, wrapping
// rows at printLineWidth.
func (f *formatter) write(sb *strings.Builder, t *Tensor, depth, indent int, summarize bool) {
	if t.Ndim() == 0 {
		v, _ := t.Item()
		sb.WriteString(f.format(v))
		return
	}
	sb.WriteByte('[')
	idx := shownIndices(t.shape[0], summarize)
	if t.Ndim() == 1 {
		col := indent + 1
		for k, i := range idx {
			s := "..."
			if i >= 0 {
				v, _ := t.At(i)
				s = f.pad(v)
			}
			if k > 0 {
				sb.WriteByte(',')
				col++
				if col+1+len(s)+2 > printLineWidth {
					sb.WriteString("\n")
					sb.WriteString(strings.Repeat(" ", indent+1))
					col = indent + 1
				} else {
					sb.WriteByte(' ')
					col++
				}
			}
			sb.WriteString(s)
			col += len(s)
		}
		sb.WriteByte(']')
		return
	}
	// Rows of a matrix are separated by one newline, blocks of higher
	// rank by one blank line per extra dimension.
	sep := ",\n" + strings.Repeat("\n", t.Ndim()-2) + strings.Repeat(" ", indent+1)
	for k, i := range idx {
		if k > 0 {
			sb.WriteString(sep)
		}
		if i < 0 {
			sb.WriteString("...")
			continue
		}
		sub, _ := t.Select(0, i)
		f.write(sb, sub, depth+1, indent+1, summarize)
	}
	sb.WriteByte(']')
}
