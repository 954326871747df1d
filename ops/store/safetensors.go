package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The safetensors layout (huggingface/safetensors, format described in its
// README): an 8-byte little-endian header length N, N bytes of JSON mapping
// tensor names to {"dtype", "shape", "data_offsets": [begin, end]} plus an
// optional "__metadata__" string map, then the data buffer. Offsets are
// relative to the start of the buffer, at byte 8+N.

// maxSafetensorsHeader bounds the JSON header, as the reference
// implementation does (100 MB).
const maxSafetensorsHeader = 100 << 20

// safetensorsDTypes maps the supported dtype names to their item size.
var safetensorsDTypes = map[string]int{
	"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1,
}

// TensorInfo describes one tensor of a safetensors file. Begin and End are
// byte offsets into the data buffer (not the file).
type TensorInfo struct {
	Name  string
	DType string
	Shape []int
	Begin int64
	End   int64
}

// Safetensors is an open, memory-mapped safetensors file. Its methods are
// safe for concurrent use until Close.
type Safetensors struct {
	path     string
	mapping  []byte // whole file, read-only
	data     []byte // the data buffer, a suffix of mapping
	dataOff  int64  // file offset of data
	tensors  map[string]TensorInfo
	names    []string
	closed   bool
	Metadata map[string]string
}

// OpenSafetensors maps path read-only and validates its header: the header
// length, the JSON, each tensor's dtype and shape, and that the byte ranges
// lie inside the file, match their shapes and do not overlap.
func OpenSafetensors(path string) (*Safetensors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	size := fi.Size()
	if size < 8 {
		return nil, formatErr(path, 0, "file of %d bytes is too short for a safetensors header length", size)
	}
	if size > math.MaxInt {
		return nil, formatErr(path, 0, "file of %d bytes cannot be mapped", size)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("store: mmap %s: %w", path, err)
	}
	st, err := parseSafetensors(m, path)
	if err != nil {
		unix.Munmap(m)
		return nil, err
	}
	return st, nil
}

// DecodeSafetensors validates a safetensors file held in memory. The result
// aliases data; its Close does nothing.
func DecodeSafetensors(data []byte, name string) (*Safetensors, error) {
	st, err := parseSafetensors(data, name)
	if err != nil {
		return nil, err
	}
	st.mapping = nil
	return st, nil
}

type rawTensorInfo struct {
	DType       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

func parseSafetensors(m []byte, path string) (*Safetensors, error) {
	size := int64(len(m))
	if size < 8 {
		return nil, formatErr(path, 0, "file of %d bytes is too short for a safetensors header length", size)
	}
	n := binary.LittleEndian.Uint64(m)
	if n > maxSafetensorsHeader {
		return nil, formatErr(path, 0, "header length %d exceeds the limit of %d bytes", n, maxSafetensorsHeader)
	}
	if int64(n) > size-8 {
		return nil, formatErr(path, 0, "header length %d runs past the end of the file (%d bytes)", n, size)
	}
	header := m[8 : 8+n]
	st := &Safetensors{path: path, mapping: m, data: m[8+n:], dataOff: int64(8 + n), tensors: map[string]TensorInfo{}}
	if err := st.parseHeader(header); err != nil {
		return nil, err
	}
	if err := st.checkLayout(); err != nil {
		return nil, err
	}
	return st, nil
}

// parseHeader decodes the JSON header member by member, rejecting duplicate
// names that a plain map decode would silently merge.
func (st *Safetensors) parseHeader(header []byte) error {
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	jsonErr := func(err error) error {
		return formatErr(st.path, 8+dec.InputOffset(), "invalid JSON header: %v", err)
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return formatErr(st.path, 8, "header is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		name := tok.(string)
		quoted, _ := json.Marshal(name)
		keyOff := 8 + dec.InputOffset() - int64(len(quoted))
		if name == "__metadata__" {
			if st.Metadata != nil {
				return formatErr(st.path, keyOff, "__metadata__ appears twice")
			}
			st.Metadata = map[string]string{}
			if err := dec.Decode(&st.Metadata); err != nil {
				return formatErr(st.path, keyOff, "__metadata__ is not a map of strings to strings: %v", err)
			}
			continue
		}
		if _, dup := st.tensors[name]; dup {
			return formatErr(st.path, keyOff, "tensor %q appears twice", name)
		}
		var raw rawTensorInfo
		if err := dec.Decode(&raw); err != nil {
			return formatErr(st.path, keyOff, "tensor %q: invalid entry: %v", name, err)
		}
		info, err := checkTensorInfo(name, raw)
		if err != nil {
			return formatErr(st.path, keyOff, "%v", err)
		}
		st.tensors[name] = info
		st.names = append(st.names, name)
	}
	if _, err := dec.Token(); err != nil {
		return jsonErr(err)
	}
	end := 8 + dec.InputOffset()
	if _, err := dec.Token(); err == nil {
		return formatErr(st.path, end, "unexpected data after the JSON header")
	}
	sort.Strings(st.names)
	return nil
}

func checkTensorInfo(name string, raw rawTensorInfo) (TensorInfo, error) {
	itemSize, ok := safetensorsDTypes[raw.DType]
	if !ok {
		return TensorInfo{}, fmt.Errorf("tensor %q: unsupported dtype %q; supported: BF16 BOOL F16 F32 F64 I32 I64 U8", name, raw.DType)
	}
	if len(raw.DataOffsets) != 2 {
		return TensorInfo{}, fmt.Errorf("tensor %q: data_offsets has %d values, want [begin, end]", name, len(raw.DataOffsets))
	}
	begin, end := raw.DataOffsets[0], raw.DataOffsets[1]
	if begin < 0 || end < begin {
		return TensorInfo{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] is not a valid range", name, begin, end)
	}
	shape := make([]int, len(raw.Shape))
	count := int64(1)
	for i, d := range raw.Shape {
		if d < 0 {
			return TensorInfo{}, fmt.Errorf("tensor %q: shape %v has a negative dimension", name, raw.Shape)
		}
		if d > 0 && count > math.MaxInt64/8/d {
			return TensorInfo{}, fmt.Errorf("tensor %q: shape %v overflows the addressable size", name, raw.Shape)
		}
		count *= d
		shape[i] = int(d)
	}
	if want := count * int64(itemSize); end-begin != want {
		return TensorInfo{}, fmt.Errorf("tensor %q: dtype %s and shape %v need %d bytes, data_offsets [%d, %d] give %d", name, raw.DType, raw.Shape, want, begin, end, end-begin)
	}
	return TensorInfo{Name: name, DType: raw.DType, Shape: shape, Begin: begin, End: end}, nil
}

// checkLayout verifies that every tensor lies inside the data buffer and that
// no two tensors overlap.
func (st *Safetensors) checkLayout() error {
	infos := make([]TensorInfo, 0, len(st.tensors))
	for _, t := range st.tensors {
		if t.End > int64(len(st.data)) {
			return formatErr(st.path, st.dataOff+t.Begin, "tensor %q: data_offsets [%d, %d] run past the end of the data buffer (%d bytes)", t.Name, t.Begin, t.End, len(st.data))
		}
		infos = append(infos, t)
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Begin != infos[j].Begin {
			return infos[i].Begin < infos[j].Begin
		}
		return infos[i].Name < infos[j].Name
	})
	for i := 1; i < len(infos); i++ {
		prev, cur := infos[i-1], infos[i]
		if cur.Begin < prev.End {
			return formatErr(st.path, st.dataOff+cur.Begin, "tensors %q and %q overlap", prev.Name, cur.Name)
		}
	}
	return nil
}

// Path returns the file name given to OpenSafetensors.
func (st *Safetensors) Path() string { return st.path }

// Names returns the tensor names in sorted order. The caller must not modify
// the slice.
func (st *Safetensors) Names() []string { return st.names }

// Info returns the description of the named tensor.
func (st *Safetensors) Info(name string) (TensorInfo, error) {
	t, ok := st.tensors[name]
	if !ok {
		return TensorInfo{}, fmt.Errorf("%s: tensor %q not found (%d tensors in the file)", st.path, name, len(st.tensors))
	}
	return t, nil
}

// Bytes returns the raw little-endian bytes of the named tensor, aliasing the
// mapping. They are valid until Close.
func (st *Safetensors) Bytes(name string) ([]byte, TensorInfo, error) {
	t, err := st.Info(name)
	if err != nil {
		return nil, t, err
	}
	if st.closed {
		return nil, t, fmt.Errorf("%s: file is closed", st.path)
	}
	return st.data[t.Begin:t.End], t, nil
}

// Float32 returns a copy of the named tensor as float32 together with its
// shape. F16 and BF16 are widened exactly, F64 is rounded, and integer and
// boolean tensors are converted. The slice is not charged to the tensor
// memory limit; callers that need accounting allocate with tensor.Alloc and
// call Float32Into.
func (st *Safetensors) Float32(name string) ([]float32, []int, error) {
	t, err := st.Info(name)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float32, (t.End-t.Begin)/int64(safetensorsDTypes[t.DType]))
	if err := st.Float32Into(name, out); err != nil {
		return nil, nil, err
	}
	return out, slices.Clone(t.Shape), nil
}

// Float32Into converts the named tensor into dst, which must have exactly as
// many elements as the tensor.
func (st *Safetensors) Float32Into(name string, dst []float32) error {
	b, t, err := st.Bytes(name)
	if err != nil {
		return err
	}
	if n := int(t.End-t.Begin) / safetensorsDTypes[t.DType]; n != len(dst) {
		return fmt.Errorf("%s: tensor %q has %d elements, destination has %d", st.path, name, n, len(dst))
	}
	decodeFloat32(dst, b, t.DType)
	return nil
}

func decodeFloat32(out []float32, b []byte, dtype string) {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = HalfToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = BFloat16ToFloat32(le.Uint16(b[2*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case "U8", "BOOL":
		for i := range out {
			out[i] = float32(b[i])
		}
	}
}

// Raw returns the named F32 tensor without copying, aliasing the read-only
// mapping: writing to the slice faults. It returns an error for other dtypes
// and when the data is not 4-byte aligned in memory (use Float32 then). The
// slice is valid until Close.
func (st *Safetensors) Raw(name string) ([]float32, []int, error) {
	b, t, err := st.Bytes(name)
	if err != nil {
		return nil, nil, err
	}
	if t.DType != "F32" {
		return nil, nil, fmt.Errorf("%s: tensor %q has dtype %s; Raw needs F32, use Float32 to convert", st.path, name, t.DType)
	}
	if len(b) == 0 {
		return []float32{}, slices.Clone(t.Shape), nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		return nil, nil, formatErr(st.path, st.dataOff+t.Begin, "tensor %q is not 4-byte aligned; use Float32", name)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4), slices.Clone(t.Shape), nil
}

// Close unmaps the file. Slices returned by Raw and Bytes must not be used
// afterwards.
func (st *Safetensors) Close() error {
	m := st.mapping
	st.mapping, st.data, st.closed = nil, nil, true
	if m == nil {
		return nil
	}
	return unix.Munmap(m)
}
