package moe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/klauspost/compress/zstd"

	"pare/ops/ot"
	"pare/ops/store"
)

// The container file is one zstd stream (github.com/klauspost/compress) of:
//
//	magic "PAREMOE1"
//	uint32 little-endian length n, then n bytes of JSON (containerHeader)
//	for each layer in header order:
//	  center: p·D float32 (when the header says so)
//	  for each expert: a sparse term as a bitmask of ⌈p·D/8⌉ bytes (bit t of
//	  byte t/8, least significant first, marks a stored entry of the
//	  row-major p×D matrix) followed by the stored float32 values in order,
//	  or a low-rank term as U (p×r) then V (r×D) in float32
//
// Values are float32, the model's dtype; the permutations are not stored
// because the restored experts run in aligned order.
const containerMagic = "PAREMOE1"

// maxHeaderBytes bounds the JSON header a reader accepts.
const maxHeaderBytes = 1 << 24

type containerHeader struct {
	Method string        `json:"method"`
	Keep   float64       `json:"keep"`
	Layers []layerHeader `json:"layers"`
}

type layerHeader struct {
	Layer   int    `json:"layer"`
	Experts int    `json:"experts"`
	Width   int    `json:"width"`
	D       int    `json:"d"`
	Gated   bool   `json:"gated"`
	Center  bool   `json:"center"`
	Term    string `json:"term"` // "sparse", "lowrank" or "none"
	// Nonzeros (sparse) or Ranks (lowrank) per expert.
	Nonzeros []int `json:"nonzeros,omitempty"`
	Ranks    []int `json:"ranks,omitempty"`
}

func (h *layerHeader) cols() int {
	if h.Gated {
		return 3 * h.D
	}
	return 2 * h.D
}

// WriteTo writes the container to w and returns the compressed byte count.
func (c *Container) WriteTo(w io.Writer) (int64, error) {
	hdr := containerHeader{Method: c.Method, Keep: c.Keep}
	for _, l := range c.LayerIndices() {
		cl := c.Layers[l]
		lh := layerHeader{Layer: l, Experts: cl.Experts, Width: cl.Width, D: cl.D, Gated: cl.Gated, Center: len(cl.Center.Data) > 0, Term: "none"}
		switch {
		case cl.Sparse != nil:
			lh.Term = "sparse"
			for _, s := range cl.Sparse {
				lh.Nonzeros = append(lh.Nonzeros, countNonzero(s))
			}
		case cl.LowRank != nil:
			lh.Term = "lowrank"
			for _, f := range cl.LowRank {
				lh.Ranks = append(lh.Ranks, f.U.Cols)
			}
		}
		hdr.Layers = append(hdr.Layers, lh)
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return 0, err
	}

	cw := &countingWriter{w: w}
	enc, err := zstd.NewWriter(cw, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(enc)
	bw.WriteString(containerMagic)
	binary.Write(bw, binary.LittleEndian, uint32(len(js)))
	bw.Write(js)
	for _, l := range c.LayerIndices() {
		cl := c.Layers[l]
		writeFloats(bw, cl.Center.Data)
		for _, s := range cl.Sparse {
			mask := make([]byte, (len(s.Data)+7)/8)
			for t, v := range s.Data {
				if v != 0 {
					mask[t/8] |= 1 << (t % 8)
				}
			}
			bw.Write(mask)
			for _, v := range s.Data {
				if v != 0 {
					binary.Write(bw, binary.LittleEndian, float32(v))
				}
			}
		}
		for _, f := range cl.LowRank {
			writeFloats(bw, f.U.Data)
			writeFloats(bw, f.V.Data)
		}
	}
	if err := bw.Flush(); err != nil {
		enc.Close()
		return cw.n, err
	}
	if err := enc.Close(); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

// Save writes the container to path atomically and returns its size in
// bytes on disk.
func (c *Container) Save(path string) (int64, error) {
	if err := store.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	}); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Load reads a container written by Save. Every size in the header is
// checked against the data before anything is allocated from it.
func Load(path string) (*Container, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("moe: %w", err)
	}
	defer f.Close()
	dec, err := zstd.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("moe: %s: %w", path, err)
	}
	defer dec.Close()
	src := &decompressReader{r: dec}
	c, err := readContainer(bufio.NewReader(src))
	if err != nil {
		// A failed decompression shows up in the parser as missing
		// bytes, so report its cause rather than the parser's message.
		if src.err != nil {
			return nil, fmt.Errorf("moe: %s: truncated or not zstd: %w", path, src.err)
		}
		if src.n == 0 {
			return nil, fmt.Errorf("moe: %s: truncated or not zstd: no data after decompression", path)
		}
		return nil, fmt.Errorf("moe: %s: %w", path, err)
	}
	return c, nil
}

// decompressReader passes reads through and records the first error other
// than io.EOF, and the number of bytes read.
type decompressReader struct {
	r   io.Reader
	n   int64
	err error
}

func (d *decompressReader) Read(p []byte) (int, error) {
	k, err := d.r.Read(p)
	d.n += int64(k)
	if err != nil && err != io.EOF && d.err == nil {
		d.err = err
	}
	return k, err
}

func readContainer(r io.Reader) (*Container, error) {
	magic := make([]byte, len(containerMagic))
	if _, err := io.ReadFull(r, magic); err != nil {
		return nil, fmt.Errorf("magic: %w", err)
	}
	if string(magic) != containerMagic {
		return nil, fmt.Errorf("not a pare MoE container (magic %q, want %q)", magic, containerMagic)
	}
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, fmt.Errorf("header length: %w", err)
	}
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("header length %d is over the limit of %d bytes", n, maxHeaderBytes)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	var hdr containerHeader
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	c := &Container{Method: hdr.Method, Keep: hdr.Keep, Layers: map[int]*CompressedLayer{}}
	for i, lh := range hdr.Layers {
		cl, err := readLayer(r, lh)
		if err != nil {
			return nil, fmt.Errorf("layer %d (entry %d of the header): %w", lh.Layer, i, err)
		}
		if _, dup := c.Layers[lh.Layer]; dup {
			return nil, fmt.Errorf("layer %d appears twice in the header", lh.Layer)
		}
		cl.Method, cl.Keep = hdr.Method, hdr.Keep
		c.Layers[lh.Layer] = cl
	}
	var extra [1]byte
	if k, _ := r.Read(extra[:]); k != 0 {
		return nil, fmt.Errorf("unexpected data after the last layer")
	}
	return c, nil
}

func readLayer(r io.Reader, lh layerHeader) (*CompressedLayer, error) {
	const maxDim = 1 << 20
	if lh.Layer < 0 || lh.Experts < 1 || lh.Experts > 1<<12 || lh.Width < 1 || lh.Width > maxDim || lh.D < 1 || lh.D > maxDim || lh.Width*lh.cols() > 1<<34 {
		return nil, fmt.Errorf("shape %d experts × width %d × d %d is invalid", lh.Experts, lh.Width, lh.D)
	}
	p, D := lh.Width, lh.cols()
	cl := &CompressedLayer{Experts: lh.Experts, Width: p, D: lh.D, Gated: lh.Gated}
	identity := make([]int, p)
	for j := range identity {
		identity[j] = j
	}
	cl.Perms = make([][]int, lh.Experts)
	for k := range cl.Perms {
		cl.Perms[k] = identity
	}
	var err error
	if lh.Center {
		if cl.Center, err = readMatrix(r, p, D); err != nil {
			return nil, fmt.Errorf("center: %w", err)
		}
	}
	switch lh.Term {
	case "none":
	case "sparse":
		if len(lh.Nonzeros) != lh.Experts {
			return nil, fmt.Errorf("%d nonzero counts for %d experts", len(lh.Nonzeros), lh.Experts)
		}
		for k, nnz := range lh.Nonzeros {
			s, err := readSparse(r, p, D, nnz)
			if err != nil {
				return nil, fmt.Errorf("expert %d: %w", k, err)
			}
			cl.Sparse = append(cl.Sparse, s)
		}
	case "lowrank":
		if len(lh.Ranks) != lh.Experts {
			return nil, fmt.Errorf("%d ranks for %d experts", len(lh.Ranks), lh.Experts)
		}
		for k, rank := range lh.Ranks {
			if rank < 1 || rank > min(p, D) {
				return nil, fmt.Errorf("expert %d: rank %d, want 1..%d", k, rank, min(p, D))
			}
			var f LowRank
			if f.U, err = readMatrix(r, p, rank); err != nil {
				return nil, fmt.Errorf("expert %d: U: %w", k, err)
			}
			if f.V, err = readMatrix(r, rank, D); err != nil {
				return nil, fmt.Errorf("expert %d: V: %w", k, err)
			}
			cl.LowRank = append(cl.LowRank, f)
		}
	default:
		return nil, fmt.Errorf("term %q, want sparse, lowrank or none", lh.Term)
	}
	return cl, nil
}

// readMatrix reads rows·cols float32 values, growing the buffer as data
// arrives so that a lying header cannot force a large allocation.
func readMatrix(r io.Reader, rows, cols int) (ot.Matrix, error) {
	vals, err := readFloat32s(r, rows*cols)
	if err != nil {
		return ot.Matrix{}, err
	}
	return ot.Matrix{Rows: rows, Cols: cols, Data: vals}, nil
}

func readFloat32s(r io.Reader, n int) ([]float64, error) {
	const chunk = 1 << 16
	out := make([]float64, 0, min(n, chunk))
	buf := make([]byte, 4*min(n, chunk))
	for len(out) < n {
		k := min(n-len(out), chunk)
		if _, err := io.ReadFull(r, buf[:4*k]); err != nil {
			return nil, fmt.Errorf("%d of %d values: %w", len(out), n, err)
		}
		for i := 0; i < k; i++ {
			out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))))
		}
	}
	return out, nil
}

func readSparse(r io.Reader, p, D, nnz int) (ot.Matrix, error) {
	if nnz < 0 || nnz > p*D {
		return ot.Matrix{}, fmt.Errorf("%d stored entries for a %d×%d matrix", nnz, p, D)
	}
	// io.ReadAll grows its buffer as data arrives, so a header that claims
	// a huge matrix cannot force a huge allocation.
	want := (p*D + 7) / 8
	mask, err := io.ReadAll(io.LimitReader(r, int64(want)))
	if err != nil {
		return ot.Matrix{}, fmt.Errorf("bitmask: %w", err)
	}
	if len(mask) != want {
		return ot.Matrix{}, fmt.Errorf("bitmask: %d of %d bytes: %w", len(mask), want, io.ErrUnexpectedEOF)
	}
	count := 0
	for t := 0; t < p*D; t++ {
		if mask[t/8]&(1<<(t%8)) != 0 {
			count++
		}
	}
	if count != nnz {
		return ot.Matrix{}, fmt.Errorf("invalid bitmask: it marks %d entries, but the header has %d", count, nnz)
	}
	vals, err := readFloat32s(r, nnz)
	if err != nil {
		return ot.Matrix{}, fmt.Errorf("values: %w", err)
	}
	out := ot.NewMatrix(p, D)
	i := 0
	for t := range out.Data {
		if mask[t/8]&(1<<(t%8)) != 0 {
			out.Data[t] = vals[i]
			i++
		}
	}
	return out, nil
}

func writeFloats(w io.Writer, xs []float64) {
	var b [4]byte
	for _, v := range xs {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
		w.Write(b[:])
	}
}

func countNonzero(m ot.Matrix) int {
	n := 0
	for _, v := range m.Data {
		if v != 0 {
			n++
		}
	}
	return n
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	k, err := c.w.Write(p)
	c.n += int64(k)
	return k, err
}
