package tensor

import (
	"fmt"

	"pare/ops/kernels"
)

// Concat joins tensors along an existing axis. All must have the same rank
// and equal sizes on every other axis.
func Concat(ts []*Tensor, axis int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("tensor: concat of no tensors; give at least one")
	}
	first := ts[0]
	a, err := normAxis(axis, first.Ndim())
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), first.shape...)
	shape[a] = 0
	for i, t := range ts {
		if t.Ndim() != first.Ndim() {
			return nil, fmt.Errorf("tensor: concat: tensor %d has rank %d (shape %s), tensor 0 has rank %d (shape %s)",
				i, t.Ndim(), ShapeString(t.shape), first.Ndim(), ShapeString(first.shape))
		}
		for d := range t.shape {
			if d != a && t.shape[d] != first.shape[d] {
				return nil, fmt.Errorf("tensor: concat along axis %d: tensor %d has shape %s, tensor 0 has shape %s; sizes differ on axis %d",
					a, i, ShapeString(t.shape), ShapeString(first.shape), d)
			}
		}
		if shape[a] > maxElements-t.shape[a] {
			return nil, fmt.Errorf("tensor: concat along axis %d: the sizes add up to more than 2^%d", a, maxElementsLog2)
		}
		shape[a] += t.shape[a]
	}
	if _, err := ShapeSize(shape); err != nil {
		return nil, err
	}
	out := New(shape...)
	pos := 0
	for _, t := range ts {
		dst, _ := out.Slice(a, pos, pos+t.shape[a], 1)
		copyInto(dst, t)
		pos += t.shape[a]
	}
	return out, nil
}

// Stack joins tensors of one shape along a new axis.
func Stack(ts []*Tensor, axis int) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("tensor: stack of no tensors; give at least one")
	}
	first := ts[0]
	if first.Ndim() >= MaxRank {
		return nil, fmt.Errorf("tensor: stack of rank-%d tensors would have %d dimensions; want at most %d", first.Ndim(), first.Ndim()+1, MaxRank)
	}
	a, err := normAxis(axis, first.Ndim()+1)
	if err != nil {
		return nil, err
	}
	parts := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !sameShape(t.shape, first.shape) {
			return nil, fmt.Errorf("tensor: stack: tensor %d has shape %s, tensor 0 has shape %s; all must match",
				i, ShapeString(t.shape), ShapeString(first.shape))
		}
		shape := append(append(append([]int(nil), t.shape[:a]...), 1), t.shape[a:]...)
		strides := append(append(append([]int(nil), t.strides[:a]...), 0), t.strides[a:]...)
		parts[i] = &Tensor{shape: shape, strides: strides, offset: t.offset, data: t.data}
	}
	return Concat(parts, a)
}

// MaxPieces bounds the number of views that SplitEvery returns and the
// number of lists that a caller building nested lists from an empty tensor
// should create. Each piece needs its own header, shape and strides however
// few elements it has, so without a bound an empty tensor with an axis of
// 2^31 would exhaust memory when split into pieces of 1.
const MaxPieces = 1 << 24

// Split cuts t along axis into pieces of the given sizes, which must sum to
// the axis size. The pieces are views.
func Split(t *Tensor, sizes []int, axis int) ([]*Tensor, error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, err
	}
	total := 0
	for i, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("tensor: split size %d (piece %d) is negative; want sizes >= 0", s, i)
		}
		total += s
	}
	if total != t.shape[a] {
		return nil, fmt.Errorf("tensor: split sizes %v sum to %d, want %d (the size of axis %d of shape %s)",
			sizes, total, t.shape[a], a, ShapeString(t.shape))
	}
	out := make([]*Tensor, len(sizes))
	pos := 0
	for i, s := range sizes {
		out[i], _ = t.Slice(a, pos, pos+s, 1)
		pos += s
	}
	return out, nil
}

// SplitEvery cuts t along axis into pieces of size chunk, as PyTorch's split
// with an int does. The last piece is smaller when chunk does not divide the
// axis.
func SplitEvery(t *Tensor, chunk, axis int) ([]*Tensor, error) {
	a, err := normAxis(axis, t.Ndim())
	if err != nil {
		return nil, err
	}
	if chunk <= 0 {
		return nil, fmt.Errorf("tensor: split size %d; want a size >= 1", chunk)
	}
	if n := t.shape[a]; n > 0 {
		if pieces := (n-1)/chunk + 1; pieces > MaxPieces {
			return nil, fmt.Errorf("tensor: splitting axis %d of size %d into pieces of %d gives %d pieces; want at most %d, so use a larger size",
				a, n, chunk, pieces, MaxPieces)
		}
	}
	var sizes []int
	for rest := t.shape[a]; rest > 0; rest -= chunk {
		sizes = append(sizes, min(chunk, rest))
	}
	return Split(t, sizes, a)
}

// copyInto copies src into dst, which have the same shape; either may be a
// strided view. Large copies run on the worker pool, and a source read
// across its unit stride (a transpose) is copied in square tiles so both
// sides stay in cache.
func copyInto(dst, src *Tensor) {
	n := dst.Size()
	if n == 0 {
		return
	}
	cshape, cstrides := coalesce(dst.shape, dst.strides, src.strides)
	nd := len(cshape)
	if nd >= 2 && cstrides[0][nd-1] == 1 && cstrides[1][nd-1] != 1 && cstrides[1][nd-2] == 1 {
		copyTransposed(dst, src, cshape, cstrides)
		return
	}

	inner := cshape[nd-1]
	sd, ss := cstrides[0][nd-1], cstrides[1][nd-1]
	kernels.ParallelFor(n/inner, max(1, parallelGrain/inner), func(lo, hi int) {
		offs := make([]int, 2)
		for r := lo; r < hi; r++ {
			rowOffsets(r, cshape, cstrides, offs)
			d, s := dst.offset+offs[0], src.offset+offs[1]
			if sd == 1 && ss == 1 {
				copy(dst.data[d:d+inner], src.data[s:s+inner])
				continue
			}
			for i := range inner {
				dst.data[d+i*sd] = src.data[s+i*ss]
			}
		}
	})
}

// transposeTile is the side of the square tiles copyTransposed moves.
const transposeTile = 16

// copyTransposed copies when the last two coalesced dimensions are swapped
// between dst (unit stride on the last) and src (unit stride on the one
// before), one transposeTile×transposeTile tile at a time.
func copyTransposed(dst, src *Tensor, cshape []int, cstrides [][]int) {
	nd := len(cshape)
	rows, cols := cshape[nd-2], cshape[nd-1]
	outer := dst.Size() / (rows * cols)
	dRow, sCol := cstrides[0][nd-2], cstrides[1][nd-1]
	rowTiles := (rows + transposeTile - 1) / transposeTile
	colTiles := (cols + transposeTile - 1) / transposeTile
	jobs := outer * rowTiles * colTiles
	dd, sd := dst.data, src.data // locals, so the loop does not reload them
	kernels.ParallelFor(jobs, max(1, parallelGrain/(transposeTile*transposeTile)), func(lo, hi int) {
		offs := make([]int, 2)
		buf := make([]float32, transposeTile*transposeTile)
		for job := lo; job < hi; job++ {
			o := job / (rowTiles * colTiles)
			t := job % (rowTiles * colTiles)
			r0, c0 := (t/colTiles)*transposeTile, (t%colTiles)*transposeTile
			r1, c1 := min(r0+transposeTile, rows), min(c0+transposeTile, cols)
			rowOffsets(o, cshape[:nd-1], cstrides, offs)
			d, s := dst.offset+offs[0], src.offset+offs[1]
			// Read each source line of the tile whole into buf, then write
			// each destination line whole, so every cache line is touched
			// once even when power-of-two strides map the tile's lines to
			// one cache set.
			h := r1 - r0
			for c := c0; c < c1; c++ {
				copy(buf[(c-c0)*transposeTile:], sd[s+c*sCol+r0:s+c*sCol+r1])
			}
			for r := range h {
				row := dd[d+(r0+r)*dRow+c0 : d+(r0+r)*dRow+c1]
				for j := range row {
					row[j] = buf[j*transposeTile+r]
				}
			}
		}
	})
}
