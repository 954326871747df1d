package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Array is an n-dimensional array as NumPy stores it: a dtype, a shape and
// the raw little-endian element bytes in C (row-major) order. Readers convert
// Fortran-order files to C order, so Data is always row-major.
//
// DType uses NumPy's descr spelling with the byte order character: "<f4",
// "<f8", "<f2", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "|b1",
// or "<Un" for fixed-width strings of n UTF-32LE code points.
type Array struct {
	DType string
	Shape []int
	Data  []byte
}

// dtypeInfo describes one supported descr: its kind letter and item size.
type dtypeInfo struct {
	kind byte // 'f', 'i', 'u', 'b' or 'U'
	size int  // bytes per element
}

// parseDType canonicalises a descr string. One-byte types take '|' and any
// other byte order mark is accepted for them; wider types must be
// little-endian ('<', or '=' and '|' which NumPy never writes for them).
func parseDType(descr string) (string, dtypeInfo, error) {
	if len(descr) < 3 {
		return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q", descr)
	}
	order, kind, rest := descr[0], descr[1], descr[2:]
	if order != '<' && order != '|' && order != '=' && order != '>' {
		return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q: want a byte order mark '<', '|' or '='", descr)
	}
	if kind == 'U' {
		n := 0
		for _, c := range rest {
			if c < '0' || c > '9' || n > 1<<20 {
				return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q: want <U followed by a width of at most 1048576", descr)
			}
			n = n*10 + int(c-'0')
		}
		if order == '>' {
			return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q: big-endian strings; want <U", descr)
		}
		return fmt.Sprintf("<U%d", n), dtypeInfo{'U', 4 * n}, nil
	}
	var size int
	switch rest {
	case "1":
		size = 1
	case "2":
		size = 2
	case "4":
		size = 4
	case "8":
		size = 8
	default:
		return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q", descr)
	}
	ok := false
	switch kind {
	case 'f':
		ok = size >= 2
	case 'i', 'u':
		ok = true
	case 'b':
		ok = size == 1
	}
	if !ok {
		return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q; supported: <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1 <Un", descr)
	}
	if size == 1 {
		return "|" + string(kind) + rest, dtypeInfo{kind, 1}, nil
	}
	if order == '>' {
		return "", dtypeInfo{}, fmt.Errorf("unsupported dtype %q: big-endian; want '<'", descr)
	}
	return "<" + string(kind) + rest, dtypeInfo{kind, size}, nil
}

// Len returns the number of elements, the product of Shape.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

func (a *Array) info() (dtypeInfo, error) {
	_, info, err := parseDType(a.DType)
	if err != nil {
		return info, err
	}
	if n := a.Len(); n*info.size != len(a.Data) {
		return info, fmt.Errorf("store: array of dtype %s and shape %v needs %d bytes, has %d", a.DType, a.Shape, n*info.size, len(a.Data))
	}
	return info, nil
}

// Float64 returns the elements converted to float64. It accepts every
// numeric and boolean dtype, and rejects strings.
func (a *Array) Float64() ([]float64, error) {
	info, err := a.info()
	if err != nil {
		return nil, err
	}
	n := a.Len()
	out := make([]float64, n)
	d := a.Data
	switch info.kind {
	case 'f':
		for i := range out {
			switch info.size {
			case 2:
				out[i] = float64(HalfToFloat32(binary.LittleEndian.Uint16(d[2*i:])))
			case 4:
				out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:])))
			case 8:
				out[i] = math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:]))
			}
		}
	case 'i', 'u', 'b':
		for i := range out {
			out[i] = float64(intAt(d, i, info))
		}
	default:
		return nil, fmt.Errorf("store: array of dtype %s holds strings; want a numeric dtype", a.DType)
	}
	return out, nil
}

// Float32 returns the elements converted to float32 (float64 and large
// integers are rounded). It accepts every numeric and boolean dtype.
func (a *Array) Float32() ([]float32, error) {
	info, err := a.info()
	if err != nil {
		return nil, err
	}
	out := make([]float32, a.Len())
	d := a.Data
	switch {
	case info.kind == 'f' && info.size == 4:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
	case info.kind == 'f' && info.size == 2:
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(d[2*i:]))
		}
	case info.kind == 'f':
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
	case info.kind == 'U':
		return nil, fmt.Errorf("store: array of dtype %s holds strings; want a numeric dtype", a.DType)
	default:
		for i := range out {
			out[i] = float32(intAt(d, i, info))
		}
	}
	return out, nil
}

// Int64 returns the elements of an integer or boolean array as int64. A
// <u8 element above math.MaxInt64 is an error, and so is a float dtype.
func (a *Array) Int64() ([]int64, error) {
	info, err := a.info()
	if err != nil {
		return nil, err
	}
	if info.kind != 'i' && info.kind != 'u' && info.kind != 'b' {
		return nil, fmt.Errorf("store: array of dtype %s: want an integer or boolean dtype", a.DType)
	}
	out := make([]int64, a.Len())
	for i := range out {
		out[i] = intAt(a.Data, i, info)
		if info.kind == 'u' && info.size == 8 && out[i] < 0 {
			return nil, fmt.Errorf("store: array of dtype %s: element %d exceeds the int64 range", a.DType, i)
		}
	}
	return out, nil
}

// Int returns Int64 converted to int.
func (a *Array) Int() ([]int, error) {
	v, err := a.Int64()
	if err != nil {
		return nil, err
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out, nil
}

// Bool returns the elements of a |b1 array; any non-zero byte is true.
func (a *Array) Bool() ([]bool, error) {
	info, err := a.info()
	if err != nil {
		return nil, err
	}
	if info.kind != 'b' {
		return nil, fmt.Errorf("store: array of dtype %s: want |b1", a.DType)
	}
	out := make([]bool, len(a.Data))
	for i, b := range a.Data {
		out[i] = b != 0
	}
	return out, nil
}

// Strings returns the elements of a <Un array with the trailing NUL padding
// removed. A code point that is not valid Unicode is an error.
func (a *Array) Strings() ([]string, error) {
	info, err := a.info()
	if err != nil {
		return nil, err
	}
	if info.kind != 'U' {
		return nil, fmt.Errorf("store: array of dtype %s: want a string dtype <Un", a.DType)
	}
	width := info.size / 4
	out := make([]string, a.Len())
	buf := make([]byte, 0, 4*width)
	for i := range out {
		buf = buf[:0]
		item := a.Data[i*info.size : (i+1)*info.size]
		end := width
		for end > 0 && binary.LittleEndian.Uint32(item[4*(end-1):]) == 0 {
			end--
		}
		for j := 0; j < end; j++ {
			r := binary.LittleEndian.Uint32(item[4*j:])
			if r > utf8.MaxRune || (r >= 0xd800 && r < 0xe000) {
				return nil, fmt.Errorf("store: string element %d: code point %#x is not valid Unicode", i, r)
			}
			buf = utf8.AppendRune(buf, rune(r))
		}
		out[i] = string(buf)
	}
	return out, nil
}

func intAt(d []byte, i int, info dtypeInfo) int64 {
	switch {
	case info.kind == 'b':
		if d[i] != 0 {
			return 1
		}
		return 0
	case info.kind == 'i' && info.size == 1:
		return int64(int8(d[i]))
	case info.kind == 'u' && info.size == 1:
		return int64(d[i])
	case info.kind == 'i' && info.size == 2:
		return int64(int16(binary.LittleEndian.Uint16(d[2*i:])))
	case info.kind == 'u' && info.size == 2:
		return int64(binary.LittleEndian.Uint16(d[2*i:]))
	case info.kind == 'i' && info.size == 4:
		return int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
	case info.kind == 'u' && info.size == 4:
		return int64(binary.LittleEndian.Uint32(d[4*i:]))
	default:
		return int64(binary.LittleEndian.Uint64(d[8*i:]))
	}
}

// NewFloat32Array returns a <f4 array of the given shape holding a copy of v.
func NewFloat32Array(v []float32, shape ...int) *Array {
	d := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(d[4*i:], math.Float32bits(x))
	}
	return &Array{DType: "<f4", Shape: shapeOrVector(shape, len(v)), Data: d}
}

// NewFloat64Array returns a <f8 array of the given shape holding a copy of v.
func NewFloat64Array(v []float64, shape ...int) *Array {
	d := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(d[8*i:], math.Float64bits(x))
	}
	return &Array{DType: "<f8", Shape: shapeOrVector(shape, len(v)), Data: d}
}

// NewInt64Array returns a <i8 array of the given shape holding a copy of v.
func NewInt64Array(v []int64, shape ...int) *Array {
	d := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(d[8*i:], uint64(x))
	}
	return &Array{DType: "<i8", Shape: shapeOrVector(shape, len(v)), Data: d}
}

// NewInt32Array returns a <i4 array of the given shape holding a copy of v.
func NewInt32Array(v []int32, shape ...int) *Array {
	d := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(d[4*i:], uint32(x))
	}
	return &Array{DType: "<i4", Shape: shapeOrVector(shape, len(v)), Data: d}
}

// NewStringArray returns a <Un array whose width n is the longest string in
// code points (at least 1), holding v NUL-padded.
func NewStringArray(v []string, shape ...int) *Array {
	width := 1
	for _, s := range v {
		width = max(width, utf8.RuneCountInString(s))
	}
	d := make([]byte, 4*width*len(v))
	for i, s := range v {
		j := 0
		for _, r := range s {
			binary.LittleEndian.PutUint32(d[4*(i*width+j):], uint32(r))
			j++
		}
	}
	return &Array{DType: fmt.Sprintf("<U%d", width), Shape: shapeOrVector(shape, len(v)), Data: d}
}

// shapeOrVector returns a copy of shape, or [n] when shape is empty, so the
// New*Array constructors make a vector when called without a shape (a rank-0
// array needs an explicit Array literal).
func shapeOrVector(shape []int, n int) []int {
	if len(shape) == 0 {
		return []int{n}
	}
	return append([]int(nil), shape...)
}
