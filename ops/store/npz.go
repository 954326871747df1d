package store

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// maxDeflateRatio bounds the uncompressed size of a deflated member relative
// to its compressed size. DEFLATE cannot expand data by more than about
// 1032:1, so a larger declared size is a corrupt or hostile header.
const maxDeflateRatio = 1032

// Npz is the set of arrays in a .npz archive, keyed by array name (the member
// name without its ".npy" suffix).
type Npz struct {
	Path   string
	Arrays map[string]*Array
}

// Names returns the array names in sorted order.
func (z *Npz) Names() []string {
	names := make([]string, 0, len(z.Arrays))
	for k := range z.Arrays {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Get returns the named array, or an error that names the file and lists
// the arrays it does contain.
func (z *Npz) Get(name string) (*Array, error) {
	a, ok := z.Arrays[name]
	if !ok {
		return nil, fmt.Errorf("%s: array %q not found; the archive contains %s", z.Path, name, strings.Join(z.Names(), ", "))
	}
	return a, nil
}

// ReadNpz reads every array of a .npz archive (a zip of .npy members, stored
// or deflated, as written by numpy.savez and numpy.savez_compressed).
func ReadNpz(path string) (*Npz, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return DecodeNpz(f, fi.Size(), path)
}

// DecodeNpz reads a .npz archive of the given size from r. name labels
// errors.
func DecodeNpz(r io.ReaderAt, size int64, name string) (*Npz, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, formatErr(name, -1, "not a valid .npz (zip) archive: %v", err)
	}
	out := &Npz{Path: name, Arrays: map[string]*Array{}}
	for _, m := range zr.File {
		key := strings.TrimSuffix(m.Name, ".npy")
		if m.FileInfo().IsDir() {
			continue
		}
		if _, dup := out.Arrays[key]; dup {
			return nil, formatErr(name, -1, "member %q appears twice", m.Name)
		}
		a, err := readNpzMember(m, size, name)
		if err != nil {
			return nil, err
		}
		out.Arrays[key] = a
	}
	return out, nil
}

func readNpzMember(m *zip.File, archiveSize int64, name string) (*Array, error) {
	label := name + "[" + m.Name + "]"
	offset, err := m.DataOffset()
	if err != nil {
		return nil, formatErr(label, -1, "cannot locate member data: %v", err)
	}
	// Check the sizes the zip directory declares before allocating anything.
	if m.CompressedSize64 > uint64(archiveSize) || offset+int64(m.CompressedSize64) > archiveSize {
		return nil, formatErr(name, offset, "member %q: compressed size %d runs past the end of the archive (%d bytes)", m.Name, m.CompressedSize64, archiveSize)
	}
	switch m.Method {
	case zip.Store:
		if m.UncompressedSize64 != m.CompressedSize64 {
			return nil, formatErr(name, offset, "member %q is stored but declares %d compressed and %d uncompressed bytes", m.Name, m.CompressedSize64, m.UncompressedSize64)
		}
	case zip.Deflate:
		if m.UncompressedSize64 > maxDeflateRatio*(m.CompressedSize64+1) {
			return nil, formatErr(name, offset, "member %q declares %d uncompressed bytes from %d compressed bytes, beyond what DEFLATE can produce", m.Name, m.UncompressedSize64, m.CompressedSize64)
		}
	default:
		return nil, formatErr(name, offset, "member %q uses zip compression method %d; want stored (0) or deflated (8)", m.Name, m.Method)
	}
	rc, err := m.Open()
	if err != nil {
		return nil, formatErr(label, 0, "%v", err)
	}
	defer rc.Close()

	// Read the preamble first so the data size comes from the .npy header
	// and agrees with the zip directory before the body is allocated.
	pre := make([]byte, 12)
	if _, err := io.ReadFull(rc, pre[:10]); err != nil {
		return nil, formatErr(label, 0, "member too short for a .npy header: %v", err)
	}
	hlen := 0
	switch pre[6] {
	case 1:
		hlen = int(pre[8]) | int(pre[9])<<8
		pre = pre[:10]
	case 2, 3:
		if _, err := io.ReadFull(rc, pre[10:12]); err != nil {
			return nil, formatErr(label, 8, "member ends inside the header length: %v", err)
		}
		hlen = int(uint32(pre[8]) | uint32(pre[9])<<8 | uint32(pre[10])<<16 | uint32(pre[11])<<24)
	}
	if hlen > maxNpyHeader || uint64(len(pre)+hlen) > m.UncompressedSize64 {
		return nil, formatErr(label, 8, "header length %d does not fit the member's %d bytes", hlen, m.UncompressedSize64)
	}
	head := make([]byte, len(pre)+hlen)
	copy(head, pre)
	if _, err := io.ReadFull(rc, head[len(pre):]); err != nil {
		return nil, formatErr(label, int64(len(pre)), "member ends inside the header: %v", err)
	}
	h, err := parseNpyHeader(head, label)
	if err != nil {
		return nil, err
	}
	if want := uint64(len(head)) + uint64(h.dataBytes); want != m.UncompressedSize64 {
		return nil, formatErr(label, int64(len(head)), "array data of dtype %s and shape %v needs %d bytes, the member has %d", h.dtype, h.shape, h.dataBytes, int64(m.UncompressedSize64)-int64(len(head)))
	}

	// A stored member's size is bounded by the archive, so its buffer is
	// allocated at once. A deflated member may declare up to 1032 times its
	// compressed size, so its buffer grows only as decompressed data arrives.
	initial := h.dataBytes
	if m.Method == zip.Deflate {
		initial = min(initial, 64<<20)
	}
	buf := bytes.NewBuffer(make([]byte, 0, initial))
	got, err := io.Copy(buf, io.LimitReader(rc, h.dataBytes))
	if err != nil || got != h.dataBytes {
		return nil, formatErr(label, int64(len(head))+got, "array data ends after %d of %d bytes: %v", got, h.dataBytes, err)
	}
	body := buf.Bytes()
	// The checksum is verified by archive/zip once the member is read to EOF.
	if _, err := rc.Read(make([]byte, 1)); err != nil && !errors.Is(err, io.EOF) {
		return nil, formatErr(label, int64(len(head)), "%v", err)
	}
	a := &Array{DType: h.dtype, Shape: h.shape, Data: body}
	if h.fortran {
		a.Data = fortranToC(body, h.shape, h.info.size)
	}
	return a, nil
}

// NamedArray pairs an array with its name inside a .npz archive.
type NamedArray struct {
	Name  string
	Array *Array
}

// WriteNpz writes arrays to path as a .npz archive, atomically, in the given
// order. compressed selects DEFLATE (numpy.savez_compressed) over stored
// members (numpy.savez).
func WriteNpz(path string, arrays []NamedArray, compressed bool) error {
	seen := map[string]bool{}
	for _, na := range arrays {
		if na.Name == "" || seen[na.Name] {
			return fmt.Errorf("store: write %s: array name %q is empty or repeated", path, na.Name)
		}
		seen[na.Name] = true
		if _, err := na.Array.info(); err != nil {
			return fmt.Errorf("store: write %s: array %q: %w", path, na.Name, err)
		}
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		method := zip.Store
		if compressed {
			method = zip.Deflate
		}
		for _, na := range arrays {
			var buf bytes.Buffer
			if err := EncodeNpy(&buf, na.Array); err != nil {
				return err
			}
			mw, err := zw.CreateHeader(&zip.FileHeader{Name: na.Name + ".npy", Method: method})
			if err != nil {
				return err
			}
			if _, err := mw.Write(buf.Bytes()); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}
