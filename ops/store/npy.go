package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// npyMagic starts every .npy file; the NumPy format description is
// numpy/lib/format.py ("A Simple File Format for NumPy Arrays", NEP 1).
const npyMagic = "\x93NUMPY"

// maxNpyHeader bounds the header dictionary. NumPy itself rejects headers
// longer than 10000 bytes unless told otherwise.
const maxNpyHeader = 1 << 20

// ReadNpy reads a .npy file (format versions 1, 2 and 3).
func ReadNpy(path string) (*Array, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return DecodeNpy(data, path)
}

// DecodeNpy parses a complete .npy file held in data. name labels errors.
// The returned array's Data aliases data when the file is in C order.
func DecodeNpy(data []byte, name string) (*Array, error) {
	h, err := parseNpyHeader(data, name)
	if err != nil {
		return nil, err
	}
	body := data[h.dataOffset:]
	if int64(len(body)) != h.dataBytes {
		return nil, formatErr(name, int64(h.dataOffset), "array data of dtype %s and shape %v needs %d bytes, the file has %d", h.dtype, h.shape, h.dataBytes, len(body))
	}
	a := &Array{DType: h.dtype, Shape: h.shape, Data: body}
	if h.fortran {
		a.Data = fortranToC(body, h.shape, h.info.size)
	}
	return a, nil
}

// npyHeader is the parsed preamble of a .npy file.
type npyHeader struct {
	dtype      string
	info       dtypeInfo
	fortran    bool
	shape      []int
	dataOffset int
	dataBytes  int64
}

// parseNpyHeader reads the magic, version, header length and header
// dictionary from the start of data, which may hold only the preamble.
func parseNpyHeader(data []byte, name string) (*npyHeader, error) {
	if len(data) < 10 || string(data[:6]) != npyMagic {
		return nil, formatErr(name, 0, "not a .npy file: want the magic bytes \\x93NUMPY")
	}
	major := data[6]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(data[8:])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, formatErr(name, 8, "file ends inside the header length")
		}
		n := binary.LittleEndian.Uint32(data[8:])
		if n > maxNpyHeader {
			return nil, formatErr(name, 8, "header length %d exceeds the limit of %d bytes", n, maxNpyHeader)
		}
		hlen, start = int(n), 12
	default:
		return nil, formatErr(name, 6, "unsupported .npy format version %d.%d; want 1, 2 or 3", major, data[7])
	}
	if start+hlen > len(data) {
		return nil, formatErr(name, int64(start), "header of %d bytes runs past the end of the file (%d bytes)", hlen, len(data))
	}
	text := string(data[start : start+hlen])
	if major != 3 && !isASCII(text) {
		return nil, formatErr(name, int64(start), "header is not ASCII (only format version 3 allows UTF-8)")
	}

	dict, perr := parsePyDict(text)
	if perr != nil {
		return nil, formatErr(name, int64(start+perr.pos), "invalid header dictionary: %s", perr.msg)
	}
	h := &npyHeader{dataOffset: start + hlen}
	if err := h.fromDict(dict); err != nil {
		return nil, formatErr(name, int64(start), "%v", err)
	}
	return h, nil
}

func (h *npyHeader) fromDict(dict map[string]pyValue) error {
	for k := range dict {
		if k != "descr" && k != "fortran_order" && k != "shape" {
			return fmt.Errorf("header has unknown key %q; want descr, fortran_order and shape", k)
		}
	}
	descr, ok := dict["descr"].(string)
	if !ok {
		return fmt.Errorf("header key descr is missing or not a string (structured dtypes are not supported)")
	}
	fortran, ok := dict["fortran_order"].(bool)
	if !ok {
		return fmt.Errorf("header key fortran_order is missing or not True/False")
	}
	tuple, ok := dict["shape"].([]pyValue)
	if !ok {
		return fmt.Errorf("header key shape is missing or not a tuple")
	}
	dtype, info, err := parseDType(descr)
	if err != nil {
		return err
	}
	shape := make([]int, len(tuple))
	total := int64(info.size)
	for i, v := range tuple {
		d, ok := v.(int64)
		if !ok || d < 0 {
			return fmt.Errorf("shape element %d is not a non-negative integer", i)
		}
		if d > 0 && total > math.MaxInt64/d {
			return fmt.Errorf("shape %v overflows the addressable size", tuple)
		}
		total *= d
		shape[i] = int(d)
	}
	if info.size == 0 {
		total = 0
	}
	h.dtype, h.info, h.fortran, h.shape, h.dataBytes = dtype, info, fortran, shape, total
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fortranToC reorders column-major element bytes into row-major order.
func fortranToC(src []byte, shape []int, size int) []byte {
	n := len(src) / max(size, 1)
	dst := make([]byte, len(src))
	if n == 0 {
		return dst
	}
	nd := len(shape)
	// Column-major strides in elements.
	fstride := make([]int, nd)
	s := 1
	for i := 0; i < nd; i++ {
		fstride[i] = s
		s *= shape[i]
	}
	idx := make([]int, nd)
	for c := 0; c < n; c++ {
		f := 0
		for i := 0; i < nd; i++ {
			f += idx[i] * fstride[i]
		}
		copy(dst[c*size:(c+1)*size], src[f*size:(f+1)*size])
		for i := nd - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return dst
}

// WriteNpy writes a as a .npy file (format version 1, or 2 when the header
// needs it) atomically.
func WriteNpy(path string, a *Array) error {
	if _, err := a.info(); err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodeNpy(w, a) })
}

// EncodeNpy writes a in .npy format to w: C order, version 1 unless the
// header exceeds 65535 bytes. The header is padded with spaces so the data
// starts at a multiple of 64 bytes, as NumPy does.
func EncodeNpy(w io.Writer, a *Array) error {
	if _, err := a.info(); err != nil {
		return err
	}
	var dims []string
	for _, d := range a.Shape {
		dims = append(dims, strconv.Itoa(d))
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a.DType, shape)

	version, prefix := byte(1), 10
	if len(dict)+1+prefix > math.MaxUint16 {
		version, prefix = 2, 12
	}
	total := prefix + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"

	var buf bytes.Buffer
	buf.WriteString(npyMagic)
	buf.WriteByte(version)
	buf.WriteByte(0)
	if version == 1 {
		binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&buf, binary.LittleEndian, uint32(len(header)))
	}
	buf.WriteString(header)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(a.Data)
	return err
}
