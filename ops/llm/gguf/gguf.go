// Package gguf reads GGUF files (llama.cpp's model format, versions 2 and
// 3): typed metadata and tensor descriptions, with every count, length and
// offset checked against the file before use. Only F32 and F16 tensors can
// be converted to float32.
package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
)

// Value types of GGUF metadata.
const (
	typeUint8 = iota
	typeInt8
	typeUint16
	typeInt16
	typeUint32
	typeInt32
	typeFloat32
	typeBool
	typeString
	typeArray
	typeUint64
	typeInt64
	typeFloat64
)

// Tensor types that can be converted.
const (
	TensorF32 = 0
	TensorF16 = 1
)

// TensorInfo describes one tensor. Dims are in GGUF order, fastest-varying
// first, so a row-major [rows, cols] matrix has Dims (cols, rows). Offset is
// relative to the start of the data section.
type TensorInfo struct {
	Name   string
	Dims   []uint64
	Type   uint32
	Offset uint64
}

// File is a parsed GGUF file held in memory.
type File struct {
	Path     string
	Version  uint32
	Metadata map[string]any
	Tensors  []TensorInfo
	index    map[string]int
	data     []byte
	dataOff  int
}

// Open reads and parses path.
func Open(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return Parse(b, path)
}

type reader struct {
	b    []byte
	off  int
	name string
}

func (r *reader) errorf(format string, args ...any) error {
	return fmt.Errorf("gguf: %s: offset %d: %s", r.name, r.off, fmt.Sprintf(format, args...))
}

func (r *reader) need(n uint64, what string) error {
	if n > uint64(len(r.b)-r.off) {
		return r.errorf("%s needs %d bytes, %d remain", what, n, len(r.b)-r.off)
	}
	return nil
}

func (r *reader) u32(what string) (uint32, error) {
	if err := r.need(4, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

func (r *reader) u64(what string) (uint64, error) {
	if err := r.need(8, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v, nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	if err := r.need(n, what); err != nil {
		return "", err
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

var scalarSize = map[uint32]uint64{typeUint8: 1, typeInt8: 1, typeUint16: 2, typeInt16: 2, typeUint32: 4, typeInt32: 4,
	typeFloat32: 4, typeBool: 1, typeUint64: 8, typeInt64: 8, typeFloat64: 8}

// value reads one metadata value of type t. Integers become int64 (uint64
// values above MaxInt64 become float64), floats float64, arrays []any.
func (r *reader) value(t uint32, key string, depth int) (any, error) {
	if t == typeString {
		return r.str("string value of " + key)
	}
	if t == typeArray {
		if depth > 2 {
			return nil, r.errorf("key %s: arrays nested more than 2 deep", key)
		}
		et, err := r.u32("array type of " + key)
		if err != nil {
			return nil, err
		}
		n, err := r.u64("array length of " + key)
		if err != nil {
			return nil, err
		}
		// Every element takes at least one byte (strings at least eight).
		if err := r.need(n, "array "+key); err != nil {
			return nil, err
		}
		out := make([]any, 0, min(n, 1<<20))
		for i := uint64(0); i < n; i++ {
			v, err := r.value(et, key, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	size, ok := scalarSize[t]
	if !ok {
		return nil, r.errorf("key %s: unknown value type %d", key, t)
	}
	if err := r.need(size, "value of "+key); err != nil {
		return nil, err
	}
	b := r.b[r.off:]
	r.off += int(size)
	switch t {
	case typeUint8:
		return int64(b[0]), nil
	case typeInt8:
		return int64(int8(b[0])), nil
	case typeUint16:
		return int64(binary.LittleEndian.Uint16(b)), nil
	case typeInt16:
		return int64(int16(binary.LittleEndian.Uint16(b))), nil
	case typeUint32:
		return int64(binary.LittleEndian.Uint32(b)), nil
	case typeInt32:
		return int64(int32(binary.LittleEndian.Uint32(b))), nil
	case typeFloat32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case typeBool:
		return b[0] != 0, nil
	case typeUint64:
		v := binary.LittleEndian.Uint64(b)
		if v > math.MaxInt64 {
			return float64(v), nil
		}
		return int64(v), nil
	case typeInt64:
		return int64(binary.LittleEndian.Uint64(b)), nil
	default:
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	}
}

// Parse parses GGUF bytes; name is used in errors.
func Parse(b []byte, name string) (*File, error) {
	r := &reader{b: b, name: name}
	if err := r.need(4, "magic"); err != nil {
		return nil, err
	}
	if string(b[:4]) != "GGUF" {
		return nil, r.errorf("magic %q is not GGUF", b[:4])
	}
	r.off = 4
	version, err := r.u32("version")
	if err != nil {
		return nil, err
	}
	if version != 2 && version != 3 {
		return nil, fmt.Errorf("gguf: %s: offset 4: version %d is not supported; want 2 or 3", name, version)
	}
	nTensors, err := r.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nKV, err := r.u64("metadata count")
	if err != nil {
		return nil, err
	}
	if nTensors > 1<<20 || nKV > 1<<20 {
		return nil, fmt.Errorf("gguf: %s: offset 8: %d tensors and %d metadata keys exceed the limit of %d", name, nTensors, nKV, 1<<20)
	}
	f := &File{Path: name, Version: version, Metadata: map[string]any{}, index: map[string]int{}, data: b}
	for i := uint64(0); i < nKV; i++ {
		key, err := r.str("metadata key")
		if err != nil {
			return nil, err
		}
		t, err := r.u32("type of " + key)
		if err != nil {
			return nil, err
		}
		v, err := r.value(t, key, 0)
		if err != nil {
			return nil, err
		}
		f.Metadata[key] = v
	}
	for i := uint64(0); i < nTensors; i++ {
		start := r.off
		tname, err := r.str("tensor name")
		if err != nil {
			return nil, err
		}
		nd, err := r.u32("dimension count of " + tname)
		if err != nil {
			return nil, err
		}
		if nd == 0 || nd > 4 {
			return nil, r.errorf("tensor %s has %d dimensions, want 1..4", tname, nd)
		}
		info := TensorInfo{Name: tname, Dims: make([]uint64, nd)}
		for d := range info.Dims {
			if info.Dims[d], err = r.u64("dimension of " + tname); err != nil {
				return nil, err
			}
		}
		if info.Type, err = r.u32("type of " + tname); err != nil {
			return nil, err
		}
		if info.Offset, err = r.u64("offset of " + tname); err != nil {
			return nil, err
		}
		if _, dup := f.index[tname]; dup {
			return nil, fmt.Errorf("gguf: %s: offset %d: tensor %s appears twice", name, start, tname)
		}
		f.index[tname] = len(f.Tensors)
		f.Tensors = append(f.Tensors, info)
	}
	align := uint64(32)
	if a, ok := f.Metadata["general.alignment"].(int64); ok {
		if a <= 0 || a > 1<<16 || a&(a-1) != 0 {
			return nil, fmt.Errorf("gguf: %s: general.alignment %d is not a power of two up to 65536", name, a)
		}
		align = uint64(a)
	}
	f.dataOff = int((uint64(r.off) + align - 1) / align * align)
	if f.dataOff > len(b) {
		return nil, fmt.Errorf("gguf: %s: offset %d: the data section starts past the end of the file (%d bytes)", name, f.dataOff, len(b))
	}
	for _, t := range f.Tensors {
		if _, _, err := f.span(t); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// span returns the file byte range of a tensor after checking it.
func (f *File) span(t TensorInfo) (int, int, error) {
	var size uint64
	switch t.Type {
	case TensorF32:
		size = 4
	case TensorF16:
		size = 2
	default:
		size = 0
	}
	n := uint64(1)
	for _, d := range t.Dims {
		if d == 0 || d > 1<<40 || n > (1<<40)/d {
			return 0, 0, fmt.Errorf("gguf: %s: tensor %s: dimensions %v are empty or too large", f.Path, t.Name, t.Dims)
		}
		n *= d
	}
	if size == 0 {
		// Quantized tensors are checked when converted.
		return 0, 0, nil
	}
	start := uint64(f.dataOff) + t.Offset
	if t.Offset > uint64(len(f.data)) || start+n*size > uint64(len(f.data)) {
		return 0, 0, fmt.Errorf("gguf: %s: tensor %s: data at offset %d (%d bytes) lies outside the file of %d bytes", f.Path, t.Name, start, n*size, len(f.data))
	}
	return int(start), int(start + n*size), nil
}

// DataBytes returns the size of the data section in bytes.
func (f *File) DataBytes() int { return len(f.data) - f.dataOff }

// Info returns the description of the named tensor.
func (f *File) Info(name string) (TensorInfo, bool) {
	i, ok := f.index[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// Float32 converts the named F32 or F16 tensor and returns it with its shape
// in row-major order (the reverse of GGUF's dimension order).
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, ok := f.Info(name)
	if !ok {
		return nil, nil, fmt.Errorf("gguf: %s: tensor %s is missing", f.Path, name)
	}
	if t.Type != TensorF32 && t.Type != TensorF16 {
		return nil, nil, fmt.Errorf("gguf: %s: tensor %s has type %d; only F32 (0) and F16 (1) are supported", f.Path, name, t.Type)
	}
	start, end, err := f.span(t)
	if err != nil {
		return nil, nil, err
	}
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[len(t.Dims)-1-i] = int(d)
	}
	b := f.data[start:end]
	var out []float32
	if t.Type == TensorF32 {
		out = make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	} else {
		out = make([]float32, len(b)/2)
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	return out, shape, nil
}

func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: normalise.
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// Int returns an integer metadata value.
func (f *File) Int(key string) (int, bool) {
	v, ok := f.Metadata[key].(int64)
	return int(v), ok
}

// Float returns a float metadata value.
func (f *File) Float(key string) (float64, bool) {
	switch v := f.Metadata[key].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// String returns a string metadata value.
func (f *File) String(key string) (string, bool) {
	v, ok := f.Metadata[key].(string)
	return v, ok
}

// Strings returns a string-array metadata value.
func (f *File) Strings(key string) ([]string, bool) {
	arr, ok := f.Metadata[key].([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(arr))
	for i, v := range arr {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// Floats returns a numeric-array metadata value.
func (f *File) Floats(key string) ([]float64, bool) {
	arr, ok := f.Metadata[key].([]any)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(arr))
	for i, v := range arr {
		switch x := v.(type) {
		case float64:
			out[i] = x
		case int64:
			out[i] = float64(x)
		default:
			return nil, false
		}
	}
	return out, true
}

// HasPrefix reports whether some tensor name starts with prefix.
func (f *File) HasPrefix(prefix string) bool {
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, prefix) {
			return true
		}
	}
	return false
}
