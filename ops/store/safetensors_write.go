package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

// NamedTensor is one tensor to write with WriteSafetensors. Data holds the
// float32 values in row-major order; DType selects the stored type: "F32",
// "BF16" or "F16" (the last two rounded to nearest even).
type NamedTensor struct {
	Name  string
	DType string
	Shape []int
	Data  []float32
}

// WriteSafetensors writes tensors and metadata to path atomically. Tensors
// are laid out by decreasing item size, then by name, so that every tensor
// starts at a multiple of its item size; the header is padded with spaces to
// a multiple of 8 bytes, as the reference writer does.
func WriteSafetensors(path string, tensors []NamedTensor, metadata map[string]string) error {
	order := make([]int, len(tensors))
	seen := map[string]bool{}
	for i, t := range tensors {
		order[i] = i
		if t.Name == "" || t.Name == "__metadata__" || seen[t.Name] {
			return fmt.Errorf("store: write %s: tensor name %q is empty, reserved or repeated", path, t.Name)
		}
		seen[t.Name] = true
		if t.DType != "F32" && t.DType != "BF16" && t.DType != "F16" {
			return fmt.Errorf("store: write %s: tensor %q: dtype %q; want F32, BF16 or F16", path, t.Name, t.DType)
		}
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("store: write %s: tensor %q: shape %v has a negative dimension", path, t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("store: write %s: tensor %q: shape %v needs %d values, got %d", path, t.Name, t.Shape, n, len(t.Data))
		}
	}
	sort.Slice(order, func(a, b int) bool {
		ta, tb := tensors[order[a]], tensors[order[b]]
		sa, sb := safetensorsDTypes[ta.DType], safetensorsDTypes[tb.DType]
		if sa != sb {
			return sa > sb
		}
		return ta.Name < tb.Name
	})

	header, err := safetensorsHeader(tensors, order, metadata)
	if err != nil {
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		var lenBuf [8]byte
		binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
		if _, err := w.Write(lenBuf[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<16)
		for _, i := range order {
			if err := writeTensorData(w, tensors[i], buf); err != nil {
				return err
			}
		}
		return nil
	})
}

func safetensorsHeader(tensors []NamedTensor, order []int, metadata map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata)
		if err != nil {
			return nil, err
		}
		buf.WriteString(`"__metadata__":`)
		buf.Write(m)
	}
	off := int64(0)
	for k, i := range order {
		t := tensors[i]
		if k > 0 || len(metadata) > 0 {
			buf.WriteByte(',')
		}
		size := int64(len(t.Data) * safetensorsDTypes[t.DType])
		name, _ := json.Marshal(t.Name)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		sh, _ := json.Marshal(shape)
		fmt.Fprintf(&buf, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, t.DType, sh, off, off+size)
		off += size
	}
	buf.WriteByte('}')
	for buf.Len()%8 != 0 {
		buf.WriteByte(' ')
	}
	return buf.Bytes(), nil
}

func writeTensorData(w io.Writer, t NamedTensor, buf []byte) error {
	le := binary.LittleEndian
	for start := 0; start < len(t.Data); start += 8192 {
		chunk := t.Data[start:min(start+8192, len(t.Data))]
		buf = buf[:0]
		for _, v := range chunk {
			switch t.DType {
			case "F32":
				buf = le.AppendUint32(buf, math.Float32bits(v))
			case "BF16":
				buf = le.AppendUint16(buf, Float32ToBFloat16(v))
			case "F16":
				buf = le.AppendUint16(buf, Float32ToHalf(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
